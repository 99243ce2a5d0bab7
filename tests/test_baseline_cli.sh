#!/usr/bin/env bash
# The nightly regression on fake run folders (no training): moegap check
# writes real result files for every protocol, `moegap baseline --accept`
# records them, and the comparison then holds: unchanged results reproduce
# exactly; a change too small for the tolerance still fails at the same
# commit on the same machine, and passes at another commit or on another
# machine (said so); a gap moved beyond the tolerance, a flipped verdict,
# a missing result or model fail; malformed files are refused by file and
# field. Then ci/nightly itself, with --skip-train and with stand-in cmake
# and ctest: the comparison, the report step, the exit status.
# usage: test_baseline_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
source "$(dirname "$0")/fake_runs.sh"
cli_setup baseline_cli "$1" "$2"
src=$3
moegap=$(realpath "$moegap")
fake_recipes "$src" 1000

commit=$fake_commit

# set_provenance RUNS KEY JSON_VALUE: in every run's provenance.json
set_provenance() {
  sed -i -E "s/\"$2\": (\"[^\"]*\"|[a-z0-9]+)/\"$2\": $3/" "$1"/*/provenance.json
}

paper=$work/paper
fake_curve_runs "$paper/runs"
fake_checks "$src" "$paper"
bl=$work/ref/baseline-ci.json
mkdir -p "$work/ref"
# A flip as a check would write it: the claim's verdict and its exit status
# together (a result whose two disagree is refused as damaged).
set_verdict() {
  /usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f)); d["verdict"] = sys.argv[2]; d["exit_status"] = int(sys.argv[3])
json.dump(d, open(f, "w"), indent=1)' "$@"
}
compare_now() { "$moegap" baseline --results "$paper/results" --runs "$paper/runs" --baseline "$bl" \
  --protocols "$src/protocols" "$@"; }

expect 0 "usage: moegap baseline" "--accept" -- "$moegap" baseline --help
expect 2 "--baseline is required" -- "$moegap" baseline --results "$paper/results" --runs "$paper/runs"
expect 2 "baseline-ci.json: cannot open.*no baseline yet: accept one with ci/nightly --accept" -- compare_now

# accept: what it records
expect 0 "accepted: wrote .*baseline-ci.json" "tier ci, commit $commit \(clean\)" \
  "OpenBLAS core Zen, OPENBLAS_CORETYPE unset, 1 thread \(OpenBLAS 0\.3\.21 DYNAMIC_ARCH Zen; gcc" "active_gap +verdict PASS, seeds 1,2,3" \
  "gap total slope_log_step +mean -?0\.[0-9]+, per seed" -- compare_now --accept
/usr/bin/python3 - "$bl" "$paper/results" <<'EOF' || fail "the baseline file does not hold what was accepted"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["tier"] == "ci" and b["commit"].startswith("83a6997") and b["dirty"] is False, b
assert b["machine"] == {"openblas_core": "Zen", "openblas_coretype_env": None, "threads": 1,
                        "openblas_config": "OpenBLAS 0.3.21 DYNAMIC_ARCH Zen",
                        "compiler": "gcc-compatible 12.2.0"}, b["machine"]
assert b["tolerance"] == {"gap_mean": 0.02, "best_loss_mean": 0.02}
assert "0.009-0.026" in b["tolerance_reason"] and "0.014/sqrt(3)" in b["tolerance_reason"]
assert sorted(b["protocols"]) == ["active_gap", "eight_experts", "gap_trajectory", "total_gap"]
for name, p in b["protocols"].items():
    r = json.load(open(f"{sys.argv[2]}/{name}.json"))
    assert p["verdict"] == r["verdict"] and p["seeds"] == r["seeds"], name
    for m, v in r["models"].items():
        assert p["models"][m] == {"mean": v["mean"], "per_seed": v["best_val_loss"]}, (name, m)
    for g, v in r["gaps"].items():
        assert p["gaps"][g]["best_val_loss_gap"]["per_seed"] == v["best_val_loss_gap"]["per_seed"]
        # the minimum detectable effect is kept with the gap, as the check stated it
        assert p["gaps"][g]["best_val_loss_gap"]["mde"] == v["best_val_loss_gap"]["mde"], (name, g)
assert set(b["protocols"]["gap_trajectory"]["gaps"]["total"]) == {"best_val_loss_gap", "slope_log_step", "final"}
EOF

# unchanged: reproduced exactly
expect 0 "same commit and machine: every value must reproduce exactly" \
  "^active_gap +verdict +PASS → PASS +→ same +ok" \
  "^total_gap +gap total best_val_loss_gap +0\.[0-9]{4} → 0\.[0-9]{4} +→ \+0\.0000 +0\.0200 +ok" \
  "result: ok, [0-9]+ lines: reproduced exactly" -- compare_now

# a result whose runs changed since the check (or that cannot tell) is
# stale: neither compared nor accepted
printf ' ' >>"$paper/runs/moe4-s2/summary.json"
cp "$bl" "$work/before.json"
expect 2 "results/active_gap.json: stale result: .*/moe4-s2/summary.json changed since the check used it \(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\)" \
  -- compare_now
expect 2 "results/active_gap.json: stale result: .*/moe4-s2/summary.json changed" -- compare_now --accept
cmp -s "$bl" "$work/before.json" || fail "--accept of a stale result changed the baseline"
fake_checks "$src" "$paper"
cp -r "$paper/results" "$work/unrecorded"
/usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f)); del d["runs_used"]
json.dump(d, open(f, "w"))' "$work/unrecorded/total_gap.json"
expect 2 "unrecorded/total_gap.json: stale result: it does not record the runs it used" -- "$moegap" baseline \
  --results "$work/unrecorded" --runs "$paper/runs" --baseline "$bl" --protocols "$src/protocols"
expect 0 "reproduced exactly" -- compare_now

# a change far below the tolerance, at the same commit on the same machine
fake_curve_run "$paper/runs" 1 2 0.0001
fake_checks "$src" "$paper"
expect 1 "active_gap +gap active best_val_loss_gap .* → -3\.3e-05 +0\.0200 +NOT EXACT" \
  "NOT reproduced exactly: seed 2 " "result: FAIL: NOT reproduced exactly: [0-9]+ values differ" -- compare_now
# ... is within tolerance at another commit, on a changed tree, on another machine
set_provenance "$paper/runs" git_commit '"0123456789abcdef0123456789abcdef01234567"'
expect 0 "same machine, commit differs \(baseline: $commit; now: 0123456789abcdef" \
  "result: ok, [0-9]+ lines: within tolerance" -- compare_now
set_provenance "$paper/runs" git_commit "\"$commit\""
set_provenance "$paper/runs" git_dirty true
expect 0 "a commit is mixed or not clean .*now: $commit \(dirty or not a git tree\)" \
  "result: ok, [0-9]+ lines: within tolerance" -- compare_now
set_provenance "$paper/runs" git_dirty false
set_provenance "$paper/runs" openblas_core '"Haswell"'
machine="OPENBLAS_CORETYPE unset, 1 thread \(OpenBLAS 0\.3\.21 DYNAMIC_ARCH Zen; gcc-compatible 12\.2\.0\)"
expect 0 "machine differs \(baseline: OpenBLAS core Zen, $machine; now: OpenBLAS core Haswell, $machine\): comparing within tolerance" \
  "result: ok, [0-9]+ lines: within tolerance" -- compare_now
set_provenance "$paper/runs" openblas_core '"Zen"'
set_provenance "$paper/runs" openblas_coretype_env '"SKYLAKEX"'
expect 0 "machine differs .*now: OpenBLAS core Zen, OPENBLAS_CORETYPE=SKYLAKEX" -- compare_now
set_provenance "$paper/runs" openblas_coretype_env null
# another compiler is another kind of machine too: its code may round differently
sed -i 's/gcc-compatible 12.2.0/gcc-compatible 13.2.0/' "$paper"/runs/*/provenance.json
expect 0 "machine differs .*now: .*; gcc-compatible 13\.2\.0\)\): comparing within tolerance" -- compare_now
sed -i 's/gcc-compatible 13.2.0/gcc-compatible 12.2.0/' "$paper"/runs/*/provenance.json
# one baseline per kernel set: the runs' core type chooses (Zen computes as
# Haswell), else the first; here the other set's baseline has another verdict
/usr/bin/python3 - "$bl" "$work/ref/baseline-ci-cooperlake.json" <<'EOF' || fail "no second baseline"
import json, sys
b = json.load(open(sys.argv[1]))
b["machine"]["openblas_core"] = "Cooperlake"
b["protocols"]["active_gap"]["verdict"] = "CONTRADICTED"
json.dump(b, open(sys.argv[2], "w"), indent=2)
EOF
compare_two() { "$moegap" baseline --results "$paper/results" --runs "$paper/runs" \
  --baseline "$work/ref/baseline-ci-cooperlake.json" --baseline "$bl" --protocols "$src/protocols" "$@"; }
set_provenance "$paper/runs" openblas_core '"Haswell"'
expect 0 "^baseline: .*/ref/baseline-ci\.json \(OpenBLAS core Zen; the runs': Haswell\)$" \
  "result: ok" -- compare_two
set_provenance "$paper/runs" openblas_core '"Cooperlake"'
expect 1 "^baseline: .*baseline-ci-cooperlake\.json \(OpenBLAS core Cooperlake; the runs': Cooperlake\)$" \
  "active_gap .*verdict .*CONTRADICTED → PASS .*REGRESSION" -- compare_two
set_provenance "$paper/runs" openblas_core '"SkylakeX"'
expect 1 "^baseline: .*baseline-ci-cooperlake\.json \(OpenBLAS core Cooperlake; the runs': SkylakeX\)$" \
  -- compare_two
set_provenance "$paper/runs" openblas_core '"Zen"'
expect 2 "--accept writes one --baseline FILE" -- compare_two --accept
rm "$work/ref/baseline-ci-cooperlake.json"
# runs from two kinds of machine are no single result
sed -i 's/"threads": 1/"threads": 2/' "$paper/runs/moe4-s3/provenance.json"
expect 2 "moe4-s3/provenance.json: OpenBLAS core Zen, OPENBLAS_CORETYPE unset, 2 threads .*, but .*/dense_active-s1 has .*, 1 thread .*: the runs come from different machines" -- compare_now
sed -i 's/"threads": 2/"threads": 1/' "$paper/runs/moe4-s3/provenance.json"

# a gap moved beyond the tolerance (moe4 seed 2 worse by 0.1: the mean gap by 0.033)
fake_curve_run "$paper/runs" 1 2 0.1
fake_checks "$src" "$paper"
expect 1 "^active_gap +gap active best_val_loss_gap +0\.[0-9]{4} → 0\.[0-9]{4} +→ -0\.0333 +0\.0200 +REGRESSION" \
  "^active_gap +model moe4 best loss .* \+0\.0333 +0\.0200 +REGRESSION" \
  "^active_gap +model dense_active best loss .* ok" "result: FAIL: [0-9]+ REGRESSIONS of [0-9]+ lines" -- compare_now
fake_curve_run "$paper/runs" 1 2
fake_checks "$src" "$paper"
expect 0 "reproduced exactly" -- compare_now

# a flipped verdict, alone
set_verdict "$paper/results/active_gap.json" INCONCLUSIVE 77
expect 1 "^active_gap +verdict +PASS → INCONCLUSIVE +→ flip +REGRESSION \(the claim's status changed\)" \
  "result: FAIL: 1 REGRESSION of" -- compare_now

# results over other seeds than the baseline's (cmake -DMOEGAP_SEEDS=4):
# said once, plainly, and failed, with none of the protocol's numbers
# compared (a mean over other seeds is another number)
fake_checks "$src" "$paper"
fake_curve_run "$paper/runs" 0 4
fake_curve_run "$paper/runs" 1 4
"$moegap" check --protocol "$src/protocols/active_gap.ini" --runs "$paper/runs" --seeds 4 \
  --reference "$src/reference" --out "$paper/results" --no-figures >/dev/null 2>&1
expect 1 "^active_gap +seeds +1,2,3 → 1,2,3,4 +→ differ +REGRESSION \(other seeds than the baseline's: not comparable\)" \
  "active_gap: the results are over seeds 1,2,3,4, the baseline over seeds 1,2,3; its gaps and models are not compared" \
  "^total_gap +gap total best_val_loss_gap .* ok$" \
  "result: FAIL: 1 REGRESSION of [0-9]+ lines; the seeds of 1 protocol differ from the baseline's, so it is not compared" \
  -- compare_now
compare_now 2>&1 | grep -E "^active_gap +(gap|model) " && fail "items of a protocol over other seeds were compared"
rm -r "$paper/runs/dense_active-s4" "$paper/runs/moe4-s4"

# a missing result: a regression in the comparison, and no baseline accepted
fake_checks "$src" "$paper"
mv "$paper/results/total_gap.json" "$work/total_gap.json"
expect 1 "^total_gap +result +present → missing .*REGRESSION \(no result now\)" \
  "results/total_gap.json: no such file" -- compare_now
cp "$bl" "$work/before.json"
expect 2 "baseline-ci.json: not accepted: no result for protocol total_gap \(.*results/total_gap.json is missing\)" \
  -- compare_now --accept
cmp -s "$bl" "$work/before.json" || fail "a refused --accept changed the baseline"
mv "$work/total_gap.json" "$paper/results/total_gap.json"

# a model, a protocol on one side only
/usr/bin/python3 - "$bl" "$work/edited.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
del b["protocols"]["eight_experts"]["models"]["moe8"]
del b["protocols"]["total_gap"]
json.dump(b, open(sys.argv[2], "w"), indent=1)
EOF
expect 1 "^eight_experts +model moe8 best loss +absent → .*REGRESSION \(not in the baseline: accept a new one\)" \
  "^total_gap +result +absent → present .*REGRESSION" -- "$moegap" baseline --results "$paper/results" \
  --runs "$paper/runs" --baseline "$work/edited.json" --protocols "$src/protocols"

# malformed files: named by file and field
sed -i 's/"gap_mean": 0.02/"gap_mean": "small"/' "$work/edited.json"
expect 2 "edited.json: tolerance\.gap_mean: missing or not a finite number" -- "$moegap" baseline \
  --results "$paper/results" --runs "$paper/runs" --baseline "$work/edited.json" --protocols "$src/protocols"
cp -r "$paper/results" "$work/bad-results"
/usr/bin/python3 - "$work/bad-results/active_gap.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["models"]["moe4"]["best_val_loss"].pop()
json.dump(r, open(sys.argv[1], "w"))
EOF
expect 2 "bad-results/active_gap.json: models\.moe4\.best_val_loss: expected an array of 3 finite numbers" \
  -- "$moegap" baseline --results "$work/bad-results" --runs "$paper/runs" --baseline "$bl" \
  --protocols "$src/protocols"
sed -i 's/^tier = ci/tier = smoke/' "$paper"/runs/*/recipe.ini
expect 2 "baseline-ci.json: tier: 'ci', but the results are of tier 'smoke'" -- compare_now
sed -i 's/^tier = smoke/tier = ci/' "$paper"/runs/*/recipe.ini
rm "$paper/runs/dense_total-s1/provenance.json"
expect 2 "dense_total-s1/provenance.json: cannot open" -- compare_now
fake_curve_run "$paper/runs" 2 1

# a new --accept keeps the tolerances the file states
sed -i 's/"gap_mean": 0.02/"gap_mean": 0.05/' "$bl"
expect 0 "tolerance: 0\.0500 nats for a gap's mean, 0\.0200" -- compare_now --accept
grep -q '"gap_mean": 0.05' "$bl" || fail "--accept dropped the stated tolerance"

# ci/nightly: the script, then its steps with the runs and results above
expect 0 "usage: ci/nightly .*--accept" "--skip-train" -- bash "$src/ci/nightly" --help
expect 2 "unknown option '--bogus'" -- bash "$src/ci/nightly" --bogus
bash -n "$src/ci/nightly" || fail "ci/nightly: syntax"
# moegap with a stand-in report command (one that works, one that fails),
# so this test holds whatever `moegap report` does with fake runs
mkdir -p "$work/bin"
printf '#!/usr/bin/env bash\nif [[ $1 == report ]]; then echo "report $*"; exit 0; fi\nexec %q "$@"\n' \
  "$moegap" >"$work/bin/with-report"
printf '#!/usr/bin/env bash\nif [[ $1 == report ]]; then echo "report broke" >&2; exit 1; fi\nexec %q "$@"\n' \
  "$moegap" >"$work/bin/failing-report"
chmod +x "$work/bin/with-report" "$work/bin/failing-report"
night() { bash "$src/ci/nightly" --paper-dir "$paper" --baseline "$bl" "$@"; }
expect 0 "result: ok, [0-9]+ lines: reproduced exactly" "^report report --paper-dir $paper$" "nightly: ok" \
  -- night --skip-train --moegap "$work/bin/with-report"
grep -q "reproduced exactly" "$paper/nightly.txt" || fail "ci/nightly did not keep the comparison in nightly.txt"
expect 1 "report broke" "nightly: FAIL: moegap report failed \\(exit 1\\)" \
  -- night --skip-train --moegap "$work/bin/failing-report"
set_verdict "$paper/results/active_gap.json" CONTRADICTED 1
expect 1 "REGRESSION \(the claim's status changed\)" "^report report" \
  "nightly: FAIL: the results differ from .*baseline-ci.json" -- night --skip-train --moegap "$work/bin/with-report"
expect 2 "nightly: FAIL: no comparison with .*nope.json could be made" -- bash "$src/ci/nightly" \
  --paper-dir "$paper" --baseline "$work/nope.json" --skip-train --moegap "$work/bin/failing-report"
# the full path with stand-in cmake and ctest: the label (here the checks
# alone) fails, the comparison and the report are still made, then it fails
cat >"$work/bin/cmake" <<'EOF'
#!/usr/bin/env bash
echo "cmake $*"
EOF
cat >"$work/bin/ctest" <<EOF
#!/usr/bin/env bash
for p in $src/protocols/*.ini; do
  $moegap check --protocol "\$p" --runs $paper/runs --reference $src/reference --out $paper/results --no-figures >/dev/null
done
exit 8
EOF
chmod +x "$work/bin/cmake" "$work/bin/ctest"
expect 1 "^cmake --build --preset release" "paper label \(ctest --preset paper\): exit 8" \
  "result: ok, [0-9]+ lines: reproduced exactly" "^report report --paper-dir" \
  "nightly: FAIL: the paper label erred: the label \(ctest wrote no list of failed tests\)" -- env PATH="$work/bin:$PATH" \
  bash "$src/ci/nightly" --paper-dir "$paper" --baseline "$bl" --moegap "$work/bin/with-report"
# a stale result is removed before the label, so a check that writes none shows as missing
printf '#!/usr/bin/env bash\nexit 8\n' >"$work/bin/ctest"
expect 1 "^now: +no results" "^active_gap +result +present → missing" "nightly: FAIL: the paper label erred" \
  -- env PATH="$work/bin:$PATH" bash "$src/ci/nightly" --paper-dir "$paper" --baseline "$bl" \
  --moegap "$work/bin/with-report"
fake_checks "$src" "$paper"
# a CONTRADICTED check is a failed test but no error: the baseline decides.
# A copy of the tree, so ctest's list of failed tests lands in the copy's
# build folder
tree=$work/tree
mkdir -p "$tree/ci" "$tree/build/release/Testing/Temporary"
cp "$src/ci/nightly" "$tree/ci/"
cp -r "$src/protocols" "$tree/"
cat >"$work/bin/ctest" <<EOF
#!/usr/bin/env bash
for p in $src/protocols/*.ini; do
  $moegap check --protocol "\$p" --runs $paper/runs --reference $src/reference --out $paper/results --no-figures >/dev/null
done
sed -i 's/"verdict": "PASS"/"verdict": "CONTRADICTED"/; s/"exit_status": 0/"exit_status": 1/' \
  $paper/results/active_gap.json
printf '17:paper_check_active_gap\n' >build/release/Testing/Temporary/LastTestsFailed.log
exit 8
EOF
tree_night() { env PATH="$work/bin:$PATH" bash "$tree/ci/nightly" --paper-dir "$paper" --baseline "$bl" \
  --moegap "$work/bin/with-report"; }
expect 1 "nightly: active_gap: CONTRADICTED \(a failed test; the baseline comparison decides\)" \
  "REGRESSION \(the claim's status changed\)" "nightly: FAIL: the results differ" -- tree_night
grep -q "erred" <<<"$(tree_night 2>&1)" && fail "a CONTRADICTED check counted as an error"
# ... while a failed run is an error, whatever the comparison says
sed -i 's/17:paper_check_active_gap/17:paper_check_active_gap\\n3:paper_train_moe4_s1/' "$work/bin/ctest"
expect 1 "nightly: FAIL: the paper label erred: paper_train_moe4_s1" -- tree_night
# ... and so is a failed check that wrote no result
sed -i 's|^sed -i .*|rm '"$paper"'/results/active_gap.json|' "$work/bin/ctest"
expect 1 "nightly: FAIL: the paper label erred: paper_check_active_gap" -- tree_night
fake_checks "$src" "$paper"
rm "$bl"
expect 0 "accepted: wrote .*baseline-ci.json" "nightly: accepted .*baseline-ci.json; commit it" \
  -- night --skip-train --accept --moegap "$work/bin/with-report"
[[ -s $bl ]] || fail "ci/nightly --accept wrote no baseline"

cli_finish baseline_cli
