#!/usr/bin/env bash
# The test command: installs what is missing, builds the release and the
# sanitizer configurations (warnings are errors in both), and runs the unit
# tests under both and the PyTorch parity tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh

jobs=$(nproc)
for preset in release asan; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done

ctest --preset unit -j "$jobs"
ctest --preset unit-asan -j "$jobs"
ctest --preset xcheck -j "$jobs"
