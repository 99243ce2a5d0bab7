/* What a check reads from one finished run folder (`moegap train --out`):
 * summary.json (seed, best and final validation loss, parameter counts),
 * the evaluation rows of metrics.tsv (step, val_ce: train/metrics.h),
 * recipe.ini, and the seed and tokenizer hash of provenance.json and
 * checkpoint.bin where the folder has them. A folder without summary.json has not finished: an
 * error naming the folder, never a silent skip.
 *
 * The files must agree with each other and with the folder's name, since a
 * copied or edited folder would otherwise stand in for another run: the
 * seed of every file is the folder's; the parameter counts are the
 * recipe's; the evaluations are the recipe's schedule (every eval_every
 * steps and at the end); the best and final losses are those rows' minimum
 * and last, to the precision the rows print. Each mismatch is an error
 * naming the file, the field and both values. */
#ifndef MOEGAP_RUNRECORD_H
#define MOEGAP_RUNRECORD_H

#include "train/metrics.h"
#include "train/recipe.h"
#include "util/fsutil.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char dir[FS_PATH_MAX];
    double best_val_loss, final_val_loss;
    long best_step;
    long long params_total, params_active;
    long long tokens;     /* tokens trained on; -1 when summary.json lacks it */
    double wall_s;        /* training wall time; NaN when summary.json lacks it */
    char summary_sha256[65]; /* of the summary.json bytes read */
    metrics_evals evals;  /* metrics.tsv's evaluation rows */
    long seed;            /* the folder's, which every file records */
    /* what the weights and the data order were drawn from (provenance.json
     * and checkpoint.bin; the seed where a folder has neither) */
    long long init_seed, data_seed;
    recipe *rec;          /* recipe.ini as read */
    long steps;           /* from recipe.ini */
    long warmup_steps;    /* recipe_warmup_steps() */
    char tier[64];        /* [run] tier of recipe.ini ("" if unset) */
    int has_tokenizer_hash;  /* the folder has a checkpoint.bin */
    uint64_t tokenizer_hash; /* of the token files trained on, from checkpoint.bin */
} run_record;

/* Reads run folder `dir`, which holds the run of `seed`. */
int run_record_load(run_record *r, const char *dir, long seed);
void run_record_free(run_record *r);

/* The last step a run folder's metrics.tsv records so far (0 when it has
 * none yet: no folder, no file, or only the header), read while the run
 * trains: for progress, no judgement of the run. A row that is not
 * complete yet is not read; a row without a step number is an error
 * naming the file and the line. */
int run_record_last_step(const char *dir, long *step);

#endif
