#!/usr/bin/env bash
# The run folder: one process trains into it at a time (a second is refused
# with the first one's pid); a fresh start over a finished or interrupted
# run is refused unless --force says to discard it, while a folder of
# unrelated files is trained into; a run that starts or resumes removes the
# temporaries a killed writer left, and nothing else.
# usage: test_rundir.sh MOEGAP_EXE WORKDIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup rundir "$1" "$2"

"$moegap" synth --out "$work/train.tok" --tokens 20000 --vocab 64 --seed 1 >/dev/null
"$moegap" synth --out "$work/val.tok" --tokens 2000 --vocab 64 --seed 1 --part 30 >/dev/null
tiny_recipe "$work/ok.ini" dense 10 5
sed 's/steps = 10/steps = 1000000/' "$work/ok.ini" >"$work/long.ini"
train() { "$moegap" train --quiet "$@"; }
snapshot() { (cd "$1" && sha256sum summary.json metrics.tsv recipe.ini provenance.json checkpoint.bin 2>&1); }

# a second process is refused, by the first one's pid, while the first trains
"$moegap" train --recipe "$work/long.ini" --seed 1 --quiet --out "$work/r1" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
  [[ -s $work/r1/checkpoint.bin ]] && break
  sleep 0.05
done
expect 1 "r1: the run folder is in use: process $pid is training into it \(.*r1/\.lock\)" -- \
  train --recipe "$work/ok.ini" --seed 2 --out "$work/r1"
expect 1 "r1: the run folder is in use: process $pid" -- \
  train --recipe "$work/ok.ini" --seed 1 --out "$work/r1" --resume
[[ -e $work/r1/summary.json ]] && fail "a refused second process left summary.json beside the first's run"
kill -TERM $pid
wait $pid
status=$?
[[ $status -eq 130 ]] || fail "SIGTERM exit status $status, expected 130"

# an interrupted run is not discarded by a fresh start, even of another seed
before=$(snapshot "$work/r1")
expect 1 "r1: holds an interrupted run \(checkpoint.bin\); run with --resume .* --force" -- \
  train --recipe "$work/ok.ini" --seed 2 --out "$work/r1"
[[ $(snapshot "$work/r1") == "$before" ]] || fail "a refused fresh start changed the interrupted run"

# nor a finished one; --force discards it
expect 0 "best validation loss" -- train --recipe "$work/ok.ini" --seed 1 --out "$work/r2"
before=$(snapshot "$work/r2")
expect 1 "r2: holds a finished run \(summary.json\)" -- train --recipe "$work/ok.ini" --seed 1 --out "$work/r2"
expect 1 "r2: holds a finished run" -- train --recipe "$work/ok.ini" --seed 2 --out "$work/r2"
[[ $(snapshot "$work/r2") == "$before" ]] || fail "a refused fresh start changed the finished run"
expect 2 "--resume and --force: choose one" -- train --recipe "$work/ok.ini" --seed 2 --out "$work/r2" --resume --force
expect 0 "best validation loss" -- train --recipe "$work/ok.ini" --seed 2 --out "$work/r2" --force
grep -q '"seed": 2' "$work/r2/summary.json" || fail "--force did not train seed 2 afresh"
expect 0 "--force +start afresh even when DIR holds a finished or interrupted" -- "$moegap" train --help

# a folder of unrelated files is not a run (ci/paper-run.sh stamps its inputs first)
mkdir "$work/r3"
echo stamp >"$work/r3/inputs.stamp"
expect 0 "best validation loss" -- train --recipe "$work/ok.ini" --seed 1 --out "$work/r3"
[[ $(cat "$work/r3/inputs.stamp") == stamp ]] || fail "training removed or changed inputs.stamp"

# a killed writer's temporaries go when a run resumes (or starts); other files stay
stale=(checkpoint.bin.tmp.4000000 metrics.tsv.tmp.1 summary.json.tmp.77 provenance.json.tmp.5
  recipe.ini.tmp.123)
kept=(notes.tmp.5 checkpoint.bin.tmp.x checkpoint.bin.tmp. other.bin.tmp.9)
for f in "${stale[@]}" "${kept[@]}"; do echo junk >"$work/r3/$f"; done
expect 0 "best validation loss" -- train --recipe "$work/ok.ini" --seed 1 --out "$work/r3" --resume
for f in "${stale[@]}"; do [[ -e $work/r3/$f ]] && fail "stale $f was not removed"; done
for f in "${kept[@]}"; do [[ -e $work/r3/$f ]] || fail "$f, not a temporary of a run file, was removed"; done
for f in "${stale[@]:0:2}"; do echo junk >"$work/r3/$f"; done
expect 0 "best validation loss" -- train --recipe "$work/ok.ini" --seed 1 --out "$work/r3" --force
for f in "${stale[@]:0:2}"; do [[ -e $work/r3/$f ]] && fail "stale $f was not removed by a fresh start"; done

cli_finish test_rundir
