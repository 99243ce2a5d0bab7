#!/usr/bin/env bash
# One (model, seed) training run of the paper label. A run whose recipe,
# token files, seed, thread count and moegap binary are unchanged since it
# finished is not trained again; one interrupted under the same inputs goes
# on from its checkpoint; anything else starts afresh.
# usage: ci/paper-run.sh MOEGAP_EXE RUNS_DIR MODEL SEED THREADS
set -euo pipefail
moegap=$1 runs=$2 model=$3 seed=$4 threads=$5
recipe=$("$moegap" query --recipes "$runs/recipes/recipes.tsv" --recipe-of "$model") ||
  { echo "paper-run: no recipe for model '$model' in $runs/recipes/recipes.tsv" >&2; exit 1; }
dir=$runs/runs/$model-s$seed

# the token files the recipe names, as the trainer reads them
train=$("$moegap" recipe --recipe "$recipe" --get data.train)
val=$("$moegap" recipe --recipe "$recipe" --get data.val)
stamp=$( {
  echo "recipe $(sha256sum <"$recipe")"
  echo "train $(sha256sum <"$train")"
  echo "val $(sha256sum <"$val")"
  echo "seed $seed threads $threads"
  echo "moegap $(sha256sum <"$moegap")"
} | sha256sum | cut -d' ' -f1)

if [[ -f $dir/summary.json && -f $dir/inputs.stamp && $(cat "$dir/inputs.stamp") == "$stamp" ]]; then
  echo "paper-run: $model seed $seed is up to date ($dir), not trained again"
  grep -E '"best_val_loss"' "$dir/summary.json"
  exit 0
fi
resume=()
if [[ -f $dir/inputs.stamp && $(cat "$dir/inputs.stamp") == "$stamp" ]]; then
  resume=(--resume)
else
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$stamp" >"$dir/inputs.stamp"
fi
exec "$moegap" train --recipe "$recipe" --seed "$seed" --threads "$threads" --out "$dir" "${resume[@]}"
