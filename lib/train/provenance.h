/* provenance.json: what produced a run — code, compiler, BLAS, machine,
 * times — so results can be traced and compared like for like. */
#ifndef MOEGAP_PROVENANCE_H
#define MOEGAP_PROVENANCE_H

#include "train/train.h"
#include "util/jsonread.h"

/* The current UTC time as ISO 8601 ("2026-11-24T15:04:05Z"). */
void provenance_now(char buf[32]);

/* end may be NULL while the run is going on. */
int provenance_write(const char *path, const train_options *o, const char *start,
                     const char *end, long resumed_from);

/* What decides the bits of a result besides the code: the kernels OpenBLAS
 * picks (its core type, which OPENBLAS_CORETYPE overrides, and its build),
 * the thread count, and the compiler. provenance.json holds these keys at
 * its root, and a baseline (lib/baseline) in its "machine" object, so one
 * reader serves both. */
typedef struct {
    char core[64];         /* openblas_core */
    char coretype_env[64]; /* openblas_coretype_env: OPENBLAS_CORETYPE, "" when unset (null) */
    long long threads;     /* threads: 1..4096 */
    char openblas[256];    /* openblas_config: version and build options */
    char compiler[128];    /* compiler */
} provenance_machine;

/* Reads those five members of the object `obj` at `at`, strictly; an
 * error names the file and the dotted field ("machine.threads"). */
int provenance_machine_read(provenance_machine *m, const jsonread_place *at, json_t *obj);

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
/* The machine fields of a record read back. */
provenance_machine provenance_record_machine(const provenance_record *p);

#endif
