#!/usr/bin/env bash
# Submits a tier's plan (moegap plan) to Slurm, as three jobs:
#   data    the tier's token files (ci/paper-data.sh), once;
#   runs    one job array, one task per planned run (ci/slurm-task.sh, which
#           trains through ci/paper-run.sh exactly as the CTest path does),
#           --cpus-per-task the run's OpenBLAS threads, --requeue, the time
#           limit twice the plan's longest run estimate plus ten minutes;
#           after the data job (afterok);
#   checks  every check of the plan and the claims' table
#           (ci/slurm-checks.sh), after every run (afterok).
# Runs survive preemption: SIGTERM makes the trainer save a checkpoint and
# a requeued task goes on from it. Submitting again is how a failed or
# cancelled plan is taken up: finished runs are not trained again (their
# tasks end in a second), interrupted ones resume from their checkpoints.
# `moegap status --tier TIER --runs DIR/runs` says where each run stands.
#
# The source tree, the moegap binary and DIR must be on a file system every
# node sees; the token files land in the source tree's out/data/.
#
# usage: ci/slurm-submit.sh --tier TIER --paper-dir DIR [--seeds LIST]
#                           [--moegap EXE] [--threads N] [--protocols DIR]
#                           [-- SBATCH_OPTION...]
#   --tier TIER       smoke, ci or paper (a folder of protocols/tiers)
#   --paper-dir DIR   where the plan, recipes, runs, results and Slurm logs go
#   --seeds LIST      N or a comma list (default: the tier's)
#   --moegap EXE      the moegap binary (default build/release/moegap)
#   --threads N       OpenBLAS threads per run, its --cpus-per-task (default 1)
#   --protocols DIR   the protocol files (default: the source tree's)
#   -- OPTIONS        passed to every sbatch (a partition, an account, ...)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

tier= paper= seeds=() moegap=$src/build/release/moegap threads=1 protocols=$src/protocols
while (($#)); do
  case $1 in
    --tier | --paper-dir | --seeds | --moegap | --threads | --protocols)
      [[ $# -ge 2 ]] || { echo "slurm-submit: $1 needs a value (see --help)" >&2; exit 2; }
      case $1 in
        --tier) tier=$2 ;;
        --paper-dir) paper=$2 ;;
        --seeds) seeds=(--seeds "$2") ;;
        --moegap) moegap=$2 ;;
        --threads) threads=$2 ;;
        --protocols) protocols=$2 ;;
      esac
      shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "slurm-submit: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
sbatch_opts=("$@")
[[ -n $tier && -n $paper ]] || { echo "slurm-submit: give --tier and --paper-dir (see --help)" >&2; exit 2; }
[[ $threads =~ ^[1-9][0-9]*$ ]] || { echo "slurm-submit: --threads '$threads': expected a positive integer" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "slurm-submit: sbatch not found (Slurm's client)" >&2; exit 1; }

mkdir -p "$paper/slurm"
paper=$(cd "$paper" && pwd)
moegap=$(realpath "$moegap")
protocols=$(cd "$protocols" && pwd)
"$moegap" plan --tier "$tier" "${seeds[@]}" --protocols "$protocols" --reference "$src/reference" \
  --tsv "$paper/plan.tsv" --json "$paper/plan.json" --write-recipes "$paper/recipes"
n=$("$moegap" query --plan "$paper/plan.tsv" --runs | wc -l)
# the array's time limit: its longest run, at the plan's measured speed
# ('-': none measured); awk only does the arithmetic on the values the query read
minutes=$("$moegap" query --plan "$paper/plan.tsv" --runs --get core_hours |
  awk -v t="$threads" '$1 != "-" && $1 > h { h = $1 }
  END { m = h * 60 / t * 2 + 10; printf "%d", m == int(m) ? m : int(m) + 1 }')

stamp=$(date +%Y%m%d-%H%M%S)
data=$(sbatch --parsable -J moegap-data -o "$paper/slurm/data-$stamp.out" "${sbatch_opts[@]}" \
  --wrap "bash '$src/ci/paper-data.sh' '$moegap' '$tier'")
data=${data%%;*}
runs=$(sbatch --parsable -J moegap-runs --array="0-$((n - 1))" --cpus-per-task="$threads" \
  --time="$minutes" --requeue -o "$paper/slurm/run-%A_%a.out" --dependency="afterok:$data" \
  "${sbatch_opts[@]}" "$src/ci/slurm-task.sh" "$src" "$moegap" "$paper" "$threads")
runs=${runs%%;*}
checks=$(sbatch --parsable -J moegap-checks -o "$paper/slurm/checks-$stamp.out" \
  --dependency="afterok:$runs" "${sbatch_opts[@]}" \
  "$src/ci/slurm-checks.sh" "$src" "$moegap" "$paper" "$protocols" "${seeds[@]}")
checks=${checks%%;*}
echo "slurm-submit: tier $tier, $n runs: data job $data, run array $runs (0-$((n - 1)), $threads" \
  "CPU each, $minutes min limit), checks job $checks"
echo "slurm-submit: moegap status --tier $tier --runs $paper/runs --protocols $protocols ${seeds[*]}"
echo "$data $runs $checks" >"$paper/slurm/jobs"
