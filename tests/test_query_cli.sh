#!/usr/bin/env bash
# moegap query: the scripts' one reader of plan.tsv and recipes.tsv. Its
# answers against the plan moegap plan writes (every run's every field in
# the file's order, every check's protocol and runs, every model's recipe);
# its errors on malformed tables, each naming FILE:LINE and the column;
# misuse; and the scripts that ask it (ci/paper-run.sh, ci/slurm-task.sh)
# failing as before on a model or task the plan lacks.
# usage: test_query_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
cli_setup query_cli "$1" "$2"
src=$3
plan=$work/plan.tsv
q() { "$moegap" query "$@"; }

expect 0 "" -- "$moegap" plan --tier ci --tsv "$plan" --write-recipes "$work/recipes" --quiet
[[ -s $plan && -s $work/recipes/recipes.tsv ]] || fail "moegap plan wrote no plan or recipes"

# --- the answers are the plan's ------------------------------------------------
# the oracle: the columns as the writer lays them out (plan.h)
col() { grep "^$1"$'\t' "$plan" | cut -f "$2"; }
same() { # WHAT EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then echo "ok: $1"; else fail "$1: expected"$'\n'"$2"$'\n'"got"$'\n'"$3"; fi
}
same "--runs" "$(col run 2)" "$(q --plan "$plan" --runs)"
same "--runs --get name" "$(col run 2)" "$(q --plan "$plan" --runs --get name)"
i=3
for f in model seed recipe tokens evals core_hours; do
  same "--runs --get $f" "$(col run $i)" "$(q --plan "$plan" --runs --get "$f")"
  i=$((i + 1))
done
same "--checks" "$(col check 2)" "$(q --plan "$plan" --checks)"
[[ $(q --plan "$plan" --runs | wc -l) == 15 && $(q --plan "$plan" --checks | wc -l) == 4 ]] ||
  fail "the ci plan has not 15 runs and 4 checks"
# one run by name and by index (a Slurm array task), in the file's order
mapfile -t names < <(col run 2)
mapfile -t models < <(col run 3)
mapfile -t seeds < <(col run 4)
for i in "${!names[@]}"; do
  [[ $(q --plan "$plan" --run-index "$i" --get model) == "${models[i]}" &&
     $(q --plan "$plan" --run-index "$i" --get seed) == "${seeds[i]}" &&
     $(q --plan "$plan" --run-index "$i") == "${names[i]}" &&
     $(q --plan "$plan" --run "${names[i]}" --get seed) == "${seeds[i]}" ]] ||
    fail "run $i (${names[i]}): the query's model, seed or name is not the plan's"
done
while IFS=$'\t' read -r kind name _ _ proto _ _ _ needs; do
  [[ $kind == check ]] || continue
  same "--check $name --get protocol" "$proto" "$(q --plan "$plan" --check "$name" --get protocol)"
  same "--check $name --get needs" "$needs" "$(q --plan "$plan" --check "$name" --get needs)"
  [[ -f $(q --plan "$plan" --check "$name" --get protocol) ]] || fail "$name: its protocol is no file"
done <"$plan"
expect 0 "^dense_active-s1,dense_active-s2,dense_active-s3,moe4-s1,moe4-s2,moe4-s3$" \
  -- q --plan "$plan" --check active_gap --get needs
while IFS=$'\t' read -r model recipe; do
  [[ $model == model ]] && continue
  same "--recipe-of $model" "$recipe" "$(q --recipes "$work/recipes/recipes.tsv" --recipe-of "$model")"
  [[ -f $recipe ]] || fail "$model: its recipe $recipe is no file"
done <"$work/recipes/recipes.tsv"
# no speed known: '-', as the plan writes it
mkdir -p "$work/ref"
printf 'tier\tmodel\tthreads\ttrain_tokens_per_s\teval_tokens_per_s\tsource\n' >"$work/ref/speed.tsv"
"$moegap" plan --tier ci --reference "$work/ref" --tsv "$work/nospeed.tsv" --quiet
expect 0 "^-$" -- q --plan "$work/nospeed.tsv" --run moe4-s2 --get core_hours

# --- not in the plan -----------------------------------------------------------
expect 1 "plan\.tsv: no run 'moe4-s9' \(--runs lists its 15\)" -- q --plan "$plan" --run moe4-s9
expect 1 "plan\.tsv: no run 15 \(it has 15, from 0\)" -- q --plan "$plan" --run-index 15 --get model
expect 1 "plan\.tsv: no check 'nosuch'" -- q --plan "$plan" --check nosuch
expect 1 "recipes\.tsv: no model 'moe16' \(it names [a-z0-9_, ]*moe4" \
  -- q --recipes "$work/recipes/recipes.tsv" --recipe-of moe16
expect 1 "nosuch\.tsv: cannot open" -- q --plan "$work/nosuch.tsv" --runs

# --- a malformed plan.tsv: FILE:LINE and the column ------------------------------
bad=$work/bad.tsv
# bad_plan SED_SCRIPT PATTERN: the plan edited by sed, and the error it gives
bad_plan() {
  sed "$1" "$plan" >"$bad"
  expect 1 "$2" -- q --plan "$bad" --runs
}
bad_plan '3s/\t-$//' "bad\.tsv:3: not 'kind<TAB>name<TAB>model<TAB>seed<TAB>recipe<TAB>tokens<TAB>evals<TAB>core_hours<TAB>needs': 8 columns, expected 9"
bad_plan '4s/$/\textra/' "bad\.tsv:4: not 'kind<TAB>.*<TAB>needs': more than 9 columns, expected 9"
bad_plan '2s/^run\t\([^\t]*\)\t\([^\t]*\)\t1\t/run\t\1\t\2\tone\t/' "bad\.tsv:2: seed: 'one': expected an integer 1\.\.1000000"
bad_plan '2s/^run\t\([^\t]*\)\t\([^\t]*\)\t1\t/run\t\1\t\2\t-1\t/' "bad\.tsv:2: seed: '-1': expected an integer"
bad_plan '3s/\t7372800\t/\t73728x0\t/' "bad\.tsv:3: tokens: '73728x0': expected an integer"
bad_plan '3s/\t6\t\([0-9.]*\)\t-$/\t6\tfast\t-/' "bad\.tsv:3: core_hours: 'fast': expected a number of hours or '-'"
bad_plan '3s/\t6\t\([0-9.]*\)\t-$/\t6\t-0.5\t-/' "bad\.tsv:3: core_hours: '-0\.5': expected a number"
bad_plan '2s/^run\t[^\t]*\t/run\tmoe4-s7\t/' "bad\.tsv:2: name: 'moe4-s7': expected '[a-z0-9_]+-s1' \(<model>-s<seed>\)"
bad_plan '3s/^run/rum/' "bad\.tsv:3: kind: 'rum': expected run or check"
bad_plan '1s/\tseed\t/\tseeds\t/' "bad\.tsv:1: header: column 4 is 'seeds', expected 'seed'"
bad_plan '$s/\t[^\t]*$/\tmoe4-s1,nosuch-s1/' "bad\.tsv:20: needs: 'nosuch-s1' is no run of the plan"
bad_plan '$s/\t\([^\t]*\)$/\t\1,\1/' "bad\.tsv:20: needs: '[a-z0-9_]+-s1' given twice"
bad_plan '$s/^check\t\([^\t]*\)\t-\t-/check\t\1\tmoe4\t-/' "bad\.tsv:20: model: 'moe4': expected '-' on a check row"
bad_plan '2s/-$/moe4-s1/' "bad\.tsv:2: needs: 'moe4-s1': expected '-' on a run row"
bad_plan '3s/^run\t[^\t]*\t[^\t]*\t/run\tMoe-s1\tMoe\t/' "bad\.tsv:3: model: 'Moe': not a model name"
bad_plan '4{p}' "bad\.tsv:5: name: run '[a-z0-9_]+-s3' given twice \(first on line 4\)"
sed '$d' "$plan" >"$bad"
expect 0 "" -- q --plan "$bad" --runs # one check fewer is a plan all the same
bad_plan '2h;$G' "bad\.tsv:21: kind: a run row after the check rows"
bad_plan '5s/$/\r/' "bad\.tsv:5: a carriage return"
bad_plan '6s/.*//' "bad\.tsv:6: a blank line"
head -c -1 "$plan" >"$bad"
expect 1 "bad\.tsv:20: the last row has no newline \(the file is cut short\)" -- q --plan "$bad" --checks
: >"$bad"
expect 1 "bad\.tsv: empty \(expected the header line\)" -- q --plan "$bad" --runs
# whatever is asked: a malformed row further down fails the query of a run above it
sed '12s/\t6\t/\tsix\t/' "$plan" >"$bad"
expect 1 "bad\.tsv:12: evals: 'six': expected an integer" -- q --plan "$bad" --run-index 0 --get model

# --- a malformed recipes.tsv ----------------------------------------------------------
rt=$work/bad-recipes.tsv
printf 'model\trecipe\nmoe4\n' >"$rt"
expect 1 "bad-recipes\.tsv:2: not 'model<TAB>recipe': 1 column, expected 2" -- q --recipes "$rt" --recipe-of moe4
printf 'model\trecipe\nmoe4\ta.ini\nmoe4\tb.ini\n' >"$rt"
expect 1 "bad-recipes\.tsv:3: model: 'moe4' given twice \(first on line 2\)" -- q --recipes "$rt" --recipe-of moe4
printf 'model\trecipe\nmoe4\t\n' >"$rt"
expect 1 "bad-recipes\.tsv:2: recipe: expected 1\.\.[0-9]+ characters, not 0" -- q --recipes "$rt" --recipe-of moe4
printf 'model\tfile\nmoe4\ta.ini\n' >"$rt"
expect 1 "bad-recipes\.tsv:1: header: column 2 is 'file', expected 'recipe'" -- q --recipes "$rt" --recipe-of moe4
printf 'model\trecipe\nmoe-4\ta.ini\n' >"$rt"
expect 1 "bad-recipes\.tsv:2: model: 'moe-4': not a model name" -- q --recipes "$rt" --recipe-of moe4

# --- misuse ---------------------------------------------------------------------
expect 0 "^usage: moegap query --plan FILE \(--runs \| --checks\)" "--recipe-of MODEL" -- q --help
expect 0 "query +a value of a plan\.tsv or recipes\.tsv" -- "$moegap" --help
expect 2 "give --plan FILE or --recipes FILE \(one\)" -- q --runs
expect 2 "give --plan FILE or --recipes FILE" -- q --plan "$plan" --recipes "$work/recipes/recipes.tsv" --runs
expect 2 "--plan takes one of --runs, --checks, --run, --run-index, --check" -- q --plan "$plan"
expect 2 "--plan takes one of" -- q --plan "$plan" --runs --checks
expect 2 "--recipe-of is for --recipes" -- q --plan "$plan" --recipe-of moe4
expect 2 "--recipes takes --recipe-of MODEL, and nothing else" -- q --recipes "$work/recipes/recipes.tsv" --runs
expect 2 "--get 'needs': not a field of a run" -- q --plan "$plan" --runs --get needs
expect 2 "--get 'seed': not a field of a check \(name, protocol, needs\)" -- q --plan "$plan" --checks --get seed
expect 2 "--get 'colour': not a field of a run" -- q --plan "$plan" --run moe4-s1 --get colour
expect 2 "--run-index" -- q --plan "$plan" --run-index x

# --- the scripts that ask it ------------------------------------------------------
# a model or a task the plan lacks fails them as it did, before any training
mkdir -p "$work/paper"
cp "$plan" "$work/paper/plan.tsv" && cp -r "$work/recipes" "$work/paper/recipes"
expect 1 "paper-run: no recipe for model 'moe16' in .*/recipes/recipes\.tsv" \
  -- bash "$src/ci/paper-run.sh" "$moegap" "$work/paper" moe16 1 1
expect 1 "slurm-task: .*/plan\.tsv has no run 15" \
  -- env SLURM_ARRAY_TASK_ID=15 bash "$src/ci/slurm-task.sh" "$src" "$moegap" "$work/paper" 1

cli_finish query_cli
