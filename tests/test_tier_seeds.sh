#!/usr/bin/env bash
# CMake's reading of the seeds against lib's: what cmake/Seeds.cmake made of
# a tier's tier.ini (or of -DMOEGAP_SEEDS) at configure time must be what
# `moegap tier` makes of it, so the paper label trains the runs its checks
# compare.
# usage: test_tier_seeds.sh MOEGAP_EXE CMAKE_SEEDS (--dir TIER_DIR | --seeds LIST)
set -uo pipefail
moegap=$1 want=$2
shift 2
out=$("$moegap" tier "$@" 2>&1)
status=$?
if [[ $status -ne 0 || $out != "seeds $want" ]]; then
  echo "FAIL: moegap tier $* said '$out' (exit $status); CMake read 'seeds $want'"
  exit 1
fi
echo "ok: moegap tier $* -> $out, as CMake read it"
