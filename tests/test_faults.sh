#!/usr/bin/env bash
# Fault injection: smoke-size runs killed with SIGKILL at kill points drawn
# from a fixed seed, many of them while a checkpoint is being written (an
# evaluation, hence a checkpoint, every 5 steps, and half the kill points
# wait for checkpoint.bin.tmp.* to appear), each resumed with --resume until
# it finishes. After every kill the metrics' complete rows are the
# uninterrupted run's first rows; at the end every run's summary.json
# (timing aside) and metrics.tsv (every column but tokens/s) are the
# uninterrupted run's, and no temporary file is left.
# usage: test_faults.sh MOEGAP_EXE WORKDIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup faults "$1" "$2"

STEPS=200 RUNS=5 KILLS_PER_RUN=5
"$moegap" synth --out "$work/train.tok" --tokens 60000 --vocab 64 --seed 5 >/dev/null
"$moegap" synth --out "$work/val.tok" --tokens 2000 --vocab 64 --seed 5 --part 30 >/dev/null
tiny_recipe "$work/moe.ini" moe "$STEPS" 5
start() { "$moegap" train --recipe "$work/moe.ini" --seed 3 --quiet --out "$1" "${@:2}" >/dev/null 2>&1 & }

rows() { local n; n=$(grep -c '^train' "$1/metrics.tsv" 2>/dev/null); echo "${n:-0}"; }
writing() { compgen -G "$1/checkpoint.bin.tmp.*" >/dev/null; }

# kill point k: once the run has k train rows; when `write`, not before a
# checkpoint write is under way. Returns the process's exit status, 137
# when the kill landed.
kill_at() { # DIR PID K WRITE
  local i
  for ((i = 0; i < 2000; i++)); do
    (( $(rows "$1") >= $3 )) && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.005
  done
  if (( $4 )); then
    for ((i = 0; i < 2000000; i++)); do
      writing "$1" && break
      kill -0 "$2" 2>/dev/null || break
    done
  fi
  kill -9 "$2" 2>/dev/null
  wait "$2" 2>/dev/null
}

# the rows of a killed run's metrics that end in a newline
complete_rows() {
  local f=$1/metrics.tsv
  if [[ -s $f && $(tail -c1 "$f" | od -An -tx1) != *0a* ]]; then sed '$d' "$f"; else cat "$f"; fi
}
# they are the uninterrupted run's first rows
check_prefix() { # DIR LABEL
  local n
  n=$(complete_rows "$1" | wc -l)
  diff <(complete_rows "$1" | metrics_but_timing /dev/stdin) \
    <(head -n "$n" "$work/a/metrics.tsv" | metrics_but_timing /dev/stdin) >/dev/null ||
    fail "$2: the metrics' complete rows are not the uninterrupted run's"
}

start "$work/a"
wait $! || fail "uninterrupted run failed"

RANDOM=2718 # the kill points, the same at every run of the test
kills=0 in_write=0
for ((run = 1; run <= RUNS; run++)); do
  d=$work/r$run
  points=$(for ((i = 0; i < KILLS_PER_RUN; i++)); do echo $((RANDOM % (STEPS - 20))); done | sort -n)
  i=0
  for k in $points; do
    write=$((i++ % 2))
    start "$d" --resume
    pid=$!
    kill_at "$d" $pid "$k" "$write"
    status=$?
    if [[ $status -eq 0 ]]; then
      echo "run $run: finished before the kill at step $k (not counted)"
      continue
    fi
    [[ $status -eq 137 ]] || fail "run $run: the resume before the kill at step $k exited $status"
    kills=$((kills + 1))
    [[ -e $d/checkpoint.bin.tmp.$pid ]] && in_write=$((in_write + 1))
    [[ -e $d/summary.json ]] && fail "run $run, kill at step $k: the killed run left summary.json"
    [[ -e $d/metrics.tsv ]] && check_prefix "$d" "run $run, kill at step $k"
  done
  start "$d" --resume
  wait $! || fail "run $run: the last resume failed"
  diff <(metrics_but_timing "$work/a/metrics.tsv") <(metrics_but_timing "$d/metrics.tsv") >/dev/null ||
    fail "run $run: metrics after $KILLS_PER_RUN kills differ from the uninterrupted run's"
  diff <(grep -v wall_s "$work/a/summary.json") <(grep -v wall_s "$d/summary.json") >/dev/null ||
    fail "run $run: summary.json after $KILLS_PER_RUN kills differs from the uninterrupted run's"
  left=$(cd "$d" && ls | grep '\.tmp\.')
  [[ -z $left ]] || fail "run $run: temporary files left: $left"
done
echo "kills: $kills, $in_write of them while a checkpoint was being written"
(( kills >= 20 )) || fail "only $kills kill points"
(( in_write >= 5 )) || fail "only $in_write kills landed during a checkpoint write"

cli_finish test_faults
