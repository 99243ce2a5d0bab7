#!/usr/bin/env bash
# The main job: set up a fresh Debian 12 machine, build, then train a small
# dense and a small MoE model on a token stream moegap generates itself,
# and print their best validation losses. Run folders land in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

moegap=build/release/moegap
mkdir -p out/demo
# one stream, two disjoint stretches: training and validation
"$moegap" synth --out out/demo/train.tok --tokens 2000000 --vocab 512 --seed 1
"$moegap" synth --out out/demo/val.tok --tokens 100000 --vocab 512 --seed 1 --part 20

for kind in dense moe; do
  echo "== training the $kind demo model"
  "$moegap" train --recipe "protocols/recipes/demo-$kind.ini" --seed 1 --out "out/demo/$kind"
done

echo
echo "best validation loss (nats/token; log(512) = 6.238 is chance):"
for kind in dense moe; do
  printf '  %-6s %s\n' "$kind" "$(grep -o '"best_val_loss": [0-9.]*' "out/demo/$kind/summary.json" | cut -d' ' -f2)"
done
