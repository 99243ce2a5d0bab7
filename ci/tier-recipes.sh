#!/usr/bin/env bash
# Writes the dense baselines of a tier into OUTDIR, from the width solver
# (never typed by hand): dense_active (MoE-4's active count), dense_total
# (MoE-4's total count), dense8_total (MoE-8's total count); and
# OUTDIR/recipes.tsv naming the recipe of each of the five models.
# usage: ci/tier-recipes.sh MOEGAP_EXE TIER OUTDIR
set -euo pipefail
moegap=$1 tier=$2 out=$3
src=$(cd "$(dirname "$0")/.." && pwd)/protocols/tiers/$tier
[[ -f $src/moe4.ini && -f $src/moe8.ini ]] || { echo "tier-recipes: no tier '$tier' in $src" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
write() {
  "$moegap" params --recipe "$src/$1.ini" --match "$2" --write "$out/$3.ini" >"$out/$3.match.txt"
  echo "$3: $(grep -E '^mismatch|mismatch on' "$out/$3.match.txt" | head -1)" >&2
}
write moe4 active dense_active
write moe4 total dense_total
write moe8 total dense8_total
printf 'model\trecipe\n' >"$out/recipes.tsv.tmp"
for m in dense_active moe4 dense_total moe8 dense8_total; do
  case $m in moe*) f=$src/$m.ini ;; *) f=$out/$m.ini ;; esac
  printf '%s\t%s\n' "$m" "$f" >>"$out/recipes.tsv.tmp"
done
mv "$out/recipes.tsv.tmp" "$out/recipes.tsv"
