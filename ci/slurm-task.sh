#!/usr/bin/env bash
# One task of ci/slurm-submit.sh's run array: the run on row
# SLURM_ARRAY_TASK_ID (from 0) of the plan's runs (PAPER_DIR/plan.tsv),
# trained by ci/paper-run.sh, the script the CTest path runs, so the two
# executors give the same results: a finished run is not trained again, an
# interrupted one resumes from its checkpoint. paper-run.sh ends in `exec
# moegap train`, so the SIGTERM of a preemption reaches the trainer.
# usage (by sbatch): ci/slurm-task.sh SOURCE_DIR MOEGAP_EXE PAPER_DIR THREADS
set -euo pipefail
src=$1 moegap=$2 paper=$3 threads=$4
[[ -n ${SLURM_ARRAY_TASK_ID:-} ]] || { echo "slurm-task: not an array task (no SLURM_ARRAY_TASK_ID)" >&2; exit 2; }
model=$("$moegap" query --plan "$paper/plan.tsv" --run-index "$SLURM_ARRAY_TASK_ID" --get model) &&
  seed=$("$moegap" query --plan "$paper/plan.tsv" --run-index "$SLURM_ARRAY_TASK_ID" --get seed) ||
  { echo "slurm-task: $paper/plan.tsv has no run $SLURM_ARRAY_TASK_ID" >&2; exit 1; }
echo "slurm-task: task $SLURM_ARRAY_TASK_ID: $model seed $seed on $(hostname), restart ${SLURM_RESTART_COUNT:-0}"
exec bash "$src/ci/paper-run.sh" "$moegap" "$paper" "$model" "$seed" "$threads"
