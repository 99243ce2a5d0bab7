# The paper label's CTest tests, from the plan (moegap plan): the
# protocols and the tier define the runs and the checks, and this script
# only turns the plan's table into tests. It runs at build time (the plan
# needs the moegap binary), and writes a file that CTest includes
# (TEST_INCLUDE_FILES, tests/paper/CMakeLists.txt), in CTest's own syntax.
#
#   paper_data              the tier's token files (ci/paper-data.sh)
#   paper_recipes           the plan's recipes in PAPER_DIR/recipes (moegap plan
#                           --write-recipes), with the plan as PAPER_DIR/plan.tsv;
#                           it fails when that plan is not the one these tests
#                           were made from (a protocol edited since the build)
#   paper_train_MODEL_sSEED one per run of the plan (ci/paper-run.sh), COST
#                           its estimated core-hours, so the longest start first
#   paper_check_NAME        one per check, after exactly the runs it needs
#                           (fixtures); its outcome is the verdict: PASS passed,
#                           CONTRADICTED failed, INCONCLUSIVE (exit 77) skipped
#
# usage: cmake -DMOEGAP=EXE -DSOURCE_DIR=DIR -DTIER=T -DSEEDS=LIST
#              -DPROTOCOLS=DIR -DREFERENCE=DIR -DPAPER_DIR=DIR -DTHREADS=N
#              -DOUT=FILE -P plan_tests.cmake
# SEEDS may be empty (the tier's). OUT.plan.tsv keeps the plan itself.
cmake_minimum_required(VERSION 3.25)
foreach(v MOEGAP SOURCE_DIR TIER PROTOCOLS REFERENCE PAPER_DIR THREADS OUT)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "plan_tests.cmake: -D${v}= is required")
  endif()
endforeach()

set(plan_args plan --tier ${TIER} --protocols ${PROTOCOLS} --reference ${REFERENCE})
if(NOT "${SEEDS}" STREQUAL "")
  list(APPEND plan_args --seeds ${SEEDS})
endif()
set(plan_tsv ${OUT}.plan.tsv)
execute_process(COMMAND ${MOEGAP} ${plan_args} --tsv ${plan_tsv} --quiet
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "plan_tests.cmake: moegap plan --tier ${TIER} failed (${rc}); its error is above")
endif()

# a CTest argument, quoted so that any path survives
function(ctest_arg out value)
  set(${out} "[==[${value}]==]" PARENT_SCOPE)
endfunction()
function(ctest_command out)
  set(words "")
  foreach(a IN LISTS ARGN)
    ctest_arg(q "${a}")
    string(APPEND words " ${q}")
  endforeach()
  set(${out} "${words}" PARENT_SCOPE)
endfunction()

# whole seconds of a decimal number of hours (CMake's math has integers only)
function(hours_to_seconds out hours)
  if(NOT hours MATCHES "^([0-9]+)(\\.([0-9]*))?$")
    message(FATAL_ERROR "plan_tests.cmake: core_hours '${hours}' is not a number")
  endif()
  set(whole ${CMAKE_MATCH_1})
  string(SUBSTRING "${CMAKE_MATCH_3}0000" 0 4 frac)
  math(EXPR s "(${whole} * 10000 + 1${frac} - 10000) * 3600 / 10000")
  set(${out} ${s} PARENT_SCOPE)
endfunction()

set(text "# Written by tests/paper/plan_tests.cmake from moegap plan --tier ${TIER}; do not edit.\n")
function(emit_test name props)
  ctest_command(cmd ${ARGN})
  string(APPEND text "add_test([==[${name}]==]${cmd})\n")
  string(APPEND text "set_tests_properties([==[${name}]==] PROPERTIES LABELS paper ${props})\n")
  set(text "${text}" PARENT_SCOPE)
endfunction()

emit_test(paper_data "FIXTURES_SETUP paper_data"
  bash ${SOURCE_DIR}/ci/paper-data.sh ${MOEGAP} ${TIER})
# the recipes are written where the runs read them, and the plan beside
# them must be the one these tests came from: the same runs, recipes and
# checks (the cost columns differ once paper_data has written the
# validation file, whose size the evaluations' cost comes from); no
# semicolons in this script, which CMake would split as a list
set(recipes_sh [=[set -e
mkdir -p "$2"
"$1" "${@:5}" --write-recipes "$2/recipes" --tsv "$2/plan.tsv" --quiet
plan_id() { # EXE PLAN: what a plan runs and checks, through its one reader
  for f in name recipe
  do "$1" query --plan "$2" --runs --get $f || return
  done
  for f in name protocol needs
  do "$1" query --plan "$2" --checks --get $f || return
  done
}
written=$(plan_id "$1" "$2/plan.tsv")
built=$(plan_id "$1" "$3")
if [[ $written != "$built" ]]
then
  echo "paper_recipes: the plan in $2/plan.tsv is not the one of these tests ($3): the protocols or the tier changed since the build: build again (cmake --build) to plan anew" >&2
  exit 1
fi
echo "paper_recipes: the $4 tier's recipes in $2/recipes (recipes.tsv names them)"]=])
emit_test(paper_recipes "FIXTURES_SETUP paper_recipes"
  bash -c "${recipes_sh}" paper_recipes ${MOEGAP} ${PAPER_DIR} ${plan_tsv} ${TIER} ${plan_args})

# plan_field(VAR WHAT FIELD): FIELD of every run (WHAT --runs) or check
# (--checks) of the plan, as a list, read by moegap query, the plan's one
# strict reader
function(plan_field var what field)
  execute_process(COMMAND ${MOEGAP} query --plan ${plan_tsv} ${what} --get ${field}
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "plan_tests.cmake: moegap query --plan ${plan_tsv} ${what} --get ${field} failed (${rc}): ${err}")
  endif()
  string(STRIP "${out}" out)
  string(REPLACE "\n" ";" out "${out}")
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

plan_field(run_names --runs name)
plan_field(run_models --runs model)
plan_field(run_seeds --runs seed)
plan_field(run_hours --runs core_hours)
plan_field(check_names --checks name)
plan_field(check_protocols --checks protocol)
plan_field(check_needs --checks needs)
list(LENGTH run_names nruns)
list(LENGTH check_names nchecks)
if(nruns EQUAL 0)
  message(FATAL_ERROR "plan_tests.cmake: ${plan_tsv}: the plan has no runs")
endif()

set(seeds ${run_seeds})
list(REMOVE_DUPLICATES seeds)
list(JOIN seeds "," seed_arg)
math(EXPR last "${nruns} - 1")
foreach(i RANGE ${last})
  list(GET run_names ${i} name)
  list(GET run_models ${i} model)
  list(GET run_seeds ${i} seed)
  list(GET run_hours ${i} hours)
  # CTest starts the costliest first; a run of unmeasured speed gets the
  # time limit of an hour, any other four times its estimate and ten minutes
  if(hours STREQUAL "-")
    set(cost 1)
    set(timeout 3600)
  else()
    set(cost ${hours})
    hours_to_seconds(seconds "${hours}")
    math(EXPR timeout "${seconds} * 4 / ${THREADS} + 600")
  endif()
  emit_test(paper_train_${model}_s${seed}
    "FIXTURES_REQUIRED [==[paper_data;paper_recipes]==] FIXTURES_SETUP [==[run_${name}]==] COST ${cost} TIMEOUT ${timeout} PROCESSORS ${THREADS}"
    bash ${SOURCE_DIR}/ci/paper-run.sh ${MOEGAP} ${PAPER_DIR} ${model} ${seed} ${THREADS})
endforeach()
if(nchecks GREATER 0)
  math(EXPR last "${nchecks} - 1")
  foreach(i RANGE ${last})
    list(GET check_names ${i} name)
    list(GET check_protocols ${i} protocol)
    list(GET check_needs ${i} needs)
    string(REPLACE "," ";" needs "${needs}")
    list(TRANSFORM needs PREPEND run_)
    emit_test(paper_check_${name}
      "FIXTURES_REQUIRED [==[${needs}]==] SKIP_RETURN_CODE 77"
      ${MOEGAP} check --protocol ${protocol} --runs ${PAPER_DIR}/runs --seeds ${seed_arg}
      --reference ${REFERENCE} --out ${PAPER_DIR}/results)
  endforeach()
endif()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
message(STATUS "Paper label: ${nruns} runs and ${nchecks} checks of the ${TIER} tier, seeds ${seed_arg} (moegap plan)")
