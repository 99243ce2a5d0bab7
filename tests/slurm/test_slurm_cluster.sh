#!/usr/bin/env bash
# The one-node test cluster of tests/slurm/cluster.sh, started and stopped
# here: an `sbatch --array=0-3 --cpus-per-task=1` runs every task once (two
# at a time on the node), a job with --dependency=afterok on it runs after
# all four; a task that exits nonzero leaves its afterok job pending with
# DependencyNeverSatisfied (cancelled then); a --requeue task requeued by
# `scontrol requeue` while it runs starts again and sees its first start's
# file; slurm_down cancels a job still running, and after it none of the
# daemons or job processes is alive.
# Runs as root (through `sudo -n` otherwise); fails, never skips, where
# Slurm or MUNGE is missing (bash ci/install-deps.sh installs them).
# usage: test_slurm_cluster.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster.sh
source "$here/cluster.sh"
slurm_test test_slurm_cluster "" "$@"

t_start=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t_start) / 1000000 )) ms"; }

slurm_up "$dir" || fail "the cluster did not come up"
echo "cluster up after $(elapsed)"
work=$dir/work
mkdir -p "$work"

# the clients talk to this cluster: its ports and munge socket
# (read whole first: grep -q closing the pipe early would fail it under pipefail)
port=$(awk -F= '$1 == "SlurmctldPort" { print $2 }' "$SLURM_CONF")
config=$(scontrol show config) || fail "scontrol show config failed"
grep -Eq "^SlurmctldPort += $port\$" <<<"$config" || fail "scontrol does not read $SLURM_CONF"
grep -Eq "^AuthInfo += cred_expire=10,socket=$dir/munge/munge.socket\$" <<<"$config" ||
  fail "scontrol does not use the test's munge socket"

## an array of four tasks, then a job that needs all four
cat >"$work/task.sh" <<'EOF'
#!/bin/bash
out=$1 t=$SLURM_ARRAY_TASK_ID
echo $$ >>"$out/job.pids"
touch "$out/started.$t"
# two 1-CPU tasks share the node: the first to start waits for a second
for _ in $(seq 300); do
  n=$(ls "$out"/started.* | wc -l)
  ((n >= 2)) && break
  sleep 0.1
done
((n >= 2)) || { echo "task $t ran alone" >&2; exit 3; }
echo "$t $SLURM_ARRAY_TASK_ID $SLURM_ARRAY_JOB_ID $SLURM_JOB_ID" >"$out/task.$t"
EOF
cat >"$work/after.sh" <<'EOF'
#!/bin/bash
ls "$1"/task.* | wc -l >"$1/marker"
EOF
out=$work/array
mkdir -p "$out"
t_array=$(date +%s%N)
arr=$(sbatch --parsable --array=0-3 --cpus-per-task=1 -D "$out" -o "$out/%A_%a.log" \
  "$work/task.sh" "$out") || fail "sbatch --array failed"
arr=${arr%%;*}
dep=$(sbatch --parsable --dependency=afterok:"$arr" -D "$out" -o "$out/after.log" \
  "$work/after.sh" "$out") || fail "sbatch --dependency failed"
dep=${dep%%;*}
[[ $(squeue -h -j "$dep" -o '%T %r') == "PENDING Dependency" ]] ||
  fail "job $dep waits on no dependency: $(squeue -h -j "$dep" -o '%T %r')"
slurm_wait_ended "$arr" 120 || fail "array $arr did not finish"
[[ $(slurm_states "$arr") == "$(printf '%s_%s COMPLETED\n' "$arr" 0 "$arr" 1 "$arr" 2 "$arr" 3)" ]] ||
  fail "array states: $(slurm_states "$arr" | tr '\n' ' '); the tasks said: $(cat "$out"/*.log)"
[[ $(slurm_field "$arr" ExitCode | sort -u) == 0:0 ]] || fail "array exit codes: $(slurm_field "$arr" ExitCode)"
slurm_wait_ended "$dep" 60 || fail "afterok job $dep did not finish"
echo "array of 4 and its afterok job done in $(( ($(date +%s%N) - t_array) / 1000000 )) ms"

# every task ran once, as the task of its index, under its own job id
ids=$(squeue -h -r -t all -j "$arr" -o '%i %A' | sort)
for t in 0 1 2 3; do
  [[ -f $out/task.$t ]] || fail "task $t wrote nothing"
  read -r own env_t env_arr env_job <"$out/task.$t"
  [[ $own == "$t" && $env_t == "$t" ]] || fail "task $t's file says task '$own', SLURM_ARRAY_TASK_ID '$env_t'"
  [[ $env_arr == "$arr" ]] || fail "task $t: SLURM_ARRAY_JOB_ID $env_arr, not $arr"
  grep -qx "${arr}_$t $env_job" <<<"$ids" || fail "task $t: job id $env_job is not squeue's ($ids)"
done
[[ $(ls "$out"/task.* | wc -l) == 4 ]] || fail "not four task files: $(ls "$out")"
[[ -f $out/marker ]] || fail "the afterok job wrote no marker"
[[ $(cat "$out/marker") == 4 ]] || fail "the afterok job ran before all four tasks: it saw $(cat "$out/marker")"
[[ $(slurm_states "$dep") == "$dep COMPLETED" ]] || fail "afterok job: $(slurm_states "$dep")"

## a task that fails: its afterok job never runs
cat >"$work/fail.sh" <<'EOF'
#!/bin/bash
echo $$ >>"$1/job.pids"
((SLURM_ARRAY_TASK_ID == 1)) && exit 3
touch "$1/ok.$SLURM_ARRAY_TASK_ID"
EOF
out=$work/fail
mkdir -p "$out"
arr2=$(sbatch --parsable --array=0-1 -D "$out" -o "$out/%A_%a.log" "$work/fail.sh" "$out") ||
  fail "sbatch of the failing array failed"
arr2=${arr2%%;*}
dep2=$(sbatch --parsable --dependency=afterok:"$arr2" -D "$out" -o "$out/after.log" \
  "$work/after.sh" "$out") || fail "sbatch --dependency failed"
dep2=${dep2%%;*}
slurm_wait_ended "$arr2" 120 || fail "failing array $arr2 did not end"
[[ $(slurm_states "$arr2") == "$(printf '%s_0 COMPLETED\n%s_1 FAILED' "$arr2" "$arr2")" ]] ||
  fail "failing array states: $(slurm_states "$arr2")"
[[ $(scontrol show job -o "${arr2}_1" | grep -o 'ExitCode=[^ ]*') == ExitCode=3:0 ]] ||
  fail "task 1's exit code: $(scontrol show job -o "${arr2}_1" | grep -o 'ExitCode=[^ ]*')"
never=0
for _ in $(seq 150); do
  s=$(squeue -h -j "$dep2" -o '%T %r')
  [[ $s == PENDING* ]] || fail "the afterok job of a failed array left PENDING: $s"
  [[ $s == "PENDING DependencyNeverSatisfied" ]] && { never=1; break; }
  sleep 0.2
done
((never)) || fail "job $dep2 not DependencyNeverSatisfied after 30 s: $s"
sleep 3 # a few scheduling passes: it must still be pending
[[ $(squeue -h -j "$dep2" -o '%T %r') == "PENDING DependencyNeverSatisfied" ]] ||
  fail "job $dep2 later: $(squeue -h -j "$dep2" -o '%T %r')"
scancel "$dep2" || fail "scancel $dep2 failed"
slurm_wait_ended "$dep2" 30 || fail "cancelled job $dep2 did not end"
[[ $(slurm_states "$dep2") == "$dep2 CANCELLED" ]] || fail "cancelled job: $(slurm_states "$dep2")"
[[ ! -e $out/marker ]] || fail "the afterok job of a failed array ran"
echo "failed task's afterok job never ran, cancelled, after $(elapsed)"

## --requeue: a running task requeued starts again and sees its first start
cat >"$work/requeue.sh" <<'EOF'
#!/bin/bash
out=$1
echo $$ >>"$out/job.pids"
n=$(cat "$out/starts" 2>/dev/null | wc -l)
echo "start $n restart ${SLURM_RESTART_COUNT:-0} job $SLURM_JOB_ID" >>"$out/starts"
if ((n == 0)); then
  touch "$out/first"
  sleep 600 &
  echo $! >>"$out/job.pids"
  wait
  exit 5 # not reached: the requeue kills it
fi
[[ -f $out/first ]] || exit 4
touch "$out/second"
EOF
out=$work/requeue
mkdir -p "$out"
t_requeue=$(date +%s%N)
arr3=$(sbatch --parsable --requeue --array=0 -D "$out" -o "$out/%A_%a.log" "$work/requeue.sh" "$out") ||
  fail "sbatch --requeue failed"
arr3=${arr3%%;*}
slurm_wait_file "$out/first" 60 || fail "the requeue task did not start: $(slurm_states "$arr3")"
[[ $(slurm_states "$arr3") == "${arr3}_0 RUNNING" ]] || fail "requeue task before the requeue: $(slurm_states "$arr3")"
[[ ! -e $out/second ]] || fail "the requeue task finished before the requeue"
scontrol requeue "${arr3}_0" || fail "scontrol requeue ${arr3}_0 failed"
# (requeued, it waits cred_expire, 10 s, before it may start again)
slurm_wait_ended "$arr3" 120 || fail "the requeued task did not end: $(cat "$out/starts")"
[[ -f $out/second ]] || fail "the requeued task did not run again: $(slurm_states "$arr3"); $(cat "$out/starts")"
[[ $(slurm_states "$arr3") == "${arr3}_0 COMPLETED" ]] || fail "requeued task: $(slurm_states "$arr3")"
mapfile -t starts <"$out/starts"
((${#starts[@]} == 2)) || fail "the requeued task started ${#starts[@]} times: ${starts[*]}"
[[ ${starts[0]} == "start 0 restart 0 "* && ${starts[1]} == "start 1 restart 1 "* ]] ||
  fail "the starts: ${starts[*]}"
[[ $(slurm_field "$arr3" Restarts) == 1 ]] || fail "scontrol counts $(slurm_field "$arr3" Restarts) restarts"
echo "requeued task ran again in $(( ($(date +%s%N) - t_requeue) / 1000000 )) ms"

## teardown, a job still running: slurm_down cancels it, then stops the
## daemons; none of them and none of the jobs' processes is alive
cat >"$work/linger.sh" <<'EOF'
#!/bin/bash
echo $$ >>"$1/job.pids"
sleep 600 &
echo $! >>"$1/job.pids"
touch "$1/running"
wait
EOF
out=$work/linger
mkdir -p "$out"
sbatch --parsable -D "$out" -o "$out/linger.log" "$work/linger.sh" "$out" >/dev/null ||
  fail "sbatch of the lingering job failed"
slurm_wait_file "$out/running" 60 || fail "the lingering job did not start"
cp "$dir/pids" "$work/pids.up"
slurm_down "$dir" 2>"$work/down.err"
cat "$work/down.err" >&2
[[ ! -s $work/down.err ]] || fail "slurm_down had to force its way: $(cat "$work/down.err")"
while read -r name pid start; do
  slurm_alive "$pid" "$start" && fail "$name (pid $pid) is alive after slurm_down"
done <"$work/pids.up"
[[ $(wc -l <"$work/pids.up") == 3 ]] || fail "not three daemons recorded: $(cat "$work/pids.up")"
for p in $(cat "$work"/*/job.pids); do
  slurm_alive "$p" && fail "job process $p is alive after slurm_down"
done
[[ $(cat "$work"/*/job.pids | wc -l) == 11 ]] || fail "not eleven job processes recorded: $(cat "$work"/*/job.pids)"
slurm_down "$dir" || fail "a second slurm_down failed"
echo "cluster down; test_slurm_cluster passed in $(elapsed)"
