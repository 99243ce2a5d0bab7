#!/usr/bin/env bash
# The test command: installs what is missing, builds the release and the
# sanitizer configurations (warnings are errors in both), runs the unit
# tests under both, the Slurm tests (label slurm: a one-node cluster, and
# the smoke tier's plan through sbatch against the CTest path) and the
# PyTorch parity tests, then the paper label at
# the ci tier (ci/nightly): every model of every protocol over three
# seeds, and each claim's check, whose CTest outcome is its verdict (PASS
# passed, INCONCLUSIVE skipped, CONTRADICTED failed). The gate is the
# accepted baseline of the machine's OpenBLAS kernel set (reference/
# baseline-ci*.json), not the verdicts: this
# fails when a run or a check errs, or when a verdict changes or a gap
# moves beyond its tolerance. Last the PDF report is written
# (build/release/paper-ci/report.pdf).
#
# usage: ci/test.sh [--unit-only]
#   --unit-only   stop after the unit, Slurm and parity tests (a few minutes; the
#                 paper label takes about 65 minutes on two cores)
set -euo pipefail
cd "$(dirname "$0")/.."

unit_only=0
case ${1:-} in
  "") ;;
  --unit-only) unit_only=1 ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "ci/test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

bash ci/install-deps.sh

jobs=$(nproc)
# the paper label runs at the ci tier and its seeds, whatever an earlier
# configure chose
cmake --preset release -DMOEGAP_TIER=ci -DMOEGAP_SEEDS= >/dev/null
cmake --preset asan >/dev/null
for preset in release asan; do
  cmake --build --preset "$preset" -j "$jobs"
done

ctest --preset unit -j "$jobs"
ctest --preset unit-asan -j "$jobs"
# one-node Slurm clusters started and stopped by the tests (about two
# minutes, so --unit-only runs them too); root, or sudo -n
ctest --preset slurm
ctest --preset xcheck -j "$jobs"
# the readers' libFuzzer harnesses: each corpus replayed, then a few seconds' fuzzing
bash ci/fuzz.sh
if ((unit_only)); then
  exit 0
fi

bash ci/nightly
