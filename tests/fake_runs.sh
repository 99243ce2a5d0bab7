# Shared by the command-line tests that check fake run folders (sourced
# after cli_lib.sh): the recipe.ini each model's runs hold, as the paper
# label writes them: the ci tier's MoE recipes, and their dense matches
# from the solver, with absolute data paths as a run's resolved recipe has.
#   fake_recipes SOURCE_DIR STEPS   writes $work/recipes/<model>.ini, STEPS steps each,
#                                   evaluated every 100 (the rows fake_run writes)
#   fake_recipe MODEL DIR           copies the model's recipe to DIR/recipe.ini
#   fake_run RUNS MODEL SEED TOTAL ACTIVE LOSS...
#                                   a finished run without training: its
#                                   recipe, eval rows at 100, 200, ... and
#                                   the summary they imply
#   fake_pair RUNS "DENSE_ACTIVE_S1 S2 S3" "MOE4_S1 S2 S3"   two evaluations each
#   fake_provenance DIR SEED [COMMIT]   DIR/provenance.json, every field
#                                   provenance_write writes

fake_recipes() {
  local tier=$1/protocols/tiers/ci out=$work/recipes
  mkdir -p "$out"
  cp "$tier/moe4.ini" "$out/moe4.ini"
  cp "$tier/moe8.ini" "$out/moe8.ini"
  "$moegap" params --recipe "$tier/moe4.ini" --match active --write "$out/dense_active.ini" >/dev/null &&
    "$moegap" params --recipe "$tier/moe4.ini" --match total --write "$out/dense_total.ini" >/dev/null &&
    "$moegap" params --recipe "$tier/moe8.ini" --match total --write "$out/dense8_total.ini" >/dev/null ||
    fail "moegap params --match cannot write the dense recipes"
  sed -i -e "s/^steps = .*/steps = $2/" -e "s/^eval_every = .*/eval_every = 100/" -e "s|^train = .*|train = $work/data/train.tok|" \
    -e "s|^val = .*|val = $work/data/val.tok|" "$out"/*.ini
}

fake_recipe() { cp "$work/recipes/$1.ini" "$2/recipe.ini"; }

fake_run() {
  local runs=$1 model=$2 seed=$3 total=$4 active=$5
  shift 5
  local dir=$runs/$model-s$seed
  mkdir -p "$dir"
  fake_recipe "$model" "$dir"
  printf 'kind\tstep\ttokens\tval_ce\n' >"$dir/metrics.tsv"
  local i=0 best= best_step= last=
  for l in "$@"; do
    i=$((i + 100))
    printf 'train\t%d\t0\t\neval\t%d\t0\t%s\n' "$i" "$i" "$l" >>"$dir/metrics.tsv"
    if [[ -z $best ]] || awk -v a="$l" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$l best_step=$i
    fi
    last=$l
  done
  printf '{"seed": %d, "best_val_loss": %s, "best_step": %d, "final_val_loss": %s, "params_total": %s, "params_active": %s}\n' \
    "$seed" "$best" "$best_step" "$last" "$total" "$active" >"$dir/summary.json"
}

fake_pair() {
  local runs=$1 s=1
  read -ra da <<<"$2"
  read -ra mo <<<"$3"
  for s in 1 2 3; do
    fake_run "$runs" dense_active "$s" 329024 329024 2.0 "${da[s - 1]}"
    fake_run "$runs" moe4 "$s" 525888 329280 2.0 "${mo[s - 1]}"
  done
}

fake_provenance() {
  printf '{"git_commit": "%s", "git_dirty": false, "compiler": "gcc-compatible 12.2.0", "openblas_config": "OpenBLAS 0.3.21 DYNAMIC_ARCH Zen", "openblas_core": "Zen", "openblas_coretype_env": null, "threads": 1, "host": "fake", "seed": %d, "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:01:00Z", "resumed_from_step": -1}\n' \
    "${3:-0000000000000000000000000000000000000000}" "$2" >"$1/provenance.json"
}

# The five models of the paper label with runs that every protocol can
# check (ten evaluations each, so trajectories too; the counts are the ci
# tier's):
#   fake_curve_run RUNS MODEL_INDEX SEED [DELTA]
#       evaluations at 100..1000 that fall like a training curve, each model
#       and seed a little apart; DELTA shifts every loss of the run; the
#       provenance names commit $fake_commit
#   fake_curve_runs RUNS            every model, seeds 1 2 3
#   fake_checks SOURCE_DIR PAPER    every protocol's check of PAPER/runs into
#                                   PAPER/results, as the paper label runs them
fake_models=(dense_active moe4 dense_total moe8 dense8_total)
fake_base=(3.56 3.52 3.49 3.48 3.45)
fake_total=(329024 525888 525632 920128 920384)
fake_active=(329024 329280 525632 330304 920384)
fake_commit=83a69971041fe8503d990793ceec0fd065e0fa42

fake_curve_run() {
  local runs=$1 mi=$2 s=$3 delta=${4:-0}
  local dir=$runs/${fake_models[mi]}-s$s
  mkdir -p "$dir"
  awk -v b="${fake_base[mi]}" -v n="$(((mi * 3 + s * 2) % 5))" -v c="$((mi * 5 + s * (mi % 2)))" \
    -v d="$delta" 'BEGIN {
      printf "kind\tstep\ttokens\tval_ce\n"
      for (t = 100; t <= 1000; t += 100)
        printf "eval\t%d\t0\t%.9f\n", t, b + 0.003 * n + d + (0.3 + 0.002 * c) * sqrt(100 / t)
    }' >"$dir/metrics.tsv"
  local best
  best=$(tail -1 "$dir/metrics.tsv" | cut -f4)
  printf '{"seed": %d, "best_val_loss": %s, "best_step": 1000, "final_val_loss": %s, "params_total": %s, "params_active": %s}\n' \
    "$s" "$best" "$best" "${fake_total[mi]}" "${fake_active[mi]}" >"$dir/summary.json"
  fake_provenance "$dir" "$s" "$fake_commit"
  fake_recipe "${fake_models[mi]}" "$dir"
}

fake_curve_runs() {
  local mi s
  for mi in 0 1 2 3 4; do
    for s in 1 2 3; do fake_curve_run "$1" "$mi" "$s"; done
  done
}

fake_checks() {
  local src=$1 paper=$2 p
  for p in "$src"/protocols/*.ini; do
    "$moegap" check --protocol "$p" --runs "$paper/runs" --reference "$src/reference" \
      --out "$paper/results" --no-figures >/dev/null 2>&1
  done
  [[ -f $paper/results/active_gap.json ]] || fail "no results in $paper/results"
}
