/* What a check reads from one finished run folder (`moegap train --out`):
 * summary.json (best and final validation loss, parameter counts), the
 * evaluation rows of metrics.tsv (step, val_ce) and, when asked (a
 * trajectory's schedule, a listing's tier), recipe.ini. A folder without summary.json has not
 * finished: an error naming the folder, never a silent skip. */
#ifndef MOEGAP_RUNRECORD_H
#define MOEGAP_RUNRECORD_H

#include <stddef.h>

typedef struct {
    char dir[4096];
    double best_val_loss, final_val_loss;
    long best_step;
    long long params_total, params_active;
    long long tokens;     /* tokens trained on; -1 when summary.json lacks it */
    double wall_s;        /* training wall time; NaN when summary.json lacks it */
    char summary_sha256[65]; /* of the summary.json bytes read */
    size_t n_evals;
    long *eval_step;      /* increasing */
    double *eval_loss;    /* val_ce at eval_step[i] */
    long steps;           /* from recipe.ini, when read */
    long warmup_steps;    /* recipe_warmup_steps(), when read */
    char tier[64];        /* [run] tier of recipe.ini, when read ("" if unset) */
} run_record;

/* Reads run folder `dir`; with need_recipe, recipe.ini too. */
int run_record_load(run_record *r, const char *dir, int need_recipe);
void run_record_free(run_record *r);

#endif
