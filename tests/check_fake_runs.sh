# Fake run folders for the check tests (sourced; needs $src): finished
# runs without training, their metrics and summary written directly.
#   fake_run RUNS MODEL SEED TOTAL ACTIVE LOSS...   eval rows at 100, 200, ...
#   fake_pair RUNS "DENSE_ACTIVE_S1 S2 S3" "MOE4_S1 S2 S3"   two evaluations each

fake_run() {
  local runs=$1 model=$2 seed=$3 total=$4 active=$5
  shift 5
  local dir=$runs/$model-s$seed
  mkdir -p "$dir"
  cp "$src/protocols/tiers/ci/moe4.ini" "$dir/recipe.ini" # its [run] tier = ci
  printf 'kind\tstep\ttokens\tval_ce\n' >"$dir/metrics.tsv"
  local i=0 best= last=
  for l in "$@"; do
    i=$((i + 100))
    printf 'train\t%d\t0\t\neval\t%d\t0\t%s\n' "$i" "$i" "$l" >>"$dir/metrics.tsv"
    last=$l
  done
  best=$(printf '%s\n' "$@" | sort -g | head -1)
  printf '{"best_val_loss": %s, "best_step": 100, "final_val_loss": %s, "params_total": %s, "params_active": %s}\n' \
    "$best" "$last" "$total" "$active" >"$dir/summary.json"
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
