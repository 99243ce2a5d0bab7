/* summary.json, the last file a run writes (atomically: its presence means
 * the run finished): the run's best and final validation loss, its counts
 * and its cost. Written by the trainer, read back by the run record. */
#ifndef MOEGAP_SUMMARY_H
#define MOEGAP_SUMMARY_H

#include <stddef.h>

typedef struct {
    long seed;
    int threads;
    double best_val_loss;
    long best_step;
    double final_val_loss;
    long long n_params;      /* floats the model allocates */
    long long params_total;  /* moegap's convention (model/params.h); 0 when not counted */
    long long params_active;
    long long tokens;        /* training tokens seen; -1 when the file has none */
    double wall_s;           /* NaN when the file has none */
    int moe;
} run_summary;

/* Writes DIR/summary.json atomically. */
int run_summary_write(const char *dir, const run_summary *s);

/* Parses the bytes of a summary.json read from `path` (named in every
 * message). Strict: each field the run record needs must be present and
 * in range (a loss finite and >= 0, counts > 0); tokens and wall_s may be
 * missing, and are never negative. threads, n_params and moe are informational and not read. */
int run_summary_parse(const char *path, const char *text, size_t len, run_summary *out);

#endif
