# Sourced by the tests that run a paper label of their own (a smoke tier,
# or a copy of the protocols with a new claim): the label exactly as the
# build writes it, from the plan (tests/paper/plan_tests.cmake), in a CTest
# folder of the test's.
#
#   paper_ctest DIR MOEGAP_EXE SOURCE_DIR TIER PROTOCOLS_DIR PAPER_DIR [SEEDS]
#       DIR becomes a CTest folder holding the label of TIER's plan over
#       PROTOCOLS_DIR (and SEEDS, as -DMOEGAP_SEEDS takes them; default the
#       tier's), one OpenBLAS thread a run, its runs and results in
#       PAPER_DIR: run it with `ctest --test-dir DIR -L paper [-R ...]`
paper_ctest() {
  local dir=$1 exe=$2 source_dir=$3 tier=$4 protocols=$5 paper=$6 seeds=${7:-}
  mkdir -p "$dir" || return 1
  cmake -DMOEGAP="$exe" -DSOURCE_DIR="$source_dir" -DTIER="$tier" -DSEEDS="$seeds" \
    -DPROTOCOLS="$protocols" -DREFERENCE="$source_dir/reference" -DPAPER_DIR="$paper" \
    -DTHREADS=1 -DOUT="$dir/paper_tests.cmake" -P "$source_dir/tests/paper/plan_tests.cmake" \
    >"$dir/plan_tests.log" 2>&1 || { cat "$dir/plan_tests.log" >&2; return 1; }
  echo 'include(paper_tests.cmake)' >"$dir/CTestTestfile.cmake"
}
