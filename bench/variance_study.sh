#!/usr/bin/env bash
# The variance study: where the seed-to-seed spread of a tier's best
# validation losses comes from. It crosses initialisation seeds with
# data-order seeds (moegap train --init-seed / --data-seed) for two models,
# trains every cell, and hands the folders to `moegap variance`, which
# splits each model's variance, and the paired gap's, into the weights'
# share, the data order's share and their interaction (a two-way random
# effects ANOVA, Bouthillier et al. 2021).
#
# Floating-point rounding is the third source; it is measured by hand
# (the same cell under other OpenBLAS kernels), never here.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
usage: bench/variance_study.sh [--tier T] [--models A,B] [--init-seeds L] [--data-seeds L]
                               [--out DIR] [-j N]

Trains every (init seed, data seed) cell of two models of a tier and writes
the variance components' table DIR/variance.tsv (moegap variance).

  --tier T        smoke, ci or paper (default ci)
  --models A,B    the two models; the gap is A - B (default moe4,dense_total)
  --init-seeds L  comma-separated (default 1,2,3)
  --data-seeds L  comma-separated (default 1,2,3)
  --out DIR       the study's folder (default build/release/variance-<tier>);
                  runs in DIR/runs/<model>-i<init>-d<data>/, a finished run
                  is not trained again
  -j N            runs at once, one OpenBLAS thread each (default nproc)
  --moegap EXE    the moegap binary (default build/release/moegap)
EOF
}

tier=ci models=moe4,dense_total inits=1,2,3 datas=1,2,3 out='' jobs=$(nproc)
moegap=build/release/moegap
while (($#)); do
  case $1 in
    --tier) tier=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --init-seeds) inits=$2; shift 2 ;;
    --data-seeds) datas=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --moegap) moegap=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "variance_study: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-build/release/variance-$tier}
[[ -x $moegap ]] || { echo "variance_study: $moegap missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

bash ci/paper-data.sh "$moegap" "$tier" >&2
"$moegap" plan --tier "$tier" --write-recipes "$out/recipes" --quiet
mkdir -p "$out/runs"

recipe_of() { "$moegap" query --recipes "$out/recipes/recipes.tsv" --recipe-of "$1"; }

cells=()
IFS=, read -ra model_list <<<"$models"
IFS=, read -ra init_list <<<"$inits"
IFS=, read -ra data_list <<<"$datas"
for m in "${model_list[@]}"; do
  for i in "${init_list[@]}"; do
    for d in "${data_list[@]}"; do
      cells+=("$m $i $d")
    done
  done
done
n=${#cells[@]}
echo "variance_study: $n runs of the $tier tier ($models; init seeds $inits x data seeds $datas), $jobs at once" >&2

# One cell: the run's seed names it (the init seed); both draws are set.
train_cell() {
  local m=$1 i=$2 d=$3 dir=$out/runs/$1-i$2-d$3
  [[ -f $dir/summary.json ]] && return 0
  "$moegap" train --recipe "$(recipe_of "$m")" --seed "$i" --init-seed "$i" --data-seed "$d" \
    --threads 1 --out "$dir" --quiet --resume >/dev/null
}

start=$(date +%s) done_n=0 running=0 failed=0
for cell in "${cells[@]}"; do
  read -r m i d <<<"$cell"
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1)) done_n=$((done_n + 1))
    el=$(($(date +%s) - start))
    echo "variance_study: $done_n/$n runs done, ${el}s elapsed, ETA $((el * (n - done_n) / done_n))s" >&2
  fi
  train_cell "$m" "$i" "$d" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1)) done_n=$((done_n + 1))
  el=$(($(date +%s) - start))
  echo "variance_study: $done_n/$n runs done, ${el}s elapsed, ETA $((el * (n - done_n) / done_n))s" >&2
done
((failed == 0)) || { echo "variance_study: a run failed; rerun to resume it" >&2; exit 1; }

"$moegap" variance --runs "$out/runs" --models "$models" --init-seeds "$inits" \
  --data-seeds "$datas" --tier "$tier" --out "$out/variance.tsv"
echo "variance_study: table in $out/variance.tsv" >&2
