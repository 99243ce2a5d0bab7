#!/usr/bin/env bash
# The moegap command: help, argument errors, bad input named by file, line
# and field, and a run folder that only looks finished when it is.
# usage: test_cli.sh MOEGAP_EXE WORKDIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup cli "$1" "$2"

expect 0 "usage: moegap <command>" -- "$moegap" --help
expect 2 "usage" -- "$moegap"
expect 2 "unknown command 'fly'" -- "$moegap" fly
expect 0 "usage: moegap train" -- "$moegap" train --help
expect 0 "usage: moegap synth" -- "$moegap" synth --help
expect 2 "required" -- "$moegap" train --recipe x.ini
expect 2 "--seed: 'abc' is not an integer" -- "$moegap" train --recipe x.ini --seed abc --out o
expect 2 "--threads" -- "$moegap" train --recipe x.ini --seed 1 --out o --threads 0
expect 2 "unknown option '--bogus'" -- "$moegap" train --bogus
expect 2 "--out needs a value" -- "$moegap" train --recipe x.ini --seed 1 --out
# a repeated option is refused, not silently overridden by its last value
expect 2 "--recipe given twice" -- "$moegap" train --recipe a.ini --recipe b.ini --seed 1 --out o
expect 2 "--seed given twice" -- "$moegap" train --recipe a.ini --seed 1 --seed 2 --out o
expect 2 "--quiet given twice" -- "$moegap" train --recipe a.ini --seed 1 --out o --quiet --quiet
expect 2 "--protocol given twice" -- "$moegap" check --protocol a.ini --protocol b.ini --runs r

expect 0 "" -- "$moegap" synth --out "$work/train.tok" --tokens 30000 --vocab 64 --seed 3
expect 0 "" -- "$moegap" synth --out "$work/val.tok" --tokens 3000 --vocab 64 --seed 3 --part 10
expect 2 "--vocab: expected 8..65536" -- "$moegap" synth --out "$work/x.tok" --tokens 10 --vocab 4

tiny_recipe "$work/ok.ini" dense 10 5
expect 0 "best validation loss" -- "$moegap" train --recipe "$work/ok.ini" --seed 1 --out "$work/run" --quiet
for f in recipe.ini metrics.tsv summary.json; do
  [[ -s $work/run/$f ]] || { echo "FAIL: run folder lacks $f"; fails=$((fails + 1)); }
done
# --init-seed and --data-seed: equal to the seed they change nothing; set
# apart they are recorded, and a resume under other ones is refused
expect 0 "best validation loss" -- "$moegap" train --recipe "$work/ok.ini" --seed 1 --init-seed 1 --data-seed 1 --out "$work/same" --quiet
cmp -s <(metrics_but_timing "$work/run/metrics.tsv") <(metrics_but_timing "$work/same/metrics.tsv") ||
  fail "--init-seed 1 --data-seed 1 trained other losses than --seed 1"
expect 0 "best validation loss" -- "$moegap" train --recipe "$work/ok.ini" --seed 1 --init-seed 5 --out "$work/init5" --quiet
cmp -s <(metrics_but_timing "$work/run/metrics.tsv") <(metrics_but_timing "$work/init5/metrics.tsv") &&
  fail "--init-seed 5 trained the same losses as --seed 1"
grep -q '"init_seed": 5,' "$work/init5/provenance.json" && grep -q '"data_seed": 1,' "$work/init5/provenance.json" ||
  fail "provenance.json does not name init_seed 5 and data_seed 1"
expect 2 "--init-seed: " -- "$moegap" train --recipe "$work/ok.ini" --seed 1 --init-seed -1 --out "$work/r2"
sed 's/steps = 10/steps = 1000000/' "$work/ok.ini" >"$work/split-long.ini"
"$moegap" train --recipe "$work/split-long.ini" --seed 1 --init-seed 5 --out "$work/split" --quiet &
pid=$!
for _ in $(seq 200); do [[ -e $work/split/checkpoint.bin ]] && break; sleep 0.1; done
kill -TERM $pid; wait $pid 2>/dev/null
expect 1 "init_seed: the checkpoint's weights were drawn from seed 5, not 6" -- \
  "$moegap" train --recipe "$work/split-long.ini" --seed 1 --init-seed 6 --out "$work/split" --resume
expect 1 "data_seed: the checkpoint's data order was drawn from seed 1, not 2" -- \
  "$moegap" train --recipe "$work/split-long.ini" --seed 1 --init-seed 5 --data-seed 2 --out "$work/split" --resume
rows=$(grep -c '^train' "$work/run/metrics.tsv")
evals=$(grep -c '^eval' "$work/run/metrics.tsv")
[[ $rows -eq 10 && $evals -eq 2 ]] || { echo "FAIL: metrics.tsv has $rows train and $evals eval rows, expected 10 and 2"; fails=$((fails + 1)); }

sed 's/n_heads = 2/n_heads = 2\nwidth = 9/' "$work/ok.ini" >"$work/unknown.ini"
expect 1 "unknown.ini:6: \[model\] width: unknown key" -- "$moegap" train --recipe "$work/unknown.ini" --seed 1 --out "$work/r2"
sed 's/steps = 10/steps = -4/' "$work/ok.ini" >"$work/neg.ini"
expect 1 "neg.ini:10: \[train\] steps: -4 is out of range" -- "$moegap" train --recipe "$work/neg.ini" --seed 1 --out "$work/r2"
sed 's/vocab_size = 64/vocab_size = 100/' "$work/ok.ini" >"$work/vocab.ini"
expect 1 "vocab_size: the recipe says 100 but .*train.tok has 64" -- "$moegap" train --recipe "$work/vocab.ini" --seed 1 --out "$work/r2"
sed 's/train = train.tok/train = missing.tok/' "$work/ok.ini" >"$work/missing.ini"
expect 1 "missing.tok: cannot open" -- "$moegap" train --recipe "$work/missing.ini" --seed 1 --out "$work/r2"
printf 'not a token file at all, long enough to hold a header' >"$work/junk.tok"
sed 's/val = val.tok/val = junk.tok/' "$work/ok.ini" >"$work/junk.ini"
expect 1 "junk.tok: magic" -- "$moegap" train --recipe "$work/junk.ini" --seed 1 --out "$work/r2"
# a run killed mid-way over a finished one leaves no summary that looks finished
sed 's/steps = 10/steps = 1000000/' "$work/ok.ini" >"$work/long.ini"
"$moegap" train --recipe "$work/long.ini" --seed 1 --out "$work/run" --quiet --force &
pid=$!
for _ in $(seq 100); do
  (( $(grep -c '^train' "$work/run/metrics.tsv" 2>/dev/null || echo 0) > 20 )) && break
  sleep 0.1
done
kill -9 $pid; wait $pid 2>/dev/null
if [[ -e $work/run/summary.json ]]; then
  echo "FAIL: a killed run left summary.json"; fails=$((fails + 1))
else
  echo "ok: killed run left no summary.json"
fi

# lines are read whole: a long comment's tail is no key, a long path works,
# a line past the limit is refused by file and line
long=$(printf 'x%.0s' $(seq 300))
sed "2i ; $long colour = blue" "$work/ok.ini" >"$work/longcomment.ini"
expect 0 "best validation loss" -- "$moegap" train --recipe "$work/longcomment.ini" --seed 1 --out "$work/r3" --quiet
deep=$work/$(printf 'd%.0s' $(seq 120))/$(printf 'e%.0s' $(seq 120))
mkdir -p "$deep" && cp "$work/train.tok" "$deep/"
sed "s|train = train.tok|train = $deep/train.tok|" "$work/ok.ini" >"$work/longpath.ini"
expect 0 "best validation loss" -- "$moegap" train --recipe "$work/longpath.ini" --seed 1 --out "$work/r4" --quiet
sed "2i ; $(printf 'y%.0s' $(seq 8200))" "$work/ok.ini" >"$work/overlong.ini"
expect 1 "overlong.ini:2: line 2 is longer than 8192 characters" -- "$moegap" train --recipe "$work/overlong.ini" --seed 1 --out "$work/r2"
# the first error is the one reported, at its line
sed -e 's/d_model = 16/d_modle = 16/' -e 's/steps = 10/steps = -5/' "$work/ok.ini" >"$work/two.ini"
expect 1 "two.ini:3: \[model\] d_modle: unknown key" -- "$moegap" train --recipe "$work/two.ini" --seed 1 --out "$work/r2"
sed '/^\[model\]/d' "$work/ok.ini" >"$work/nosection.ini"
expect 1 "nosection.ini:1: vocab_size: key outside any section" -- "$moegap" train --recipe "$work/nosection.ini" --seed 1 --out "$work/r2"
sed '/^train =/d' "$work/ok.ini" >"$work/notrain.ini"
expect 1 "notrain.ini: \[data\] train is required" -- "$moegap" train --recipe "$work/notrain.ini" --seed 1 --out "$work/r2"
sed '/^seq_len/d' "$work/ok.ini" >"$work/noseq.ini"
expect 1 "noseq.ini: \[model\] seq_len is required" -- "$moegap" train --recipe "$work/noseq.ini" --seed 1 --out "$work/r2"
sed 's/seq_len = 16/seq_len = 65536/' "$work/ok.ini" >"$work/huge.ini"
expect 1 "huge.ini: \[model\] seq_len = 65536.*GiB.*expected at most" -- "$moegap" train --recipe "$work/huge.ini" --seed 1 --out "$work/r2"
# only regular files are read; a fifo is refused, not waited on
mkfifo "$work/fifo.ini" "$work/fifo.tok"
expect 1 "fifo.ini: not a regular file \(a fifo\)" -- timeout 10 "$moegap" train --recipe "$work/fifo.ini" --seed 1 --out "$work/r2"
sed 's/val = val.tok/val = fifo.tok/' "$work/ok.ini" >"$work/fifodata.ini"
expect 1 "fifo.tok: not a regular file \(a fifo\)" -- timeout 10 "$moegap" train --recipe "$work/fifodata.ini" --seed 1 --out "$work/r2"
expect 1 "not a regular file \(a directory\)" -- timeout 10 "$moegap" train --recipe "$work" --seed 1 --out "$work/r2"
sed "s|val = val.tok|val = $work|" "$work/ok.ini" >"$work/dirdata.ini"
expect 1 "not a regular file \(a directory\)" -- timeout 10 "$moegap" train --recipe "$work/dirdata.ini" --seed 1 --out "$work/r2"
sed 's|val = val.tok|val = /dev/zero|' "$work/ok.ini" >"$work/devdata.ini"
expect 1 "/dev/zero: not a regular file \(a device\)" -- timeout 10 "$moegap" train --recipe "$work/devdata.ini" --seed 1 --out "$work/r2"

# moegap recipe: the library's reading of a recipe, for scripts
expect 0 "^$work/val\.tok$" -- "$moegap" recipe --recipe "$work/ok.ini" --get data.val
expect 0 "^32$" -- "$moegap" recipe --recipe "$work/ok.ini" --get model.ffn_hidden
expect 0 "^$" -- "$moegap" recipe --recipe "$work/ok.ini" --get run.corpus
expect 0 "^\[train\]$" "^lr = 0\.003$" "^train = $work/train\.tok$" -- "$moegap" recipe --recipe "$work/ok.ini"
expect 1 "--get 'data\.nope': no such key" -- "$moegap" recipe --recipe "$work/ok.ini" --get data.nope
expect 1 "--get 'data': no such key" -- "$moegap" recipe --recipe "$work/ok.ini" --get data
printf '[model]\nd_model = wide\n' >"$work/badrecipe.ini"
expect 1 "badrecipe\.ini:2: \[model\] d_model" -- "$moegap" recipe --recipe "$work/badrecipe.ini" --get data.train
expect 2 "--recipe" -- "$moegap" recipe --get data.train
expect 0 "^usage: moegap recipe --recipe FILE" -- "$moegap" recipe --help

cli_finish test_cli
