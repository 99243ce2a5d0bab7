/* The training loop: a recipe and a seed in, a run folder out.
 *
 * The run folder holds recipe.ini (the resolved recipe), provenance.json
 * (code, compiler, OpenBLAS, threads, host, times), metrics.tsv (one row
 * per step and per evaluation), checkpoint.bin (written at every
 * evaluation, on SIGINT/SIGTERM and at the end) and summary.json (written
 * last and atomically, so its presence means the run finished). One
 * process at a time trains into a folder: it holds DIR/.lock (flock, with
 * its pid) for the whole run. */
#ifndef MOEGAP_TRAIN_H
#define MOEGAP_TRAIN_H

#include "train/recipe.h"
#include "train/tokens.h"

#include <stdint.h>

/* The draws a run makes: `init` seeds the initial weights, `data` the
 * order of the training windows. Both are the run's seed unless set apart,
 * which a variance study does to tell the two sources of spread apart. */
typedef struct {
    uint64_t run, init, data;
} run_seeds;

typedef struct {
    const recipe *recipe;
    uint64_t seed;
    int threads;         /* OpenBLAS threads */
    const char *out_dir; /* NULL: write nothing, only return the result */
    int progress;        /* 0 silent, 1 progress on stderr */
    int resume;          /* go on from out_dir/checkpoint.bin if there is one */
    /* Called after every update with that step's losses (NULL: none);
     * tests use it to compare runs bit for bit. */
    void (*on_step)(void *user, long step, const model_losses *losses);
    void *user;
    /* Train afresh into an out_dir that holds a run, discarding it;
     * without it (or resume) such a folder is refused. */
    int force;
    /* The initial weights' and the data order's seeds; NULL: the seed. */
    const uint64_t *init_seed, *data_seed;
} train_options;

/* The seeds a run draws from under these options. */
run_seeds train_seeds(const train_options *o);

typedef struct {
    double best_val;     /* lowest validation CE over all evaluations */
    long best_step;
    double final_val;
    double wall_s;
    long tokens;         /* training tokens seen */
    size_t n_params;
    long resumed_from;   /* step the run went on from (0: a fresh start) */
} train_result;

/* Trains. Returns MG_EINTR, after writing a checkpoint, when SIGINT or
 * SIGTERM arrived during a run with an out_dir. */
int train_run(const train_options *o, train_result *res);

/* Recomputes the validation loss of a run folder's checkpoint. */
int train_eval_run(const char *run_dir, int threads, double *val_loss, long *step);

#endif
