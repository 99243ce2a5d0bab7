#!/usr/bin/env bash
# lib/'s modules link in one direction: no module uses a symbol defined by a
# module above it, and none includes a header from one above it (cli, at the
# top, may use all). The check is run once reversed too, where it must find
# violations, so a checker that sees nothing cannot pass.
# usage: test_layers.sh SOURCE_DIR MODULE=ARCHIVE...   (lowest module first)
set -uo pipefail
src=$1
shift
names=() archives=()
for pair in "$@"; do
  names+=("${pair%%=*}")
  archives+=("${pair#*=}")
done

# violations NAME... : reads names/archives in the given order (indexes)
violations() {
  local order=("$@") n=${#order[@]} i j found=0
  local -A defined_by=()
  for ((j = 0; j < n; j++)); do
    local k=${order[j]}
    while read -r sym; do defined_by[$sym]=$j; done < <(nm -g --defined-only "${archives[k]}" 2>/dev/null |
      awk 'NF == 3 && $2 ~ /[TDBRC]/ { print $3 }')
  done
  for ((i = 0; i < n; i++)); do
    local k=${order[i]} obj=""
    while read -r line; do
      case $line in
        *.o:) obj=${line%:} ;;
        U\ *)
          local sym=${line#U }
          j=${defined_by[$sym]:-}
          if [[ -n $j && $j -gt $i ]]; then
            echo "link: ${names[k]} ($obj) uses $sym, defined by ${names[${order[j]}]} above it"
            found=1
          fi ;;
      esac
    done < <(nm "${archives[k]}" 2>/dev/null | awk '/\.o:$/ { print; next } $1 == "U" { print "U " $2 }')
  done
  for ((i = 0; i < n; i++)); do
    local k=${order[i]}
    for ((j = i + 1; j < n; j++)); do
      local up=${names[${order[j]}]}
      while IFS= read -r hit; do
        echo "include: ${hit#"$src"/} includes a header of $up, above ${names[k]}"
        found=1
      done < <(grep -rHn --include='*.c' --include='*.h' "#include \"$up/" "$src/lib/${names[k]}")
    done
  done
  return $found
}

forward=() backward=()
for ((i = 0; i < ${#names[@]}; i++)); do forward+=("$i"); backward=("$i" "${backward[@]}"); done

if ! out=$(violations "${forward[@]}"); then
  echo "FAIL: lib/ links upward:"
  echo "$out"
  exit 1
fi
if reversed=$(violations "${backward[@]}"); then
  echo "FAIL: the check found nothing with the module order reversed; it cannot see a violation"
  exit 1
fi
echo "ok: ${#names[@]} modules link downward only ($(echo "$reversed" | wc -l) violations found in the reversed order)"
