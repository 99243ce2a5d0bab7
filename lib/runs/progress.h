/* How far the paper label's training has got (`moegap progress`): for
 * every (model, seed) run any protocol names, the steps its recipe asks
 * for (PAPER_DIR/recipes/recipes.tsv, moegap plan --write-recipes, read by
 * runs/plan_read.h), the last step its metrics.tsv records and whether its
 * summary.json is written.
 *
 * Runs differ in cost per step (dense_total has more active parameters
 * than dense_active), so the share of the work done weighs each step by
 * the tokens it trains on times the model's active parameters, the
 * quantity the compute of a step grows with. */
#ifndef MOEGAP_PROGRESS_H
#define MOEGAP_PROGRESS_H

#include "runs/protocol.h"

enum { PROGRESS_MAX_RUNS = 1024 };

typedef struct {
    char name[PROTOCOL_NAME_MAX]; /* the model */
    int seed;
    long steps;       /* the recipe's; 0 while recipes.tsv does not name it */
    double step_cost; /* tokens of one step x active parameters */
    long done;        /* the last step metrics.tsv records */
    int finished;     /* summary.json is written */
} progress_run;

typedef struct {
    progress_run runs[PROGRESS_MAX_RUNS];
    int n_runs;
    int have_recipes; /* recipes.tsv is written and names every model */
} progress_state;

/* Reads the current state: the runs of every model protocols_dir/<claim>.ini
 * names, for each of the n seeds (each model and seed once, in the tiers'
 * order of models), the rest from paper_dir. A missing recipes.tsv or run
 * folder is no error: the label has not got there yet. */
int progress_read(progress_state *s, const char *paper_dir, const char *protocols_dir,
                  const int *seeds, int n_seeds);

/* Totals over the runs: finished ones, steps done and asked for, and the
 * work done and asked for (steps x step_cost; the work is 0 while the
 * recipes are not known). */
typedef struct {
    int finished;
    long long steps_done, steps;
    double work_done, work;
} progress_totals;

void progress_sum(const progress_state *s, progress_totals *t);

#endif
