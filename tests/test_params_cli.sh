#!/usr/bin/env bash
# moegap params: the ci-tier counts and matches, JSON, a written dense
# recipe that reads back, trains and keeps the MoE recipe's other keys, and
# bad input refused with a message.
# usage: test_params_cli.sh MOEGAP_EXE WORKDIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup params_cli "$1" "$2"
mkdir -p "$work/sub"

# the ci tier: 4 experts of 128, top-2; lb_coef and lr off their defaults
# so the written recipe shows they were carried over
cat >"$work/moe4.ini" <<'INI'
[model]
vocab_size = 1024
d_model = 64
n_layers = 4
n_heads = 4
seq_len = 128
n_experts = 4
top_k = 2
expert_hidden = 128
lb_coef = 0.02
[train]
batch_size = 2
steps = 2
lr = 5e-3
eval_every = 1
[data]
train = train.tok
val = val.tok
INI
sed 's/n_experts = 4/n_experts = 8/' "$work/moe4.ini" >"$work/moe8.ini"
sed -e 's/n_experts = 4/ffn_hidden = 256/' -e '/top_k/d' -e '/expert_hidden/d' \
  "$work/moe4.ini" >"$work/dense.ini"

expect 0 "usage: moegap params" "--match" -- "$moegap" params --help
# total 65536 + 65536 + 576 + 1024 + 4*98304; active has 2 of the 4 experts
expect 0 "router +wr +L\*E\*C +1024 +1024" "experts .* 393216 +196608 +\(98304 per expert, 2 of 4 active\)" \
  "^  all +525888 +329280" "without embedding +460352 +263744" "convention: router included" \
  -- "$moegap" params --recipe "$work/moe4.ini"
expect 0 "moe4.ini: MoE" "dense.ini: dense, ffn_hidden 256" "ffn .* 196608 +196608" "all +328256 +328256" \
  -- "$moegap" params --recipe "$work/moe4.ini" --recipe "$work/dense.ini"
expect 0 "ffn_hidden = 257$" "all +525888 +329280 +329024" \
  "mismatch on active: dense 329024 vs MoE 329280: -256 parameters, -0.0777%" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match active
expect 0 "ffn_hidden = 513$" "all +525888 +329280 +525632" "mismatch on total: .* -0.0487%" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total
expect 0 "ffn_hidden = 1027$" "all +920128 +330304 +920384" "mismatch on total: .* \+0.0278%" \
  -- "$moegap" params --recipe "$work/moe8.ini" --match total
expect 0 "resizing ffn_hidden \(multiple 64\): ffn_hidden = 512$" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --multiple 64
expect 0 "d_model = [0-9]+ \(head size [0-9]*[02468]\), ffn_hidden = 256" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --width d_model
expect 0 '"total": 525888' '"active": 329280' '"dense_count": 329024' '"ffn_hidden": 257' \
  '"convention": "router included' -- "$moegap" params --recipe "$work/moe4.ini" --match active --json
if command -v python3 >/dev/null; then
  if "$moegap" params --recipe "$work/moe4.ini" --recipe "$work/dense.ini" --json |
      python3 -c 'import json, sys; d = json.load(sys.stdin); m = d["models"]
assert [x["total"] for x in m] == [525888, 328256], m
assert m[0]["components"]["router"]["active"] == 1024 and m[1]["components"]["router"]["total"] == 0'; then
    echo "ok: --json parses and holds the counts"
  else
    echo "FAIL: --json output"; fails=$((fails + 1))
  fi
fi

# the written recipe lives in another folder: its data paths must still
# name the MoE's token files, so it trains
"$moegap" synth --out "$work/train.tok" --tokens 20000 --vocab 1024 --seed 1 >/dev/null
"$moegap" synth --out "$work/val.tok" --tokens 4000 --vocab 1024 --seed 1 --part 9 >/dev/null
expect 0 "ffn_hidden = 257$" "wrote .*sub/dense-active.ini" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match active --write "$work/sub/dense-active.ini"
w=$work/sub/dense-active.ini
for line in "ffn_hidden = 257" "n_experts = 0" "top_k = 1" "expert_hidden = 0" "d_model = 64" \
    "vocab_size = 1024" "seq_len = 128" "lb_coef = 0.02" "lr = 0.005" \
    "steps = 2" "batch_size = 2" "train = ../train.tok" "val = ../val.tok" \
    "matched = moe4 active"; do
  grep -qxF "$line" "$w" || { echo "FAIL: $w lacks '$line'"; fails=$((fails + 1)); }
done
ls "$work/sub" | grep -q tmp && { echo "FAIL: a temporary file was left in $work/sub"; fails=$((fails + 1)); }
expect 0 "dense, ffn_hidden 257" "all +329024 +329024" -- "$moegap" params --recipe "$w"
expect 0 "best validation loss" -- "$moegap" train --recipe "$w" --seed 1 --out "$work/run" --quiet
# [run] matched names the MoE by its file name, or as --moe-name says
expect 0 "matched = big4 total" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --write "$work/sub/big.ini" --moe-name big4
grep -qxF "matched = big4 total" "$work/sub/big.ini" || { echo "FAIL: big.ini lacks its matched"; fails=$((fails + 1)); }
expect 1 "'big 4' is not a model name" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --write "$work/sub/x.ini" --moe-name "big 4"
expect 2 "--moe-name applies only with --write" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --moe-name big4

# refused: the words, a dense recipe to match, a zero multiple, --write over the MoE
expect 2 "match target 'biggest': expected 'active' or 'total'" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match biggest
expect 2 "width 'depth': expected 'ffn_hidden' or 'd_model'" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --width depth
expect 1 "dense.ini: the model to match is dense" -- "$moegap" params --recipe "$work/dense.ini" --match total
expect 2 "--multiple 0: expected a width multiple of at least 1" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --multiple 0
expect 2 "apply only with --match" -- "$moegap" params --recipe "$work/moe4.ini" --write "$work/x.ini"
expect 2 "exactly one --recipe" \
  -- "$moegap" params --recipe "$work/moe4.ini" --recipe "$work/moe8.ini" --match total --write "$work/x.ini"
expect 1 "would replace the MoE recipe" \
  -- "$moegap" params --recipe "$work/moe4.ini" --match total --write "$work/moe4.ini"
grep -q "n_experts = 4" "$work/moe4.ini" || { echo "FAIL: moe4.ini was overwritten"; fails=$((fails + 1)); }
expect 2 "--recipe is required" -- "$moegap" params --match total
expect 1 "cannot open recipe" -- "$moegap" params --recipe "$work/none.ini"

cli_finish test_params_cli
