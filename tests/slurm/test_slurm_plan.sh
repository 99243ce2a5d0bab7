#!/usr/bin/env bash
# The smoke tier's whole plan through a real one-node Slurm cluster
# (tests/slurm/cluster.sh, started and stopped here), against the CTest
# path on the same machine:
# - the CTest path: the paper label's tests, written from the plan as the
#   build writes them (tests/paper/plan_tests.cmake), run by ctest -j2 in a
#   folder of the test's, one OpenBLAS thread a run;
# - the Slurm path: ci/slurm-submit.sh (a data job, one array task per
#   run, a checks job after them). One array task is sent SIGTERM once its
#   first evaluation is written: it saves a checkpoint and fails, so the
#   checks job is never started (afterok), and moegap status calls the run
#   interrupted. Submitting again resumes that run, trains no other, and
#   runs the checks.
# Every run's best and final validation loss and evaluation rows, and every
# result's verdict and gap statistics, must equal the CTest path's exactly.
# Runs as root (through `sudo -n` otherwise).
# usage: test_slurm_plan.sh MOEGAP_EXE SOURCE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster.sh
source "$here/cluster.sh"
slurm_test test_slurm_plan cluster "$@"
moegap=$(realpath "$1") src=$(cd "$2" && pwd)
t_start=$SECONDS
# a failure shows the Slurm jobs' own output too
slurm_test_logs() {
  for f in "$dir"/slurm/slurm/*.out; do [[ -f $f ]] && { echo "----- $f"; tail -n 20 "$f"; }; done
}

# the token files, once, in the source tree (the paper label finds them there)
bash "$src/ci/paper-data.sh" "$moegap" smoke >/dev/null || fail "ci/paper-data.sh smoke failed"
"$moegap" plan --tier smoke --tsv "$dir/plan.tsv" --quiet || fail "moegap plan failed"
query() { "$moegap" query --plan "$dir/plan.tsv" "$@"; }
mapfile -t runs < <(paste -d ' ' <(query --runs --get model) <(query --runs --get seed))
mapfile -t checks < <(paste -d ' ' <(query --checks) <(query --checks --get protocol))
((${#runs[@]} == 15 && ${#checks[@]} == 4)) || fail "the smoke plan has ${#runs[@]} runs and ${#checks[@]} checks"

## the CTest path: the paper label's tests as the build writes them from
## the plan, two at a time as ctest -j2 runs them
a=$dir/ctest
source "$src/tests/paper/plan_ctest.sh"
paper_ctest "$a/tests" "$moegap" "$src" smoke "$src/protocols" "$a" || fail "plan_tests.cmake failed"
# a check's verdict may fail (CONTRADICTED) or skip (INCONCLUSIVE) its test:
# what must hold is that every run passed and every check wrote its result
ctest --test-dir "$a/tests" -L paper -j 2 >"$dir/ctest.log" 2>&1
trained=$(grep -cE "Test +#[0-9]+: paper_train_.* Passed" "$dir/ctest.log")
((trained == ${#runs[@]})) || fail "CTest path: $trained of ${#runs[@]} runs passed: $(tail -20 "$dir/ctest.log")"
for c in "${checks[@]}"; do
  read -r name _ <<<"$c"
  [[ -f $a/results/$name.json ]] || fail "CTest path: check $name wrote no result"
done
echo "CTest path: ${#runs[@]} runs and ${#checks[@]} checks after $((SECONDS - t_start)) s"

## the Slurm path
slurm_up "$dir/cluster" || fail "the cluster did not come up"
b=$dir/slurm
submit() {
  bash "$src/ci/slurm-submit.sh" --tier smoke --paper-dir "$b" --moegap "$moegap" >"$dir/submit.out" 2>&1 ||
    fail "ci/slurm-submit.sh failed: $(cat "$dir/submit.out")"
  read -r data arr chk <"$b/slurm/jobs"
}
submit
echo "submitted after $((SECONDS - t_start)) s: data $data, array $arr, checks $chk"
# the task to interrupt: the plan's longest model, first seed
victim=dense8_total-s1
mapfile -t names < <("$moegap" query --plan "$b/plan.tsv" --runs)
idx=
for i in "${!names[@]}"; do [[ ${names[i]} == "$victim" ]] && idx=$i; done
[[ -n $idx ]] || fail "no $victim in the plan"
metrics=$b/runs/$victim/metrics.tsv
deadline=$((SECONDS + 120))
until grep -q $'^eval\t10\t' "$metrics" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "$victim wrote no evaluation: $(slurm_states "$arr" | tr '\n' ' ')"
  sleep 0.05
done
# (scancel may exit nonzero when the signal reached the batch step only;
# what it did is judged below, by the task's state and its run folder)
out=$(scancel --signal=TERM --batch "${arr}_$idx" 2>&1) || echo "scancel ${arr}_$idx: exit $?${out:+: $out}"
slurm_wait_ended "$arr" 300 || fail "the array did not end"
[[ $(slurm_states "$arr" | awk -v t="${arr}_$idx" '$1 == t { print $2 }') == FAILED ]] ||
  fail "the interrupted task: $(slurm_states "$arr" | tr '\n' ' ')"
others=$(slurm_states "$arr" | awk -v t="${arr}_$idx" '$1 != t && $2 != "COMPLETED"')
[[ -z $others ]] || fail "tasks not completed: $others"
# the scheduler sees the failed dependency at its next pass
deadline=$((SECONDS + 60))
until [[ $(squeue -h -j "$chk" -o '%T %r') == "PENDING DependencyNeverSatisfied" ]]; do
  ((SECONDS < deadline)) || fail "the checks job after a failed task: $(squeue -h -j "$chk" -o '%T %r')"
  sleep 0.2
done
scancel "$chk"
[[ -f $b/runs/$victim/checkpoint.bin && ! -f $b/runs/$victim/summary.json ]] ||
  fail "$victim was not left interrupted: $(ls "$b/runs/$victim")"
stopped=$(awk -F'\t' '$1 == "train" { s = $2 } END { print s }' "$metrics")
((stopped < 40)) || fail "$victim was not stopped mid-run (last step $stopped)"
"$moegap" status --tier smoke --runs "$b/runs" >"$dir/status.out"
st=$?
((st == 3)) && grep -Eq "^$victim +interrupted +$stopped of 40$" "$dir/status.out" &&
  grep -q "^15 runs: 14 done, 0 running, 1 interrupted, 0 started, 0 missing$" "$dir/status.out" ||
  fail "moegap status (exit $st): $(cat "$dir/status.out")"
echo "$victim stopped at step $stopped of 40; its checks job held back"

# submitting again resumes it, trains no other run, and runs the checks
submit
slurm_wait_ended "$chk" 300 || fail "the second submission's checks did not end"
[[ $(slurm_states "$chk") == "$chk COMPLETED" ]] || fail "checks job: $(slurm_states "$chk")"
[[ -z $(slurm_states "$arr" | awk '$2 != "COMPLETED"') ]] || fail "resubmitted array: $(slurm_states "$arr")"
resumed=$(grep -l "resumed from step" "$b"/slurm/run-"${arr}"_*.out | wc -l)
skipped=$(grep -l "is up to date" "$b"/slurm/run-"${arr}"_*.out | wc -l)
((resumed == 1 && skipped == 14)) || fail "resubmission: $resumed runs resumed, $skipped skipped"
grep -q "resumed from step $stopped" "$b/slurm/run-${arr}_$idx.out" || fail "task $idx did not resume: $(cat "$b/slurm/run-${arr}_$idx.out")"
"$moegap" status --tier smoke --runs "$b/runs" | grep -q "^15 runs: 15 done," || fail "not every run is done"
echo "resubmitted: $victim resumed from step $stopped, 14 runs skipped, checks done after $((SECONDS - t_start)) s"

## the two paths agree exactly
/usr/bin/python3 - "$a" "$b" <<'EOF' || fail "the Slurm path's results differ from the CTest path's"
import glob, json, os, sys
a, b = sys.argv[1:]
names = sorted(os.listdir(os.path.join(a, "runs")))
assert len(names) == 15 and names == sorted(os.listdir(os.path.join(b, "runs"))), names
for n in names:
    sa, sb = (json.load(open(os.path.join(d, "runs", n, "summary.json"))) for d in (a, b))
    for k in ("best_val_loss", "best_step", "final_val_loss", "tokens", "params_total"):
        assert sa[k] == sb[k], (n, k, sa[k], sb[k])
    ea, eb = ([l for l in open(os.path.join(d, "runs", n, "metrics.tsv")) if l.startswith("eval")]
              for d in (a, b))
    assert ea == eb and len(ea) == 4, (n, ea, eb)
results = sorted(os.path.basename(p) for p in glob.glob(os.path.join(a, "results", "*.json")))
assert len(results) == 4, results
for r in results:
    ra, rb = (json.load(open(os.path.join(d, "results", r))) for d in (a, b))
    assert ra["verdict"] == rb["verdict"], (r, ra["verdict"], rb["verdict"])
    assert ra["gaps"] == rb["gaps"], r
    print("%s: %s (both)" % (r[:-5], ra["verdict"]))
EOF
echo "test_slurm_plan: PASS after $((SECONDS - t_start)) s"
