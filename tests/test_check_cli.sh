#!/usr/bin/env bash
# moegap check on fake run folders (no training): the report and its
# files, the exit status per verdict (0 PASS, 1 CONTRADICTED, 77
# INCONCLUSIVE, which no listing excuses), the seeds (the tier's by
# default; --seeds, five of them; --tier), a missing run refused by name,
# a malformed protocol
# refused with file:line:key, and figures when gnuplot is here.
# usage: test_check_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/fake_runs.sh"
cli_setup check_cli "$1" "$2"
src=$3
proto=$src/protocols/active_gap.ini
fake_recipes "$src" 200 # two evaluations; [run] tier = ci


fake_pair "$work/pass/runs" "1.655 1.654 1.656" "1.578 1.580 1.577"
fake_pair "$work/contra/runs" "1.578 1.580 1.577" "1.655 1.654 1.656"
fake_pair "$work/inconc/runs" "1.60 1.59 1.61" "1.59 1.60 1.605"

expect 0 "usage: moegap check" "INCONCLUSIVE \(skipped: not decided\)" -- "$moegap" check --help
expect 2 "--runs is required" -- "$moegap" check --protocol "$proto"
# a default beside a path too long to extend is refused, not cut short
long=/$(printf 'p%.0s' {1..4600})
expect 1 "^moegap check: /p{199}\.\.\.: path too long \(over 4607 bytes\)$" \
  -- "$moegap" check --protocol "$long/x.ini" --runs "$work/pass/runs" --no-figures

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
assert d["gaps"]["active"]["paper"]["mean"] == 0.0758
assert g["ci_level"] == 0.95 and g["ci"][0] < g["mean"] < g["ci"][1], g
assert 0 < g["mde"] < 0.05, g' "$work/pass/results/active_gap.json" ||
    fail "active_gap.json is not what the report says"
fi

expect 1 "^    verdict: CONTRADICTED" "^verdict: CONTRADICTED" "exit status 1" \
  -- "$moegap" check --protocol "$proto" --runs "$work/contra/runs" --out "$work/contra/out" --no-figures
expect 77 "verdict: INCONCLUSIVE; the observed mean and std would need [0-9]+ seeds to reach p < 0\.05 toward > 0 \(PASS\) with 80% power" \
  "95% CI: \[-0\.[0-9]{4}, 0\.[0-9]{4}\] +MDE \(80% power\): 0\.[0-9]{4}" \
  "it establishes: the mean lies in \[-0\.[0-9]{4}, 0\.[0-9]{4}\] with 95% confidence" \
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

# the seeds: the tier's (the runs say [run] tier = ci: protocols/tiers/ci/tier.ini,
# seeds 1, 2, 3) unless --seeds or --tier says others
expect 0 "^seeds: 1,2,3 \(the tier's, .*protocols/tiers/ci/tier\.ini\)" "^runs: .*, seeds 1, 2, 3$" \
  -- "$moegap" check --protocol "$proto" --runs "$work/pass/runs" --out "$work/seeds-default" --no-figures
five=$work/five/runs
da=(1.655 1.654 1.656 1.653 1.657) mo=(1.578 1.580 1.577 1.579 1.576)
for s in 1 2 3 4 5; do
  fake_run "$five" dense_active "$s" 329024 329024 2.0 "${da[s - 1]}"
  fake_run "$five" moe4 "$s" 525888 329280 2.0 "${mo[s - 1]}"
done
# without --seeds the tier's three: seeds 4 and 5 are not compared
expect 0 "^seeds: 1,2,3 \(the tier's" "^  dense_active +329024 +329024 +3 " -- "$moegap" check \
  --protocol "$proto" --runs "$five" --out "$work/five/out3" --no-figures
for list in 5 1,2,3,4,5 "5, 4,3 ,2,1"; do
  expect 0 "^seeds: [1-5,]+ \(--seeds\)" "^runs: .*, seeds [1-5, ]+$" \
    "^  dense_active +329024 +329024 +5 +1\.6550 \+- 0\.0016" "^  moe4 +329280 +525888 +5 +1\.5780 \+- 0\.0016" \
    "t = [0-9.]+ \(df 4\)" "^verdict: PASS" -- "$moegap" check --protocol "$proto" --runs "$five" \
    --seeds "$list" --out "$work/five/out" --no-figures
done
/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["seeds"] == [5, 4, 3, 2, 1], d["seeds"]
assert len(d["gaps"]["active"]["best_val_loss_gap"]["per_seed"]) == 5
assert len(d["models"]["moe4"]["best_val_loss"]) == 5
assert sorted((r["model"], r["seed"]) for r in d["runs_used"]) == sorted((m, s) for m in ("dense_active", "moe4") for s in range(1, 6))' \
  "$work/five/out/active_gap.json" || fail "the result of --seeds '5, 4,3 ,2,1' does not hold five seeds"
expect 0 "^seeds: 2,5 \(--seeds\)" "df 1" -- "$moegap" check --protocol "$proto" --runs "$five" --seeds 2,5 \
  --out "$work/five/out25" --no-figures
expect 1 "moe4 seed 6: run folder .*moe4-s6 does not exist|dense_active seed 6: run folder .*dense_active-s6 does not exist" \
  -- "$moegap" check --protocol "$proto" --runs "$five" --seeds 6 --no-figures
# --tier DIR: a tier folder's tier.ini, read strictly
mkdir -p "$work/tier5"
printf '; five seeds\n[tier]\nseeds = 1, 2, 3, 4, 5\n' >"$work/tier5/tier.ini"
expect 0 "^seeds: 1,2,3,4,5 \(the tier's, .*tier5/tier\.ini\)" "^  moe4 +329280 +525888 +5 " -- "$moegap" check \
  --protocol "$proto" --runs "$five" --tier "$work/tier5" --out "$work/five/out" --no-figures
printf '[tier]\nseeds = 1, x\n' >"$work/tier5/tier.ini"
expect 1 "tier5/tier\.ini:2: \[tier\] seeds: '1, x': expected N" -- "$moegap" check --protocol "$proto" \
  --runs "$five" --tier "$work/tier5" --no-figures
# misuse: both sources, a bad list
expect 2 "--seeds and --tier: give one of them" -- "$moegap" check --protocol "$proto" --runs "$five" \
  --seeds 5 --tier "$work/tier5"
expect 2 "--seeds: '1': the seeds 1\.\.1: expected 2\.\.64 of them \(a paired t-test needs at least 2\)" \
  -- "$moegap" check --protocol "$proto" --runs "$five" --seeds 1
expect 2 "--seeds: '3,3': seed 3 is listed twice" -- "$moegap" check --protocol "$proto" --runs "$five" --seeds 3,3
expect 2 "--seeds: '0,1': seed 0 is not in 1\.\.1000000" -- "$moegap" check --protocol "$proto" --runs "$five" --seeds 0,1
expect 2 "--seeds: '65': the seeds 1\.\.65: expected 2\.\.64" -- "$moegap" check --protocol "$proto" --runs "$five" --seeds 65
# no run to tell the tier from: said so, and how to go on
mkdir -p "$work/none/runs"
expect 1 "none/runs: no run of dense_active or the protocol's other models with a \[run\] tier .*give the seeds or the tier" \
  -- "$moegap" check --protocol "$proto" --runs "$work/none/runs" --no-figures

# a run folder holds the run its name says, or the check refuses it, naming
# the run, the field and both values (active_gap has no listing: these hold
# for every protocol)
mutant() { rm -rf "$work/$1"; mkdir -p "$work/$1"; cp -r "$work/pass/runs" "$work/$1/"; echo "$work/$1/runs"; }
check_runs() { "$moegap" check --protocol "$proto" --runs "$1" --out "$1/../out" --no-figures; }
runs=$(mutant copy)
rm -r "$runs/moe4-s2" && cp -r "$runs/moe4-s3" "$runs/moe4-s2"
expect 1 "moe4 seed 2: .*moe4-s2/summary.json: seed: 3, but the folder is of seed 2" -- check_runs "$runs"
for s in 1 2 3; do fake_provenance "$runs/dense_active-s$s" "$s"; done
rm -r "$runs/dense_active-s2" && cp -r "$runs/dense_active-s3" "$runs/dense_active-s2"
sed -i 's/"seed": 3/"seed": 2/' "$runs/dense_active-s2/summary.json"
expect 1 "dense_active-s2/provenance.json: seed: 3, but the folder is of seed 2" -- check_runs "$runs"
runs=$(mutant kind)
fake_run "$runs" moe8 1 920128 330304 2.0 1.578 && rm -r "$runs/moe4-s1" && mv "$runs/moe8-s1" "$runs/moe4-s1"
expect 1 "moe4-s1/recipe.ini: \[model\] n_experts: 8, but moe4 has 4" -- check_runs "$runs"
# a model the runs' tier does not define: the tier's tier.ini says which exist
cp -r "$src/protocols" "$work/protocols-x"
sed -i 's/^\[model dense_active\]$/[model dense_active_old]/' "$work/protocols-x/tiers/ci/tier.ini"
runs=$(mutant notier)
expect 1 "active_gap\.ini: \[runs\] models: 'dense_active' is no model of the tier \(.*protocols-x/tiers/ci/tier\.ini defines them\)" \
  -- "$moegap" check --protocol "$work/protocols-x/active_gap.ini" --runs "$runs" --out "$runs/../out" \
  --reference "$src/reference" --no-figures
runs=$(mutant steps)
fake_run "$runs" moe4 2 525888 329280 2.0 1.9 1.7 1.580 && sed -i 's/^steps = .*/steps = 400/' "$runs/moe4-s2/recipe.ini"
expect 1 "moe4-s2/recipe.ini: \[train\] steps: '400', but .*moe4-s1 has '200' \(the seeds of one model share its recipe\)" \
  -- check_runs "$runs"
runs=$(mutant corpus)
sed -i 's/^corpus = .*/corpus = tinystories-4096/' "$runs/moe4-s1/recipe.ini"
expect 1 "moe4-s1/recipe.ini: \[run\] corpus: 'tinystories-4096', but .*dense_active-s1 has 'brown-1024'" \
  -- check_runs "$runs"
runs=$(mutant tier)
sed -i 's/^tier = ci/tier = smoke/' "$runs/moe4-s2/recipe.ini"
expect 1 "moe4-s2/recipe.ini: \[run\] tier: 'smoke', but .* has 'ci'" -- check_runs "$runs"

# impossible or inconsistent numbers are refused by file and field
runs=$(mutant negative)
sed -i 's/"best_val_loss": [0-9.]*/"best_val_loss": -3.0/' "$runs/moe4-s1/summary.json"
expect 1 "moe4-s1/summary.json: best_val_loss: missing or not a finite loss >= 0" -- check_runs "$runs"
runs=$(mutant duplicate)
sed -i 's/{/{"best_val_loss": 1.0, /' "$runs/moe4-s1/summary.json"
expect 1 "moe4-s1/summary.json:1: duplicate object key" -- check_runs "$runs"
runs=$(mutant disagree)
sed -i 's/"best_val_loss": [0-9.]*/"best_val_loss": 1.5/' "$runs/moe4-s1/summary.json"
expect 1 "moe4-s1/summary.json: best_val_loss: 1.5, but the lowest evaluation in metrics.tsv is 1.578 \(step 200\)" \
  -- check_runs "$runs"
runs=$(mutant cut)
sed -i '$d' "$runs/moe4-s1/metrics.tsv"
expect 1 "moe4-s1/metrics.tsv: 1 evaluation rows, the last at step 100, but the schedule of recipe.ini \(every 100 steps and at step 200\) has 2" \
  -- check_runs "$runs"
runs=$(mutant params)
sed -i 's/"params_total": [0-9]*/"params_total": 920128/' "$runs/moe4-s1/summary.json"
expect 1 "moe4-s1/summary.json: params_total: 920128, but recipe.ini's model has 525888" -- check_runs "$runs"

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
