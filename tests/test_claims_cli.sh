#!/usr/bin/env bash
# moegap claims and moegap progress on fake run folders (no training).
# claims: every protocol's result from real checks; each claimed test's
# row holds the numbers of its result JSON as the command formats them (the
# paper's mean +- std, ours with its CI, the one-sided p toward the claimed
# sign, the verdict), a claim of several tests its own verdict; a missing,
# an unreadable and a stale result are each said in the claim's row and
# exit 1, the other claims still shown. progress: runs done and steps
# against recipes.tsv, a run half way, a row still being written, a
# malformed row, no recipes yet, and --every stopping with --while-pid.
# usage: test_claims_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/fake_runs.sh"
command -v /usr/bin/python3 >/dev/null || { echo "SKIP: /usr/bin/python3 is not installed"; exit 77; }
cli_setup claims_cli "$1" "$2"
src=$3
moegap=$(realpath "$moegap")
fake_recipes "$src" 1000
paper=$work/paper
fake_curve_runs "$paper/runs"
fake_checks "$src" "$paper"
claims() { "$moegap" claims --paper-dir "$paper" --protocols "$src/protocols" --reference "$src/reference"; }

expect 0 "usage: moegap claims" "--paper-dir" -- "$moegap" claims --help
expect 2 "--paper-dir is required" -- "$moegap" claims
expect 1 "nowhere: no such paper dir" -- "$moegap" claims --paper-dir "$work/nowhere"

# every number of every claimed test, against the result files
check_table() { # TABLE_FILE RESULTS_DIR
  /usr/bin/python3 - "$1" "$2" "$src/protocols" <<'EOF'
import glob, json, os, sys
table, results, protocols = sys.argv[1:]
lines = open(table).read().splitlines()
bad = []
def line_with(parts, start=0):
    """the index of the first line from `start` holding every part, in order"""
    for i in range(start, len(lines)):
        at = 0
        for p in parts:
            at = lines[i].find(p, at)
            if at < 0:
                break
            at += len(p)
        else:
            return i
    return -1
def p_text(p):
    return "n/a" if p is None else "%.3g" % p
names = sorted(os.path.basename(p)[:-4] for p in glob.glob(protocols + "/*.ini"))
rows = 0
for name in names:
    d = json.load(open("%s/%s.json" % (results, name)))
    first = line_with([name + " "])
    if first < 0 or not lines[first].startswith(name + " "):
        bad.append("%s: no row starts with the claim" % name)
        continue
    at, n = first, 0
    for gap, g in d["gaps"].items():
        for key, what in (("best_val_loss_gap", "best-loss gap"), ("slope_log_step", "slope on log(step)"),
                          ("final", "gap at the end")):
            t = g.get(key)
            if not t or t["claim"] == "none":
                continue
            digits = 5 if key == "slope_log_step" else 4
            sign = "> 0" if t["claim"] == "positive" else "< 0"
            paper = ("%.4f +- %.4f" % (g["paper"]["mean"], g["paper"]["std"])
                     if key == "best_val_loss_gap" and g.get("paper") else "not reported")
            ours = "%.*f [%.*f, %.*f]" % (digits, t["mean"], digits, t["ci"][0], digits, t["ci"][1])
            p = t["p_greater"] if t["claim"] == "positive" else t["p_less"]
            parts = ["%s %s %s" % (gap, what, sign), paper, ours, p_text(p), t["verdict"]]
            i = line_with(parts, at)
            if i < 0:
                bad.append("%s: no row %s" % (name, parts))
            else:
                at, n = i + 1, n + 1
    if n == 0:
        bad.append("%s: no claimed test shown" % name)
    if n != 1 and line_with(["the claim", d["verdict"]], first) < 0:
        bad.append("%s: no line with the claim's verdict %s" % (name, d["verdict"]))
    if n == 1 and line_with([d["verdict"]], first) != first:
        bad.append("%s: the one test's row lacks the claim's verdict %s" % (name, d["verdict"]))
    rows += n
if rows < len(names):
    bad.append("only %d rows for %d claims" % (rows, len(names)))
for b in bad:
    print("claims table:", b)
sys.exit(1 if bad else 0)
EOF
}

expect 0 "^claims of .*/paper \(tier ci\)" "^claim +test +paper \(mean \+- std\) +ours: mean \[CI\] +p +verdict" \
  "^active_gap +active best-loss gap > 0 +0\.0758 \+- 0\.0021 " "with its 95% confidence interval" -- claims
claims >"$work/table.txt" 2>&1
check_table "$work/table.txt" "$paper/results" || fail "the table differs from the results"
grep -q "without a fresh result" "$work/table.txt" && fail "a complete table says a result is missing"

# the numbers check can fail: a result whose number the table lacks
cp -r "$paper/results" "$work/altered"
/usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f))
d["gaps"]["total"]["best_val_loss_gap"]["ci"][0] -= 0.0123
json.dump(d, open(f, "w"))' "$work/altered/total_gap.json"
check_table "$work/table.txt" "$work/altered" >/dev/null && fail "the numbers check accepts a table that lacks a CI bound"

# a missing result is a row of its own, and the exit status, not a gap
mv "$paper/results/total_gap.json" "$work/total_gap.json"
expect 1 "^total_gap +MISSING: results/total_gap\.json does not exist" "^active_gap +active best-loss gap" \
  "^eight_experts +total8 " "^1 claim without a fresh result" -- claims
mv "$work/total_gap.json" "$paper/results/total_gap.json"
cp -p "$paper/results/eight_experts.json" "$work/eight_experts.json"
/usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f)); d["verdict"] = "MAYBE"
json.dump(d, open(f, "w"))' "$paper/results/eight_experts.json"
expect 1 "^eight_experts +UNREADABLE: results/eight_experts\.json: verdict: 'MAYBE'" -- claims
cp -p "$work/eight_experts.json" "$paper/results/eight_experts.json"
cp -p "$paper/runs/moe4-s2/summary.json" "$work/summary.json"
printf ' ' >>"$paper/runs/moe4-s2/summary.json"
expect 1 "^ +STALE: runs/moe4-s2/summary\.json changed since the check used it" \
  "^[1-9] claims without a fresh result" -- claims
cp -p "$work/summary.json" "$paper/runs/moe4-s2/summary.json"
expect 0 "^total_gap +total best-loss gap > 0" -- claims

# ---- progress ---------------------------------------------------------------
progress() { "$moegap" progress --paper-dir "$paper" --protocols "$src/protocols" --seeds 3 "$@"; }
expect 0 "usage: moegap progress" "--while-pid" -- "$moegap" progress --help
expect 2 "--while-pid needs --every" -- progress --while-pid 1
expect 2 "--seeds: " -- "$moegap" progress --paper-dir "$paper" --protocols "$src/protocols" --seeds 1,1
expect 0 "^progress: runs 10/10 done" -- "$moegap" progress --paper-dir "$paper" --protocols "$src/protocols" --seeds 2
expect 0 "^progress: runs 15/15 done, steps not known yet" -- progress
mkdir -p "$paper/recipes"
{ printf 'model\trecipe\n'; for m in "${fake_models[@]}"; do printf '%s\t%s\n' "$m" "$work/recipes/$m.ini"; done; } \
  >"$paper/recipes/recipes.tsv"
expect 0 "^progress: runs 15/15 done, steps 15000/15000 \(100% of the work\)$" -- progress
# moe4 seed 2 half way: 500 of 1000 steps; the work weighs its steps by
# moe4's active count, 329280 of the 2434624 the five models sum to
rm "$paper/runs/moe4-s2/summary.json"
{ printf 'kind\tstep\ttokens\tval_ce\n'; for t in 100 200 300 400 500; do printf 'train\t%d\t0\t\n' "$t"; done; } \
  >"$paper/runs/moe4-s2/metrics.tsv"
printf 'train\t600\t0' >>"$paper/runs/moe4-s2/metrics.tsv" # being written: not read
rm -r "$paper/runs/dense8_total-s3"                           # not started
expect 0 "^progress: runs 13/15 done, steps 13500/15000 \(85% of the work\)$" -- progress
printf '\ntrain\tx\t0\t\n' >>"$paper/runs/moe4-s2/metrics.tsv"
expect 1 "moe4-s2/metrics\.tsv:8: step: not a step number" -- progress
printf 'kind\tstep\ttokens\tval_ce\ntrain\t500\t0\t\n' >"$paper/runs/moe4-s2/metrics.tsv"
printf 'model\trecipe\nmoe4\n' >"$paper/recipes/recipes.tsv"
expect 1 "recipes\.tsv:2: not 'model<TAB>recipe'" -- progress
{ printf 'model\trecipe\n'; for m in "${fake_models[@]}"; do printf '%s\t%s\n' "$m" "$work/recipes/$m.ini"; done; } \
  >"$paper/recipes/recipes.tsv"
# --every: a line now and each second, the elapsed time and the ETA, until
# the watched process ends
sleep 3 &
watched=$!
start=$(date +%s)
expect 0 "^progress: runs 13/15 done, steps 13500/15000 \(85% of the work\), elapsed 0m00s, ETA not known yet$" \
  "elapsed 0m0[12]s" -- progress --every 1 --while-pid "$watched"
(($(date +%s) - start <= 6)) || fail "progress --every did not stop when process $watched ended"
wait "$watched"
# ... and once steps are gained, an ETA at their rate: moe4 seed 2 gains
# 100 steps a second
(for t in 600 700 800 900; do sleep 1; printf 'train\t%d\t0\t\n' "$t" >>"$paper/runs/moe4-s2/metrics.tsv"; done) &
watched=$!
expect 0 "elapsed 0m0[2-5]s, ETA [0-9]+m[0-9]{2}s$" -- progress --every 1 --while-pid "$watched"
wait "$watched"

cli_finish claims_cli
