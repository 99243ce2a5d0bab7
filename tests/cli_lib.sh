# Shared by the command-line tests (sourced): a fresh work folder, a
# failure count, and `expect`.
#   cli_setup NAME MOEGAP_EXE WORKDIR   sets $moegap, $work, $fails
#   expect STATUS PATTERN... -- command...
#       the command's exit status, and each extended regex in its output
#   fail MESSAGE
#   cli_finish NAME                      prints the verdict and exits

cli_setup() {
  moegap=$2
  work=$3/$1_$$
  rm -rf "$work"
  mkdir -p "$work"
  fails=0
}

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect() {
  local want=$1 patterns=()
  shift
  while [[ $1 != -- ]]; do patterns+=("$1"); shift; done
  shift
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $want ]]; then
    fail "'$*' exited $status, expected $want"; echo "$out" | head -8
    return
  fi
  for p in "${patterns[@]}"; do
    if [[ -n $p ]] && ! grep -qE -- "$p" <<<"$out"; then
      fail "'$*' output lacks /$p/:"; echo "$out" | head -20
      return
    fi
  done
  echo "ok: $* -> $status"
}

cli_finish() {
  if ((fails)); then echo "$1: FAIL ($fails)"; exit 1; fi
  rm -rf "$work"
  echo "$1: PASS"
}

# tiny_recipe FILE dense|moe STEPS EVAL_EVERY: a model small enough to
# train in seconds, on train.tok and val.tok beside FILE (moegap synth,
# vocabulary 64)
tiny_recipe() {
  local model
  case $2 in
    dense) model=$'d_model = 16\nn_layers = 1\nn_heads = 2\nseq_len = 16\nffn_hidden = 32\n[train]\nbatch_size = 4' ;;
    moe) model=$'d_model = 32\nn_layers = 2\nn_heads = 2\nseq_len = 32\nn_experts = 4\ntop_k = 2\nexpert_hidden = 24\n[train]\nbatch_size = 8' ;;
  esac
  printf '[model]\nvocab_size = 64\n%s\nsteps = %s\neval_every = %s\n[data]\ntrain = train.tok\nval = val.tok\n' \
    "$model" "$3" "$4" >"$1"
}

# metrics_but_timing FILE: a metrics.tsv without tokens/s, the one column
# that differs between identical runs
metrics_but_timing() { cut -f1-8,10- "$1"; }
