#!/usr/bin/env bash
# Prepares the token files a tier trains on, once: the corpus named by the
# tier's [run] corpus label. brown-1024 is fetched and tokenized here;
# tinystories-4096 needs the user's TinyStories files (README, Corpora).
# usage: ci/paper-data.sh MOEGAP_EXE TIER
set -euo pipefail
moegap=$(realpath "$1") tier=$2
cd "$(dirname "$0")/.."
corpus=$("$moegap" recipe --recipe "protocols/tiers/$tier/moe4.ini" --get run.corpus)
out=out/data/$corpus
if [[ -f $out/corpus.json ]]; then
  echo "paper-data: $out is prepared"
  exit 0
fi
case $corpus in
  brown-1024)
    brown=$(bash ci/fetch-brown.sh)
    "$moegap" prepare --corpus brown --input "$brown" --vocab 1024 --out "$out" ;;
  tinystories-4096)
    train=${MOEGAP_TINYSTORIES_TRAIN:-out/cache/TinyStoriesV2-GPT4-train.txt}
    valid=${MOEGAP_TINYSTORIES_VALID:-out/cache/TinyStoriesV2-GPT4-valid.txt}
    if [[ ! -f $train || ! -f $valid ]]; then
      echo "paper-data: the paper tier needs TinyStories: put TinyStoriesV2-GPT4-train.txt and" >&2
      echo "  -valid.txt in out/cache/ (or set MOEGAP_TINYSTORIES_TRAIN/_VALID); see README.md" >&2
      exit 1
    fi
    "$moegap" prepare --corpus tinystories --input "$train" --val-input "$valid" --vocab 4096 --out "$out" ;;
  *)
    echo "paper-data: no preparation known for corpus '$corpus' (tier $tier)" >&2
    exit 1 ;;
esac
