#!/usr/bin/env bash
# Checkpoints: a run killed with SIGKILL, or stopped with SIGTERM, and then
# resumed finishes bit-identical to an uninterrupted run; `moegap eval`
# recomputes the checkpoint's validation loss; a checkpoint of another seed,
# recipe or thread count, a damaged one or one with bytes appended is refused
# by name, and a refused resume leaves the run folder as it was.
# usage: test_resume.sh MOEGAP_EXE WORKDIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup resume "$1" "$2"

"$moegap" synth --out "$work/train.tok" --tokens 100000 --vocab 64 --seed 5 >/dev/null
"$moegap" synth --out "$work/val.tok" --tokens 5000 --vocab 64 --seed 5 --part 30 >/dev/null
tiny_recipe "$work/moe.ini" moe 1500 100
train() { "$moegap" train --recipe "$work/moe.ini" --seed 3 --quiet "$@"; }

# every column but tokens/s, which is a timing
same_metrics() { diff <(metrics_but_timing "$1/metrics.tsv") <(metrics_but_timing "$2/metrics.tsv") >/dev/null; }
same_summary() { diff <(grep -v wall_s "$1/summary.json") <(grep -v wall_s "$2/summary.json") >/dev/null; }
wait_rows() { # wait until folder $1's metrics has more than $2 train rows
  for _ in $(seq 300); do
    local n
    n=$(grep -c '^train' "$1/metrics.tsv" 2>/dev/null)
    (( ${n:-0} > $2 )) && return 0
    sleep 0.05
  done
  return 1
}

train --out "$work/a" >/dev/null || fail "uninterrupted run failed"

# SIGKILL mid-run, then --resume
# (moegap itself in the background, not a shell function, so $! is its pid)
"$moegap" train --recipe "$work/moe.ini" --seed 3 --quiet --out "$work/b" >/dev/null 2>&1 &
pid=$!
wait_rows "$work/b" 350 || fail "run b made no progress"
kill -9 $pid
wait $pid 2>/dev/null
rows=$(grep -c '^train' "$work/b/metrics.tsv")
(( rows < 1500 )) || fail "run b finished before the kill"
[[ -e $work/b/summary.json ]] && fail "a killed run left summary.json"
[[ -e $work/b/checkpoint.bin ]] || fail "no checkpoint after 350 steps"
out=$(train --out "$work/b" --resume 2>&1) || fail "resume after kill -9 failed: $out"
grep -q "resumed from step" <<<"$out" || fail "resume did not say where it went on from: $out"
same_metrics "$work/a" "$work/b" || fail "metrics after kill -9 and resume differ from the uninterrupted run"
same_summary "$work/a" "$work/b" || fail "summary after kill -9 and resume differs"

# SIGTERM: checkpoint, a message naming --resume, exit 130
"$moegap" train --recipe "$work/moe.ini" --seed 3 --quiet --out "$work/c" >"$work/c.log" 2>&1 &
pid=$!
wait_rows "$work/c" 150 || fail "run c made no progress"
kill -TERM $pid
wait $pid
status=$?
[[ $status -eq 130 ]] || fail "SIGTERM exit status $status, expected 130"
grep -q -- "--resume" "$work/c.log" || fail "SIGTERM message does not say how to resume: $(cat "$work/c.log")"
train --out "$work/c" --resume >/dev/null 2>&1 || fail "resume after SIGTERM failed"
same_metrics "$work/a" "$work/c" || fail "metrics after SIGTERM and resume differ"

# eval recomputes the final checkpoint's validation loss
final=$(grep -o '"final_val_loss": [0-9.]*' "$work/a/summary.json" | cut -d' ' -f2)
ev=$("$moegap" eval --run "$work/a") || fail "eval failed"
printf -v want "%.6f" "$final"
grep -q "validation loss $want at step 1500" <<<"$ev" || fail "eval says '$ev', summary says $final"

# refusals, each leaving the finished run's files as they were
snapshot() { (cd "$1" && sha256sum summary.json metrics.tsv recipe.ini provenance.json checkpoint.bin 2>&1); }
before=$(snapshot "$work/a")
out=$("$moegap" train --recipe "$work/moe.ini" --seed 4 --out "$work/a" --resume --quiet 2>&1)
[[ $? -eq 1 ]] && grep -q "checkpoint.bin: seed" <<<"$out" || fail "another seed was not refused: $out"
[[ $(snapshot "$work/a") == "$before" ]] || fail "a resume refused for its seed changed the run folder"
sed 's/eval_every = 100/eval_every = 50/' "$work/moe.ini" >"$work/other.ini"
out=$("$moegap" train --recipe "$work/other.ini" --seed 3 --out "$work/a" --resume --quiet 2>&1)
[[ $? -eq 1 ]] && grep -q "checkpoint.bin: recipe" <<<"$out" || fail "another recipe was not refused: $out"
[[ $(snapshot "$work/a") == "$before" ]] || fail "a resume refused for its recipe changed the run folder"
out=$(train --out "$work/a" --resume --threads 2 2>&1)
[[ $? -eq 1 ]] && grep -qE "checkpoint.bin: threads: .* 1 OpenBLAS thread.*not 2" <<<"$out" ||
  fail "a resume with another thread count was not refused naming both: $out"
[[ $(snapshot "$work/a") == "$before" ]] || fail "a resume refused for its thread count changed the run folder"
cp -r "$work/a" "$work/d"
truncate -s -100 "$work/d/checkpoint.bin"
out=$("$moegap" eval --run "$work/d" 2>&1)
[[ $? -eq 1 ]] && grep -qE "checkpoint.bin: .*truncated" <<<"$out" || fail "a truncated checkpoint was not refused: $out"
cp "$work/a/checkpoint.bin" "$work/d/checkpoint.bin"
printf '\x7f' | dd of="$work/d/checkpoint.bin" bs=1 seek=5000 conv=notrunc 2>/dev/null
out=$("$moegap" eval --run "$work/d" 2>&1)
[[ $? -eq 1 ]] && grep -q "checkpoint.bin: checksum" <<<"$out" || fail "a damaged checkpoint was not refused: $out"
cp "$work/a/checkpoint.bin" "$work/d/checkpoint.bin"
printf 'appended' >>"$work/d/checkpoint.bin"
out=$("$moegap" eval --run "$work/d" 2>&1)
[[ $? -eq 1 ]] && grep -q "checkpoint.bin: size: .*8 more than its header implies" <<<"$out" ||
  fail "a checkpoint with bytes appended was not refused: $out"

cli_finish test_resume
