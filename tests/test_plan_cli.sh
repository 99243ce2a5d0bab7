#!/usr/bin/env bash
# moegap plan: the experiment computed from the protocol files and the
# tier, nothing else. The ci tier's plan (every protocol's models x the
# tier's seeds, each check needing exactly its models' runs, the dense
# matches equal to what moegap params --match writes, costs from the
# speeds); --seeds; a new protocol with a model of its own, added in a
# copy of the protocols folder with no other file changed; the TSV and
# JSON forms agreeing; the errors, each naming the file and the field; and
# moegap status: done, running (a live pid holds the lock), interrupted,
# started and missing runs, its exit status and a malformed metrics.tsv.
# usage: test_plan_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
command -v /usr/bin/python3 >/dev/null || { echo "SKIP: /usr/bin/python3 is not installed"; exit 77; }
cli_setup plan_cli "$1" "$2"
src=$3
py=/usr/bin/python3

# --- the ci tier, as the source tree defines it -----------------------------
expect 0 "^plan: tier ci .*seeds 1,2,3: 5 models, 15 runs, 4 checks" \
  "^dense8_total +match moe8 total " "^check active_gap +needs 6 runs: dense_active moe4 x 3 seeds" \
  "^total: [0-9.]+ core-hours over 15 runs" \
  -- "$moegap" plan --tier ci --tsv "$work/ci.tsv" --json "$work/ci.json"
# every check needs exactly the runs of its protocol's models over the seeds,
# and every run is needed by some check
"$py" - "$work/ci.tsv" "$work/ci.json" "$src/protocols" <<'EOF' || fail "the ci plan's runs and checks do not follow the protocols"
import configparser, glob, json, os, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
assert rows[0] == "kind name model seed recipe tokens evals core_hours needs".split(), rows[0]
runs = {r[1]: r for r in rows[1:] if r[0] == "run"}
checks = {r[1]: r for r in rows[1:] if r[0] == "check"}
assert len(runs) == 15 and len(checks) == 4, (len(runs), len(checks))
needed = set()
for path in sorted(glob.glob(os.path.join(sys.argv[3], "*.ini"))):
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(path)
    name = os.path.basename(path)[:-4]
    models = [m.strip() for m in ini["runs"]["models"].split(",")]
    want = ["%s-s%d" % (m, s) for m in models for s in (1, 2, 3)]
    assert checks[name][8].split(",") == want, (name, checks[name][8], want)
    assert checks[name][4] == path or os.path.samefile(checks[name][4], path), checks[name][4]
    needed |= set(want)
assert needed == set(runs), set(runs) ^ needed
for r in runs.values():
    assert r[1] == "%s-s%s" % (r[2], r[3]) and int(r[5]) == 1800 * 32 * 128 and r[6] == "6", r
    assert float(r[7]) > 0, r
j = json.load(open(sys.argv[2]))
assert j["tier"] == "ci" and j["seeds"] == [1, 2, 3], j
assert [r["name"] for r in j["runs"]] == [r[1] for r in rows[1:] if r[0] == "run"]
assert {c["name"]: ",".join(c["needs"]) for c in j["checks"]} == {k: v[8] for k, v in checks.items()}
hours = sum(m["run_core_hours"] * 3 for m in j["models"])
assert abs(hours - j["core_hours"]) < 1e-9 * hours, (hours, j["core_hours"])
EOF
# the dense models are the solver's matches, as moegap params --match writes them
for m in "dense_active moe4 active" "dense_total moe4 total" "dense8_total moe8 total"; do
  set -- $m
  "$moegap" params --recipe "$src/protocols/tiers/ci/$2.ini" --match "$3" --write "$work/$1.ini" >/dev/null ||
    fail "moegap params --match $3 failed"
  "$py" - "$work/ci.json" "$1" "$moegap" "$work/$1.ini" <<'EOF' || fail "$1: the plan's counts are not the solver's"
import json, subprocess, sys
j = json.load(open(sys.argv[1]))
m = next(x for x in j["models"] if x["name"] == sys.argv[2])
out = json.loads(subprocess.run([sys.argv[3], "params", "--recipe", sys.argv[4], "--json"],
                                capture_output=True, text=True, check=True).stdout)
total = out["models"][0]["total"]
assert m["params_total"] == m["params_active"] == total, (m, total)
EOF
done

# --- seeds -----------------------------------------------------------------
expect 0 "seeds 1,2,3,4,5: 5 models, 25 runs, 4 checks" "needs 10 runs: dense_active moe4 x 5 seeds" \
  -- "$moegap" plan --tier ci --seeds 5
expect 0 "seeds 2,7: 5 models, 10 runs" -- "$moegap" plan --tier ci --seeds 2,7
expect 2 "--seeds: '1': the seeds 1\.\.1" -- "$moegap" plan --tier ci --seeds 1

# --- a new protocol, in a copy of the protocols folder ----------------------
# top-1 routing against its own active match: a recipe of its own in the
# tier, a match derived from it, and a protocol naming both. Nothing else
# changes, and the plan holds the new runs and the new check.
cp -r "$src/protocols" "$work/protocols"
pd=$work/protocols
sed 's/^top_k = 2$/top_k = 1/' "$pd/tiers/smoke/moe4.ini" >"$pd/tiers/smoke/moe4_top1.ini"
cat >>"$pd/tiers/smoke/tier.ini" <<'EOF'

[model moe4_top1]
recipe = moe4_top1.ini

[model dense_top1_active]
match = moe4_top1 active
EOF
sed -e 's/^name = active_gap$/name = top1_gap/' -e 's/^models = dense_active, moe4$/models = dense_top1_active, moe4_top1/' \
  -e 's/^gap = dense_active - moe4$/gap = dense_top1_active - moe4_top1/' -e '/^paper = /d' \
  "$pd/active_gap.ini" >"$pd/top1_gap.ini"
grep -q "^models = dense_top1_active, moe4_top1$" "$pd/top1_gap.ini" || fail "the new protocol was not written"
expect 0 "5 models, 15 runs, 4 checks" -- "$moegap" plan --tier smoke --protocols "$src/protocols"
expect 0 "7 models, 21 runs, 5 checks" "^moe4_top1 +recipe moe4_top1.ini " \
  "^dense_top1_active +match moe4_top1 active " \
  "^check top1_gap +needs 6 runs: dense_top1_active moe4_top1 x 3 seeds" \
  -- "$moegap" plan --tier smoke --protocols "$pd" --tsv "$work/top1.tsv"
grep -qP '^check\ttop1_gap\t.*\tdense_top1_active-s1,dense_top1_active-s2,dense_top1_active-s3,moe4_top1-s1,moe4_top1-s2,moe4_top1-s3$' \
  "$work/top1.tsv" || fail "the new check's runs are not in the TSV"
# top-1 halves the experts a token passes through: its active match is smaller
"$py" - "$work/top1.tsv" <<'EOF' || fail "the plan's new models are not the tier's"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
models = {r[2] for r in rows[1:] if r[0] == "run"}
assert models == {"dense_active", "moe4", "dense_total", "moe8", "dense8_total", "moe4_top1",
                  "dense_top1_active"}, models
EOF
# ... and the paper label built from that plan runs it: the new check's test
# trains exactly its six runs (its fixtures), from the new recipe and the
# solver's match to it, and checks the claim. The copy's recipes find the
# token files where the source tree's do (../../../out/data).
source "$src/tests/paper/plan_ctest.sh"
# In a fresh clone the tests are written before paper_data makes the token
# files, so the build's plan cannot cost the evaluations and paper_recipes'
# plan can: the same plan all the same (the ci tier, whose speeds are
# measured, on a copy whose token files appear only after planning).
mkdir -p "$work/no-data"
ln -s "$work/no-data" "$work/out"
cp -r "$src/protocols" "$work/ci-protocols"
paper_ctest "$work/ctest-ci" "$moegap" "$src" ci "$work/ci-protocols" "$work/paper-ci" ||
  fail "plan_tests.cmake failed on the ci tier"
grep -q "evaluations not costed" < <("$moegap" plan --tier ci --protocols "$work/ci-protocols") ||
  fail "the plan costed evaluations without a validation file"
bash "$src/ci/paper-data.sh" "$moegap" smoke >/dev/null || fail "ci/paper-data.sh smoke failed"
rm "$work/out" && ln -s "$src/out" "$work/out"
expect 0 "1/1 Test #2: paper_recipes .* Passed" -- ctest --test-dir "$work/ctest-ci" -R '^paper_recipes$' -FA '.*' --output-on-failure
if paper_ctest "$work/ctest" "$moegap" "$src" smoke "$pd" "$work/paper"; then
  expect 0 "^Total Tests: 28$" "paper_train_moe4_top1_s3$" "paper_check_top1_gap$" \
    -- ctest --test-dir "$work/ctest" -N -L paper
  # a verdict fails (CONTRADICTED) or skips (INCONCLUSIVE) the check: at the
  # smoke tier any may come; the result is what is judged
  ctest --test-dir "$work/ctest" -L paper -R '^paper_check_top1_gap$' -j 2 >"$work/ctest.log" 2>&1
  # the two set-up fixtures run side by side under -j 2: either ends first
  grep -qE "^[12]/9 Test +#1: paper_data .* Passed" "$work/ctest.log" &&
    grep -qE "^[12]/9 Test +#2: paper_recipes .* Passed" "$work/ctest.log" &&
    [[ $(grep -cE "Test +#[0-9]+: paper_train_(dense_top1_active|moe4_top1)_s[123] .* Passed" "$work/ctest.log") == 6 ]] &&
    grep -qE "^9/9 Test +#[0-9]+: paper_check_top1_gap \.+(   Passed|\*\*\*Failed|\*\*\*Skipped)" "$work/ctest.log" ||
    { fail "the new protocol's label did not run as planned:"; tail -20 "$work/ctest.log"; }
  "$py" - "$work/paper" <<'EOF' || fail "the new protocol's runs or result are not its own"
import json, os, sys
paper = sys.argv[1]
runs = sorted(os.listdir(os.path.join(paper, "runs")))
assert runs == ["dense_top1_active-s%d" % s for s in (1, 2, 3)] + ["moe4_top1-s%d" % s for s in (1, 2, 3)], runs
r = json.load(open(os.path.join(paper, "results", "top1_gap.json")))
assert r["verdict"] in ("PASS", "CONTRADICTED", "INCONCLUSIVE"), r["verdict"]
others = [f for f in os.listdir(os.path.join(paper, "results")) if not f.startswith("top1_gap")]
assert not others, others
for s in (1, 2, 3):
    moe = json.load(open(os.path.join(paper, "runs", "moe4_top1-s%d" % s, "summary.json")))
    dense = json.load(open(os.path.join(paper, "runs", "dense_top1_active-s%d" % s, "summary.json")))
    # the dense model is matched to the top-1 MoE's active count, which is
    # smaller than the total it holds
    assert moe["params_active"] < moe["params_total"], moe
    assert abs(dense["params_total"] - moe["params_active"]) <= 0.01 * moe["params_active"], (dense, moe)
EOF
  grep -q "^top_k = 1$" "$work/paper/recipes/moe4_top1.ini" || fail "moe4_top1 was not trained from its own recipe"
else
  fail "plan_tests.cmake failed on the new protocol"
fi
# the seeds CMake hands on (-DMOEGAP_SEEDS): every run and check follows
# them, and a bad list fails with the plan's reason
if paper_ctest "$work/ctest27" "$moegap" "$src" smoke "$src/protocols" "$work/paper27" 2,7; then
  expect 0 "^Total Tests: 16$" "paper_train_dense8_total_s7$" -- ctest --test-dir "$work/ctest27" -N -L paper
  grep -q "\[==\[--seeds\]==\] \[==\[2,7\]==\]" "$work/ctest27/paper_tests.cmake" &&
    ! grep -q "paper_train_[a-z0-9_]*_s[13]" "$work/ctest27/paper_tests.cmake" ||
    fail "the checks do not compare the seeds 2,7"
else
  fail "plan_tests.cmake failed on the seeds 2,7"
fi
expect 1 "--seeds: '1': the seeds 1\.\.1" "moegap plan --tier smoke failed" \
  -- paper_ctest "$work/ctest1" "$moegap" "$src" smoke "$src/protocols" "$work/paper1" 1

# --- errors name the file and the field -------------------------------------
cp -r "$pd" "$work/bad"
bd=$work/bad
sed -i 's/^models = dense_top1_active, moe4_top1$/models = dense_top1_active, moe4_topone/' "$bd/top1_gap.ini"
sed -i 's/^gap = dense_top1_active - moe4_top1$/gap = dense_top1_active - moe4_topone/' "$bd/top1_gap.ini"
expect 1 "top1_gap\.ini: \[runs\] models: 'moe4_topone' is no model of the tier smoke" \
  -- "$moegap" plan --tier smoke --protocols "$bd"
rm "$bd/top1_gap.ini"
echo "match = moe4_top2 total" >>"$bd/tiers/smoke/tier.ini"
expect 1 "tier\.ini:[0-9]+: \[model dense_top1_active\] match: the model is already defined" \
  -- "$moegap" plan --tier smoke --protocols "$bd"
# each a tier.ini with one bad model appended
bad_model() { # TEXT PATTERN
  cp "$pd/tiers/smoke/tier.ini" "$bd/tiers/smoke/tier.ini"
  printf '\n%s\n' "$1" >>"$bd/tiers/smoke/tier.ini"
  expect 1 "$2" -- "$moegap" plan --tier smoke --protocols "$bd"
}
bad_model $'[model dense_x]\nmatch = dense_active total' \
  "tier\.ini:[0-9]+: \[model dense_x\] match: 'dense_active' is no recipe model of the tier"
bad_model $'[model dense_x]\nmatch = moe4 most' "\[model dense_x\] match: 'moe4 most': expected MODEL active\|total"
bad_model $'[model Moe-X]\nrecipe = moe4.ini' "\[model Moe-X\]: a model's name is lower-case letters, digits and '_'"
bad_model $'[model moe16]\nrecipe = moe16.ini' "tier\.ini:[0-9]+: \[model moe16\] recipe: no file moe16\.ini in "
bad_model $'[model moe16]\nexperts = 16' \
  "\[model moe16\] experts: unknown key \(a tier\.ini holds \[tier\] seeds and \[model NAME\] recipe or match\)"
expect 1 "tiers/nosuch/tier\.ini" -- "$moegap" plan --tier nosuch
expect 1 "'\.\./ci': not a tier name" -- "$moegap" plan --tier ../ci

# the speeds
mkdir -p "$work/ref"
printf 'tier\tmodel\tthreads\ttrain_tokens_per_s\teval_tokens_per_s\tsource\n' >"$work/ref/speed.tsv"
expect 0 "^moe4 .* - +none measured for the tier" "^total: unknown" \
  -- "$moegap" plan --tier ci --reference "$work/ref"
printf 'ci\tmoe4\t1\t20000\t60000\ta test\n' >>"$work/ref/speed.tsv"
expect 0 "^moe4 .* 20000 train, 60000 eval, 1 thread$" \
  "^dense_total .* 1 thread; scaled by FLOPs from moe4$" -- "$moegap" plan --tier ci --reference "$work/ref"
# the wall time packs runs longest first: on 1 core the total, on 16 (more
# than the runs) the longest run
"$moegap" plan --tier ci --reference "$work/ref" | "$py" -c '
import re, sys
t = sys.stdin.read()
total = float(re.search(r"^total: ([0-9.]+) core-hours", t, re.M).group(1))
w = dict((int(c), float(h)) for h, c in re.findall(r"([0-9.]+) h on ([0-9]+) core", t))
longest = max(float(x) for x in re.findall(r"^\S+ +(?:match|recipe) .* ([0-9.]+)  [0-9]+ train", t, re.M))
assert abs(w[1] - total) < 0.011 and abs(w[16] - longest) <= 0.0051 and total / 2 - 0.01 <= w[2] < w[1], (w, total, longest)
' || fail "the wall-time estimates do not pack the runs"
printf 'ci\tmoe4\t1\t20000\t60000\tagain\n' >>"$work/ref/speed.tsv"
expect 1 "speed\.tsv:3: tier .ci., model .moe4.: given twice \(first on line 2\)" -- "$moegap" plan --tier ci --reference "$work/ref"
speed_row() { # ROW PATTERN: speed.tsv with the one row ROW
  printf 'tier\tmodel\tthreads\ttrain_tokens_per_s\teval_tokens_per_s\tsource\n%s\n' "$1" >"$work/ref/speed.tsv"
  expect 1 "$2" -- "$moegap" plan --tier ci --reference "$work/ref"
}
speed_row $'ci\tmoe4\t1\tfast\t1\tx' "speed\.tsv:2: train_tokens_per_s: 'fast' is not a number"
speed_row $'ci\tmoe4\t1\t1\t-3\tx' "speed\.tsv:2: eval_tokens_per_s: '-3': expected a positive number"
speed_row $'ci\tmoe4\t0\t1\t1\tx' "speed\.tsv:2: threads: '0': expected an integer 1\.\.1024"

# nothing half-written: a plan that fails writes no file
expect 1 "" -- "$moegap" plan --tier ci --reference "$work/ref" --tsv "$work/none.tsv" --json "$work/none.json"
[[ ! -e $work/none.tsv && ! -e $work/none.json ]] || fail "a failed plan left a file behind"
# --- status: where each planned run stands ----------------------------------
r=$work/runs
mkdir -p "$r/moe4-s1" "$r/moe4-s2" "$r/moe4-s3" "$r/dense_active-s1" "$r/dense_active-s2"
for d in moe4-s1 moe4-s2 moe4-s3 dense_active-s1; do
  printf 'kind\tstep\ttokens\ntrain\t1\t512\ntrain\t17\t8704\n' >"$r/$d/metrics.tsv"
done
echo '{}' >"$r/moe4-s1/summary.json"
: >"$r/moe4-s2/checkpoint.bin"
sleep 60 &
sleeper=$!
echo "$sleeper" >"$r/moe4-s3/.lock"
: >"$r/moe4-s3/checkpoint.bin"
# a lock whose writer is gone is no trainer
echo 999999999 >"$r/dense_active-s1/.lock"
expect 3 "^moe4-s1 +done +17 of 40$" "^moe4-s2 +interrupted +17 of 40$" \
  "^moe4-s3 +running +17 of 40 \(pid $sleeper\)$" "^dense_active-s1 +started +17 of 40$" \
  "^dense_active-s2 +started +0 of 40$" "^dense_active-s3 +missing +0 of 40$" \
  "^15 runs: 1 done, 1 running, 1 interrupted, 2 started, 10 missing$" \
  -- "$moegap" status --tier smoke --runs "$r"
kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null
expect 3 "^moe4-s3 +interrupted +17 of 40$" -- "$moegap" status --tier smoke --runs "$r"
mkdir -p "$work/one/tiers"
cp "$pd/active_gap.ini" "$work/one/" && cp -r "$pd/tiers/smoke" "$work/one/tiers/"
for d in dense_active-s1 dense_active-s2 moe4-s1 moe4-s2; do
  mkdir -p "$work/done/$d" && echo '{}' >"$work/done/$d/summary.json"
done
expect 0 "^4 runs: 4 done, 0 running, 0 interrupted, 0 started, 0 missing$" \
  -- "$moegap" status --tier smoke --runs "$work/done" --protocols "$work/one" --seeds 1,2
printf 'kind\tstep\ntrain\tx\n' >"$r/moe4-s2/metrics.tsv"
expect 1 "moe4-s2/metrics\.tsv:2" -- "$moegap" status --tier smoke --runs "$r"
expect 0 "^usage: moegap status --tier TIER --runs DIR" -- "$moegap" status --help

expect 0 "^usage: moegap plan --tier TIER" -- "$moegap" plan --help
expect 2 "--tier" -- "$moegap" plan

cli_finish plan_cli
