/* provenance.json: what produced a run — code, compiler, BLAS, machine,
 * times — so results can be traced and compared like for like. */
#ifndef MOEGAP_PROVENANCE_H
#define MOEGAP_PROVENANCE_H

#include "moegap/train.h"

/* The current UTC time as ISO 8601 ("2026-11-24T15:04:05Z"). */
void provenance_now(char buf[32]);

/* end may be NULL while the run is going on. */
int provenance_write(const char *path, const train_options *o, const char *start,
                     const char *end, long resumed_from);

#endif
