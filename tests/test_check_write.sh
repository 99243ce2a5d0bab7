#!/usr/bin/env bash
# moegap check on a disk that fills up: every file it writes is complete
# or absent, a failure exits 1 naming the file and prints no verdict, and
# the previous result set stays whole (never old and new mixed).
#   fsize: a per-file size limit (ulimit -f, SIGXFSZ ignored: writes fail
#          with EFBIG), swept so that each file large enough to be the
#          first over the limit is; no root needed
#   tmpfs: a tiny tmpfs whose free space is swept page by page, so the
#          failure lands in each file in turn (ENOSPC); root only, else 77
# ASan's reports go to stderr, a pipe here, never to the limited disk.
# usage: test_check_write.sh MOEGAP_EXE WORKDIR SOURCE_DIR fsize|tmpfs
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
mode=$4
cli_setup "check_write_$mode" "$1" "$2"
src=$3
source "$(dirname "$0")/fake_runs.sh"
fake_recipes "$src" 200 # two evaluations; [run] tier = ci
proto=$src/protocols/active_gap.ini
claim=active_gap

# the new result set (PASS) and an old one (CONTRADICTED) of the same claim
fake_pair "$work/pass/runs" "1.655 1.654 1.656" "1.578 1.580 1.577"
fake_pair "$work/contra/runs" "1.578 1.580 1.577" "1.655 1.654 1.656"
check() { "$moegap" check --protocol "$proto" --runs "$@"; }
check "$work/pass/runs" --out "$work/new" >/dev/null 2>&1 || fail "the unlimited check failed"
check "$work/contra/runs" --out "$work/old" >/dev/null 2>&1
[[ -s $work/old/$claim.json ]] || fail "no old set"
figures=0
[[ -s $work/new/${claim}_best.png ]] && figures=1

# in the order check stages and then verifies them
order=("$claim.txt" "$claim.json" "${claim}_curves.tsv" "${claim}_gaps.tsv" "${claim}_best.tsv"
  "$claim.gp")
((figures)) && order+=("$claim.gnuplot.log" "${claim}_curves.pdf" "${claim}_gaps.pdf"
  "${claim}_best.pdf" "${claim}_curves.png" "${claim}_gaps.png" "${claim}_best.png")
[[ $(ls "$work/new" | sort) == $(printf '%s\n' "${order[@]}" | sort) ]] ||
  fail "the new set is not the staged files: $(ls "$work/new")"

complete_figure() {
  case $1 in
  *.pdf) tail -c 16 "$1" | grep -aq '%%EOF' ;;
  *.png) [[ $(tail -c 12 "$1" | od -An -tx1 | tr -d ' \n') == 0000000049454e44ae426082 ]] ;;
  esac
}

# same_set DIR REF: the same files, equal byte for byte; figures of a new
# set differ in their creation dates, so they need only be complete
same_set() {
  local dir=$1 ref=$2 f
  [[ $(ls -A "$dir" | sort) == $(ls -A "$ref" | sort) ]] || {
    echo "$dir holds: $(ls -A "$dir" | tr '\n' ' ')"
    return 1
  }
  for f in $(ls -A "$ref"); do
    if [[ $ref == "$work/new" && $f == *.p[dn][fg] ]]; then
      complete_figure "$dir/$f" || { echo "$f is incomplete"; return 1; }
    else
      cmp -s "$dir/$f" "$ref/$f" || { echo "$f differs from $ref/$f"; return 1; }
    fi
  done
}

declare -A hit
# limited_run LABEL OUT COMMAND-PREFIX...: check into OUT (holding the old
# set) under a limit; sets $named to the file the failure names, if any
limited_run() {
  local label=$1 out=$2 msg status
  named=
  shift 2
  msg=$("$@" "$moegap" check --protocol "$proto" --runs "$work/pass/runs" --out "$out" 2>&1)
  status=$?
  if ((status == 0)); then
    grep -q "exit status 0: PASS" <<<"$msg" || fail "$label: no verdict line"
    same_set "$out" "$work/new" || fail "$label: exit 0 but not the new set"
    return
  fi
  named=$(sed -nE "s|^moegap check: $claim: results not written, no verdict: $out/([^:/]+): .+|\1|p" <<<"$msg")
  if ((status != 1)) || [[ -z $named ]]; then
    fail "$label: exit $status without naming a file:"; echo "$msg" | tail -5
  fi
  grep -qE "^verdict:|exit status" <<<"$msg" && fail "$label: a verdict printed though not written"
  same_set "$out" "$work/old" || fail "$label: exit $status, the old set not intact"
  [[ -n $named ]] && hit[$named]=1
}

fsize_limit() { (ulimit -f "$1" && trap '' XFSZ && exec "${@:2}"); }

if [[ $mode == fsize ]]; then
  # each file's last KiB block, and the first block past it
  sizes=(0)
  for f in "${order[@]}"; do
    s=$(stat -c %s "$work/new/$f")
    ((s)) && sizes+=($(((s - 1) / 1024)) $(((s - 1) / 1024 + 1)))
  done
  for n in $(printf '%s\n' "${sizes[@]}" | sort -nu); do
    # the first file, in staging order, over n KiB is the one to fail
    want=
    for f in "${order[@]}"; do
      if (($(stat -c %s "$work/new/$f") > n * 1024)); then want=$f; break; fi
    done
    rm -rf "$work/out"
    cp -a "$work/old" "$work/out"
    before=$fails
    limited_run "ulimit -f $n" "$work/out" fsize_limit "$n"
    [[ $named == "$want" ]] || fail "ulimit -f $n: failed at '$named', expected '$want'"
    ((fails == before)) && echo "ok: ulimit -f $n -> ${named:-written}"
  done
  ((${#hit[@]} >= 2)) || fail "the sweep failed in only ${!hit[*]}"
  # a rename that fails midway (a folder in the way of the script, renamed
  # after the text, JSON and tables): the whole set goes, old and new
  rm -rf "$work/out"
  cp -a "$work/old" "$work/out"
  rm "$work/out/$claim.gp"
  mkdir -p "$work/out/$claim.gp/in_the_way"
  expect 1 "results not written, no verdict: $work/out/$claim.gp: cannot rename into place" \
    -- "$moegap" check --protocol "$proto" --runs "$work/pass/runs" --out "$work/out"
  [[ $(ls -A "$work/out") == "$claim.gp" ]] || fail "a failed rename left $(ls -A "$work/out")"
  # without gnuplot the old figures no longer plot the set's numbers: gone
  if ((figures)); then
    rm -rf "$work/out"
    cp -a "$work/old" "$work/out"
    expect 0 "gnuplot is not on PATH: no figures" -- env PATH=/nonexistent "$moegap" check \
      --protocol "$proto" --runs "$work/pass/runs" --out "$work/out"
    ls "$work/out" | grep -qE '\.(pdf|png|log)$' && fail "old figures left beside new numbers"
    cmp -s "$work/out/${claim}_best.tsv" "$work/new/${claim}_best.tsv" || fail "no new numbers"
  fi
else
  mnt=$work/mnt
  mkdir -p "$mnt"
  if ((EUID != 0)) || ! mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null; then
    echo "skip: mounting a tmpfs needs root"
    rm -rf "$work"
    exit 77
  fi
  trap 'umount "$mnt" 2>/dev/null' EXIT
  pages=$(du -sk --apparent-size "$work/new" | cut -f1)
  pages=$((pages / 4 + ${#order[@]} + 2))
  for ((k = 0; k <= pages; k++)); do
    rm -rf "$mnt/out"
    mount -o remount,size=4m "$mnt"
    cp -a "$work/old" "$mnt/out"
    used=$(df -k --output=used "$mnt" | tail -1)
    mount -o remount,size=$((used + 4 * k))k "$mnt" || fail "cannot resize the tmpfs"
    before=$fails
    limited_run "$k free pages" "$mnt/out" env
    ((fails == before)) && echo "ok: $k free pages -> ${named:-written}"
    [[ -z $named ]] && break
  done
  [[ -z $named ]] || fail "even $pages free pages were not enough"
  for f in "${order[@]}"; do
    # an empty log takes no page: it cannot be what fills the disk
    [[ -s $work/new/$f && -z ${hit[$f]:-} ]] && fail "no free space made $f fail"
  done
  umount "$mnt"
  trap - EXIT
fi

cli_finish "check_write_$mode"
