#!/bin/bash
# moegap_bench's code path, cheaply: --help, then one step, one repetition,
# with PyTorch's interpreter pointed at nothing (the bench must say so and
# go on). Speeds are never checked: only that every section and the whole
# targets table come out and the command exits 0.
# usage: test_bench_cli.sh MOEGAP_BENCH
set -u
bench=$1
fail() { echo "FAIL: $*"; exit 1; }

"$bench" --help | grep -q -- "--paper" || fail "--help does not describe --paper"
"$bench" --bogus >/dev/null 2>&1 && fail "an unknown option was accepted"

out=$("$bench" --steps 1 --repeats 1 --warmup 0 --threads 1 --rss-steps 1 \
      --torch-python /nonexistent/python3 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "moegap_bench exited $rc"
for want in \
    "this machine's limit, cblas_sgemm 1024x1024x1024" \
    "MFLOP/token" \
    "no PyTorch figures: /nonexistent/python3 is not there" \
    "Two one-thread training processes at once" \
    "Peak memory of a training run" \
    "Targets (the speed issue's" \
    "dense tokens/s vs PyTorch " \
    "dense FLOP/s of the 1024^3 sgemm's" \
    "moe tokens/s vs PyTorch " \
    "moe FLOP/s of the 1024^3 sgemm's" \
    "moe tokens/s vs dense (its active match)" \
    "dense, two processes at once: each vs alone" \
    "moe, two processes at once: each vs alone" \
    "dense peak RSS / floor" \
    "moe peak RSS / floor" \
    "paper MoE-4, two threads / one" \
    "paper dense_total, two threads / one"; do
    grep -qF -- "$want" <<<"$out" || fail "no line with '$want'"
done
# every measured target row ends in met or NOT MET (and whether its bound
# lies below the target)
n=$(grep -cE '^  .*(met|NOT MET(, the bound below it)?)$' <<<"$out")
[ "$n" -ge 7 ] || fail "$n target rows with a verdict, expected at least 7"
# the two shares of the 1024^3 rate carry their bound: the step's own sgemm
# calls alone, a percentage in the bound column
for m in dense moe; do
    grep -qE "^  $m FLOP/s of the 1024\^3 sgemm's +[0-9.]+% +>= [0-9.]+% +[0-9.]+% " <<<"$out" ||
        fail "$m's share of the 1024^3 rate has no bound"
done
echo "PASS"
