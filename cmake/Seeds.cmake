# The seeds of the paper label at configure time, before the moegap binary
# exists to read them: a list of seeds checked by the rules lib/tier.c
# keeps (tier_seeds_parse), and a tier's default read from the one
# `seeds =` line of protocols/tiers/<tier>/tier.ini by a strict regex.
# Anything the regex does not take fails configuration rather than being
# read otherwise than lib reads it; tests/test_tier_seeds.sh holds the two
# readings equal for every tier (and tests/test_seeds_cmake.sh these
# functions' errors).

# The bounds, from the headers that define them, so there is one number.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../lib/include/moegap/protocol.h _moegap_max
  REGEX "PROTOCOL_MAX_SEEDS = [0-9]+")
string(REGEX MATCH "[0-9]+" MOEGAP_MAX_SEEDS "${_moegap_max}")
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../lib/include/moegap/tier.h _moegap_max
  REGEX "TIER_SEED_MAX = [0-9]+")
string(REGEX MATCH "[0-9]+" MOEGAP_SEED_MAX "${_moegap_max}")
if(NOT MOEGAP_MAX_SEEDS OR NOT MOEGAP_SEED_MAX)
  message(FATAL_ERROR "cmake/Seeds.cmake: PROTOCOL_MAX_SEEDS or TIER_SEED_MAX not found in lib/include/moegap/")
endif()

# moegap_seeds_parse(TEXT WHAT OUT): TEXT is N (the seeds 1..N), seeds
# separated by commas, or a CMake list (1;2;5). OUT: the seeds as a CMake
# list. A bad value fails configuration, naming WHAT.
function(moegap_seeds_parse text what out)
  set(rules "each seed an integer 1..${MOEGAP_SEED_MAX}, distinct, 2..${MOEGAP_MAX_SEEDS} of them (a paired t-test needs 2)")
  string(REPLACE ";" "," t "${text}")
  string(STRIP "${t}" t)
  if(NOT t MATCHES "^[0-9]+([ \t]*,[ \t]*[0-9]+)*$")
    message(FATAL_ERROR "${what} = '${text}': expected N (the seeds 1..N), seeds separated by commas (1,2,5) or a CMake list (1;2;5); ${rules}")
  endif()
  string(REGEX REPLACE "[ \t]" "" t "${t}")
  string(REPLACE "," ";" items "${t}")
  list(LENGTH items n)
  if(n GREATER MOEGAP_MAX_SEEDS)
    message(FATAL_ERROR "${what} = '${text}': ${n} seeds, more than ${MOEGAP_MAX_SEEDS}")
  endif()
  set(seeds "")
  foreach(item IN LISTS items)
    string(LENGTH "${item}" len)
    # lib reads at most 7 digits; math() would overflow sooner or later
    if(len GREATER 7)
      message(FATAL_ERROR "${what} = '${text}': '${item}' is not a seed; ${rules}")
    endif()
    math(EXPR v "${item}")
    list(APPEND seeds ${v})
  endforeach()
  if(n EQUAL 1)
    # N alone: the seeds 1..N
    if(v LESS 2 OR v GREATER MOEGAP_MAX_SEEDS)
      message(FATAL_ERROR "${what} = '${text}': the seeds 1..${v}: expected 2..${MOEGAP_MAX_SEEDS} of them (a paired t-test needs at least 2)")
    endif()
    set(seeds "")
    foreach(s RANGE 1 ${v})
      list(APPEND seeds ${s})
    endforeach()
  endif()
  foreach(s IN LISTS seeds)
    if(s LESS 1 OR s GREATER MOEGAP_SEED_MAX)
      message(FATAL_ERROR "${what} = '${text}': seed ${s} is not in 1..${MOEGAP_SEED_MAX}")
    endif()
  endforeach()
  set(seen "")
  foreach(s IN LISTS seeds)
    if(s IN_LIST seen)
      message(FATAL_ERROR "${what} = '${text}': seed ${s} is listed twice")
    endif()
    list(APPEND seen ${s})
  endforeach()
  set(${out} "${seeds}" PARENT_SCOPE)
endfunction()

# moegap_tier_seeds(DIR OUT): the seeds of DIR/tier.ini, whose every line
# that lib would read as the seeds key must be exactly one `seeds = LIST`.
function(moegap_tier_seeds dir out)
  set(file ${dir}/tier.ini)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "${file}: no such file (a tier folder holds tier.ini with [tier] seeds)")
  endif()
  # file(STRINGS) escapes a ';' inside a line, so a line stays one item
  file(STRINGS ${file} lines REGEX "^[ \t]*seeds[ \t]*[=:]")
  list(LENGTH lines n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${file}: ${n} 'seeds =' lines, expected exactly one ([tier] seeds = 1, 2, 3)")
  endif()
  list(GET lines 0 line)
  if(NOT line MATCHES "^seeds = ([0-9][0-9, \t]*)$")
    message(FATAL_ERROR "${file}: '${line}': configuration reads the seeds line only as 'seeds = N' or 'seeds = A, B, C' (no comment after it, no other spelling)")
  endif()
  moegap_seeds_parse("${CMAKE_MATCH_1}" "${file}: [tier] seeds" seeds)
  set(${out} "${seeds}" PARENT_SCOPE)
endfunction()
