/* provenance.json: what produced a run — code, compiler, BLAS, machine,
 * times — so results can be traced and compared like for like. */
#ifndef MOEGAP_PROVENANCE_H
#define MOEGAP_PROVENANCE_H

#include "train/train.h"

/* The current UTC time as ISO 8601 ("2026-11-24T15:04:05Z"). */
void provenance_now(char buf[32]);

/* end may be NULL while the run is going on. */
int provenance_write(const char *path, const train_options *o, const char *start,
                     const char *end, long resumed_from);

/* provenance.json as read back: every field provenance_write writes. */
typedef struct {
    char commit[64];
    int dirty;             /* 1, 0, or -1: null (not built from a git tree) */
    char compiler[128];
    char openblas[256];    /* openblas_config: version and build options */
    char core[64];         /* openblas_core */
    char coretype_env[64]; /* OPENBLAS_CORETYPE, "" when unset (null) */
    long long threads;
    char host[128];
    long long seed;
    long long init_seed, data_seed; /* the seed's, where the file names none */
    char start[32];
    char end[32];          /* "" while the run is going on (null) */
    long long resumed_from;
} provenance_record;

/* The one reader of provenance.json, strict: duplicate keys, a missing
 * field or one of another type is an error naming the file and the field. */
int provenance_read(const char *path, provenance_record *p);

#endif
