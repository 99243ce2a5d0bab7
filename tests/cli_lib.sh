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
