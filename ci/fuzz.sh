#!/usr/bin/env bash
# The fuzz check: builds the libFuzzer harnesses (the fuzz preset: clang,
# ASan + UBSan, build/fuzz), then for every harness replays its seed corpus
# (tests/fuzz/corpus/<harness>/) and fuzzes it for a few seconds in a
# temporary copy of the corpus, so the tree is never modified. Fails on
# any crash, leak, sanitizer report or timeout; the input that caused it
# is kept in build/fuzz/artifacts/ and named in the output. About two
# minutes on two cores, the build included.
#
# usage: ci/fuzz.sh [--seconds N]
#   --seconds N   fuzz each harness N seconds after the replay (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5
while (($#)); do
  case $1 in
    --seconds)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "ci/fuzz.sh: --seconds needs a whole number" >&2; exit 2; }
      seconds=$2
      shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci/fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

bin=build/fuzz/tests/fuzz
artifacts=$PWD/build/fuzz/artifacts
mkdir -p "$artifacts"
# in memory where there is /dev/shm: the harnesses write a file or more
# per execution, which a loaded disk makes the slowest part
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# the harnesses' own temporary folders
export TMPDIR=$work

failed=()
for corpus in tests/fuzz/corpus/*/; do
  name=$(basename "$corpus")
  harness=$bin/fuzz_$name
  [[ -x $harness ]] || { echo "ci/fuzz.sh: no harness $harness for $corpus" >&2; exit 1; }
  cp -r "$corpus" "$work/$name"
  log=$work/$name.log
  if "$harness" "$corpus" -runs=0 >"$log" 2>&1 &&
    "$harness" "$work/$name" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$name-" >>"$log" 2>&1; then
    echo "fuzz_$name: ok, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1) runs"
  else
    echo "fuzz_$name: FAILED"
    grep -E 'ERROR|SUMMARY|fuzz harness|runtime error|Test unit written' "$log" | head -20
    failed+=("$name")
  fi
done

if ((${#failed[@]})); then
  echo "ci/fuzz.sh: ${#failed[@]} harness(es) failed: ${failed[*]}; inputs in $artifacts" >&2
  exit 1
fi
echo "ci/fuzz.sh: every harness replayed its corpus and fuzzed ${seconds}s without a fault"
