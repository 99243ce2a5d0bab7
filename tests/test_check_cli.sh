#!/usr/bin/env bash
# moegap check on fake run folders (no training): the report and its
# files, the exit status per verdict (0 PASS, 1 CONTRADICTED, 77
# INCONCLUSIVE, which no listing excuses), a missing run refused by name,
# a malformed protocol
# refused with file:line:key, and figures when gnuplot is here.
# usage: test_check_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup check_cli "$1" "$2"
src=$3
proto=$src/protocols/active_gap.ini

source "$(dirname "$0")/check_fake_runs.sh"

fake_pair "$work/pass/runs" "1.655 1.654 1.656" "1.578 1.580 1.577"
fake_pair "$work/contra/runs" "1.578 1.580 1.577" "1.655 1.654 1.656"
fake_pair "$work/inconc/runs" "1.60 1.59 1.61" "1.59 1.60 1.605"

expect 0 "usage: moegap check" "INCONCLUSIVE \(skipped: not decided\)" -- "$moegap" check --help
expect 2 "--runs is required" -- "$moegap" check --protocol "$proto"

# PASS: parameters, mean +- std, gap, t, p, the paper beside ours
expect 0 "^  dense_active +329024 +329024 +3 +1\.6550 \+- 0\.0010 +1\.6545 \+- 0\.0012 \(n 3\)" \
  "^  moe4 +329280 +525888 +3 +1\.5783 \+- 0\.0015 +1\.5788 \+- 0\.0020" \
  "ours: +0\.0767 \+- 0\.0025 +t = 52\.[0-9]+ \(df 2\) +p\(> 0\) = 0\.000[0-9]+" \
  "paper: 0\.0758 \+- 0\.0021 \(n 3\), favours moe" "^verdict: PASS" "exit status 0: PASS" \
  -- "$moegap" check --protocol "$proto" --runs "$work/pass/runs" --no-figures
[[ -f $work/pass/results/active_gap.txt && -f $work/pass/results/active_gap.json ]] ||
  fail "no results in $work/pass/results"
grep -q "^verdict: PASS" "$work/pass/results/active_gap.txt" || fail "active_gap.txt lacks the verdict"
if command -v python3 >/dev/null; then
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
g = d["gaps"]["active"]["best_val_loss_gap"]
assert d["verdict"] == "PASS" and d["exit_status"] == 0, d["verdict"]
assert abs(g["mean"] - 0.07666666667) < 1e-9 and g["p_greater"] < 0.05, g
assert d["models"]["moe4"]["params_active"] == 329280
assert d["gaps"]["active"]["paper"]["mean"] == 0.0758' "$work/pass/results/active_gap.json" ||
    fail "active_gap.json is not what the report says"
fi

expect 1 "^    verdict: CONTRADICTED" "^verdict: CONTRADICTED" "exit status 1" \
  -- "$moegap" check --protocol "$proto" --runs "$work/contra/runs" --out "$work/contra/out" --no-figures
expect 77 "verdict: INCONCLUSIVE; the observed mean and std would need [0-9]+ seeds to reach p < 0\.05 toward > 0 \(PASS\) with 80% power" \
  "^verdict: INCONCLUSIVE" "exit status 77: INCONCLUSIVE" -- "$moegap" check --protocol "$proto" --runs "$work/inconc/runs" \
  --out "$work/inconc/out" --no-figures

# no file excuses a verdict: a listing of the old known_nonreplications.tsv
# form beside paper.tsv changes nothing, and INCONCLUSIVE stays a skip
mkdir -p "$work/ref"
cp "$src/reference/paper.tsv" "$work/ref/"
{ printf 'protocol\ttier\tverdict\tmean\tstd\tp\tevidence\tcommit\n'
  printf 'active_gap\tci\tINCONCLUSIVE\t0.0017\t0.0104\t0.40\tfake runs of this test\t0000000\n'; } \
  >"$work/ref/known_nonreplications.tsv"
expect 77 "^verdict: INCONCLUSIVE" "exit status 77: INCONCLUSIVE" -- "$moegap" check --protocol "$proto" \
  --runs "$work/inconc/runs" --reference "$work/ref" --out "$work/inconc/out" --no-figures
grep -q '"exit_status": 77' "$work/inconc/out/active_gap.json" || fail "json lacks exit status 77"
grep -q 'known' "$work/inconc/out/active_gap.json" && fail "json speaks of a known non-replication"

# a missing run, an unfinished one: refused by name, never skipped
rm -rf "$work/inconc/runs/moe4-s3"
expect 1 "moe4 seed 3: run folder .*/moe4-s3 does not exist" -- "$moegap" check --protocol "$proto" \
  --runs "$work/inconc/runs" --no-figures
rm "$work/contra/runs/dense_active-s2/summary.json"
expect 1 "dense_active-s2 has no summary.json: the run has not finished" -- "$moegap" check \
  --protocol "$proto" --runs "$work/contra/runs" --no-figures

# a malformed protocol: file, line and key
sed 's/^alpha = 0.05/alpha = five/' "$proto" >"$work/active_gap.ini"
expect 1 "active_gap.ini:[0-9]+: \[check\] alpha: 'five' is not a number" -- "$moegap" check \
  --protocol "$work/active_gap.ini" --runs "$work/pass/runs" --reference "$src/reference" --no-figures

# figures: the numbers always; PDF and PNG where gnuplot has cairo
expect 0 "^figures: " -- "$moegap" check --protocol "$proto" --runs "$work/pass/runs" --out "$work/fig"
for f in active_gap_curves.tsv active_gap_gaps.tsv active_gap_best.tsv active_gap.gp; do
  [[ -s $work/fig/$f ]] || fail "no $f"
done
if command -v gnuplot >/dev/null && gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
  for f in curves gaps best; do
    for e in pdf png; do [[ -s $work/fig/active_gap_$f.$e ]] || fail "no active_gap_$f.$e"; done
  done
fi
# without gnuplot on PATH: said so, numbers written, verdict unchanged
expect 0 "gnuplot is not on PATH: no figures" -- env PATH=/nonexistent "$moegap" check \
  --protocol "$proto" --runs "$work/pass/runs" --out "$work/fig2"
[[ -s $work/fig2/active_gap_best.tsv ]] || fail "no numbers without gnuplot"

cli_finish check_cli
