/* The one naming rule of a paper dir's runs: the run of MODEL at seed S
 * trains into RUNS/MODEL-sS. The plan, the checks, the freshness test,
 * the baseline, the report and progress all find runs through it. */
#ifndef MOEGAP_RUNNAME_H
#define MOEGAP_RUNNAME_H

#include <stddef.h>

/* "MODEL-sSEED" into dst[n]; MG_EINVAL when it does not fit. */
int runname_format(char *dst, size_t n, const char *model, int seed);
/* "RUNS_DIR/MODEL-sSEED" into dst[n]; MG_EINVAL when it does not fit. */
int runname_dir(char *dst, size_t n, const char *runs_dir, const char *model, int seed);

#endif
