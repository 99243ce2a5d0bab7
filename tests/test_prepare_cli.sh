#!/usr/bin/env bash
# moegap prepare from the command line: help and misuse, a text corpus with
# an escaped separator and a TinyStories file into token files that train
# accepts, train refusing a validation file from another tokenizer, and a
# failed prepare over a finished folder leaving it unfinished-looking.
# usage: test_prepare_cli.sh MOEGAP_EXE WORKDIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup prepare_cli "$1" "$2"

# stories of words drawn from a small list; $1 picks the list's order so two
# corpora train two different tokenizers
stories() {
  awk -v seed="$1" -v n="$2" -v sep="$3" 'BEGIN {
    split("the cat dog sat on a mat and ran to big red ball Tom Lily happy park tree sun said mom home little bird sang", w, " ")
    srand(seed)
    for (s = 0; s < n; s++) {
      lines = 2 + int(rand() * 3)
      for (l = 0; l < lines; l++) {
        len = 4 + int(rand() * 10); out = ""
        for (i = 0; i < len; i++) out = out (i ? " " : "") w[1 + int(rand() * 24)]
        print out "."
      }
      printf "%s", sep
    }
  }'
}

expect 0 "usage: moegap prepare" -- "$moegap" prepare --help
expect 0 "prepare " -- "$moegap" --help
expect 2 "--corpus is required" -- "$moegap" prepare --input x --out o
expect 2 "corpus 'wiki': expected brown, tinystories or text" -- "$moegap" prepare --corpus wiki --input x --out o
expect 2 "--separator is required" -- "$moegap" prepare --corpus text --input x --out o
expect 2 "Brown has one document per file" -- "$moegap" prepare --corpus brown --input x --out o --separator x
expect 2 "--val-fraction: '1.5' is not a number" -- "$moegap" prepare --corpus brown --input x --out o --val-fraction 1.5
expect 2 "--vocab: expected 260..65536" -- "$moegap" prepare --corpus brown --input x --out o --vocab 100
expect 2 "escape" -- "$moegap" prepare --corpus text --input x --out o --separator '\q'
expect 1 "no/such/folder: cannot open the Brown folder" -- "$moegap" prepare --corpus brown --input no/such/folder --out "$work/x" --cache "$work/cache"

stories 1 300 $'\n' >"$work/a.txt"   # blank line between documents
stories 2 300 $'<|endoftext|>\n' >"$work/b.txt"
expect 0 "300 documents" -- "$moegap" prepare --corpus text --separator '\n\n' --input "$work/a.txt" --out "$work/a" --cache "$work/cache" --vocab 300 --val-fraction 0.2
expect 0 "300 documents" -- "$moegap" prepare --corpus tinystories --input "$work/b.txt" --out "$work/b" --cache "$work/cache" --vocab 300 --val-fraction 0.2
for f in train.tok val.tok tokenizer.model tokenizer.vocab corpus.json; do
  [[ -s $work/a/$f ]] || { echo "FAIL: $work/a lacks $f"; fails=$((fails + 1)); }
done

recipe() { # recipe NAME TRAIN VAL
  cat >"$work/$1.ini" <<INI
[model]
vocab_size = 300
d_model = 16
n_layers = 1
n_heads = 2
seq_len = 16
ffn_hidden = 32
[train]
batch_size = 4
steps = 4
eval_every = 2
[data]
train = $2
val = $3
INI
}
recipe ok a/train.tok a/val.tok
expect 0 "best validation loss" -- "$moegap" train --recipe "$work/ok.ini" --seed 1 --out "$work/run" --quiet
recipe mixed a/train.tok b/val.tok
expect 1 "tokenizer_hash: .*a/train.tok and .*b/val.tok come from different tokenizers" -- "$moegap" train --recipe "$work/mixed.ini" --seed 1 --out "$work/run2" --quiet

# a prepare that fails over a finished folder removes its corpus.json first
expect 1 "Vocabulary size too high" -- "$moegap" prepare --corpus text --separator '\n\n' --input "$work/a.txt" --out "$work/a" --cache "$work/cache" --vocab 5000 --quiet
if [[ -e $work/a/corpus.json ]]; then
  echo "FAIL: a failed prepare left corpus.json"; fails=$((fails + 1))
else
  echo "ok: failed prepare left no corpus.json"
fi

cli_finish test_prepare_cli
