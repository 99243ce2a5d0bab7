#!/usr/bin/env bash
# cmake/Seeds.cmake on its own (cmake -P): the lists it takes and how it
# expands them, the values it refuses with a clear message (so a bad
# -DMOEGAP_SEEDS fails configuration), and the tier.ini lines its strict
# regex refuses.
# usage: test_seeds_cmake.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup seeds_cmake "$1" "$2"
src=$3
cat >"$work/driver.cmake" <<EOF2
cmake_minimum_required(VERSION 3.25)
include($src/cmake/Seeds.cmake)
if(DEFINED TIER_DIR)
  moegap_tier_seeds(\${TIER_DIR} seeds)
else()
  moegap_seeds_parse("\${VALUE}" "MOEGAP_SEEDS" seeds)
endif()
message("seeds [\${seeds}]")
EOF2
# cmake wraps a message over lines: joined into one for the patterns
run_cmake() {
  local status
  cmake "$@" 2>&1 | tr -s '\n ' '  '
  status=${PIPESTATUS[0]}
  echo
  return "$status"
}
parse() { run_cmake -DVALUE="$1" -P "$work/driver.cmake"; }
tier() { mkdir -p "$work/t"; printf '%b' "$1" >"$work/t/tier.ini"; run_cmake -DTIER_DIR="$work/t" -P "$work/driver.cmake"; }

expect 0 "seeds \[1;2;3;4;5\]" -- parse 5
expect 0 "seeds \[1;2;5\]" -- parse "1;2;5"
expect 0 "seeds \[4;7\]" -- parse "4, 7"
expect 0 "seeds \[3;1000000\]" -- parse "3,1000000"
expect 1 "MOEGAP_SEEDS = '1': the seeds 1..1: expected 2..64 of them \(a paired t-test needs at least 2\)" -- parse 1
expect 1 "MOEGAP_SEEDS = '0': the seeds 1..0: expected 2..64" -- parse 0
expect 1 "MOEGAP_SEEDS = '65': the seeds 1..65: expected 2..64" -- parse 65
expect 1 "MOEGAP_SEEDS = '2,2': seed 2 is listed twice" -- parse 2,2
expect 1 "MOEGAP_SEEDS = '0,1': seed 0 is not in 1..1000000" -- parse 0,1
expect 1 "MOEGAP_SEEDS = '1,1000001': seed 1000001 is not in 1..1000000" -- parse 1,1000001
expect 1 "MOEGAP_SEEDS = 'three': expected N \(the seeds 1..N\)" -- parse three
expect 1 "MOEGAP_SEEDS = '1,,2': expected N" -- parse 1,,2
expect 1 "MOEGAP_SEEDS = '-3': expected N" -- parse -3
expect 1 "MOEGAP_SEEDS = '1,99999999': '99999999' is not a seed" -- parse 1,99999999
many=$(seq -s, 1 65)
expect 1 "65 seeds, more than 64" -- parse "$many"

expect 0 "seeds \[1;2;3\]" -- tier '; why\n[tier]\nseeds = 1, 2, 3\n'
expect 0 "seeds \[1;2;3;4\]" -- tier '[tier]\nseeds = 4\n'
expect 1 "tier.ini: 0 'seeds =' lines, expected exactly one" -- tier '[tier]\n'
expect 1 "tier.ini: 2 'seeds =' lines, expected exactly one" -- tier '[tier]\nseeds = 1, 2\nseeds = 3, 4\n'
expect 1 "tier.ini: 'seeds = 1, 2 ; why': configuration reads the seeds line only as" -- tier '[tier]\nseeds = 1, 2 ; why\n'
expect 1 "tier.ini: 'seeds: 1, 2': configuration reads" -- tier '[tier]\nseeds: 1, 2\n'
expect 1 "tier.ini: \[tier\] seeds = '1, 1': seed 1 is listed twice" -- tier '[tier]\nseeds = 1, 1\n'
rm -rf "$work/t"
expect 1 "/t/tier.ini: no such file" -- run_cmake -DTIER_DIR="$work/t" -P "$work/driver.cmake"

cli_finish seeds_cmake
