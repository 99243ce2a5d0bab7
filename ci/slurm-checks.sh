#!/usr/bin/env bash
# The checks job of ci/slurm-submit.sh: every check of the plan
# (PAPER_DIR/plan.tsv) over PAPER_DIR/runs, as the paper label runs them,
# each result into PAPER_DIR/results/, then the claims' table. A verdict is
# a finding, not a failure: the job fails (exit 1) only when a check errs
# (it writes no result), or the table cannot be made.
# usage (by sbatch): ci/slurm-checks.sh SOURCE_DIR MOEGAP_EXE PAPER_DIR PROTOCOLS_DIR [--seeds LIST]
set -uo pipefail
src=$1 moegap=$2 paper=$3 protocols=$4
shift 4
mkdir -p "$paper/results"
status=0
# the plan unreadable: no check can run, and the job fails (the table is still made)
names=()
if checks=$("$moegap" query --plan "$paper/plan.tsv" --checks); then
  [[ -z $checks ]] || mapfile -t names <<<"$checks"
else
  status=1
fi
for name in "${names[@]}"; do
  proto=$("$moegap" query --plan "$paper/plan.tsv" --check "$name" --get protocol) || { status=1; continue; }
  # a check that errs must show as missing, not as the result of an earlier one
  rm -f "$paper/results/$name.json"
  "$moegap" check --protocol "$proto" --runs "$paper/runs" "$@" --reference "$src/reference" \
    --out "$paper/results"
  rc=$?
  if [[ ! -f $paper/results/$name.json ]] || ((rc != 0 && rc != 1 && rc != 77)); then
    echo "slurm-checks: $name: the check erred (exit $rc)" >&2
    status=1
  fi
done
"$moegap" claims --paper-dir "$paper" --protocols "$protocols" --reference "$src/reference" || status=1
exit "$status"
