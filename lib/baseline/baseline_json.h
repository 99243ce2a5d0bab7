/* Shared by the baseline's reader and the collector of the runs' origin:
 * a run's provenance.json and a baseline's "machine" object name the
 * machine with the same keys. */
#ifndef MOEGAP_BASELINE_JSON_H
#define MOEGAP_BASELINE_JSON_H

#include "baseline/baseline.h"

#include "util/jsonread.h"

/* Reads openblas_core, openblas_coretype_env (or null), threads,
 * openblas_config and compiler from the object at `at`. */
int baseline_machine_read(baseline_machine *m, const json_place *at, json_t *obj);

#endif
