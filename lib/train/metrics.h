/* metrics.tsv of a run folder: what the trainer logs as it goes, written
 * here and read back here.
 *
 * Tab-separated, one header line, then one row per training step and one
 * per evaluation, in the order they happened. The columns:
 *
 *   kind          "train" or "eval"
 *   step          the step just taken, from 1
 *   tokens        training tokens seen up to that step
 *   lr            the step's learning rate (%.6g)           train rows only
 *   train_ce      the batch's cross-entropy (%.6f)          train rows only
 *   lb_loss       load-balancing loss (%.6g)                train rows only
 *   z_loss        router z-loss (%.6g)                      train rows only
 *   grad_norm     global gradient norm before clipping (%.6g)
 *                                                           train rows only
 *   tokens_per_s  the step's throughput (%.1f; wall clock)  train rows only
 *   val_ce        validation cross-entropy (%.6f)           eval rows only
 *   load_lL_eE    for a mixture-of-experts model, one column per layer L
 *                 and expert E: that expert's share of the batch's
 *                 assignments (%.4f)                        train rows only
 *
 * A field a row has no value for is empty. A resumed run truncates the
 * file to its checkpoint's step and appends, so an evaluation at that step
 * may appear twice; the later row stands. */
#ifndef MOEGAP_METRICS_H
#define MOEGAP_METRICS_H

#include "model/model.h"

#include <stddef.h>
#include <stdio.h>

void metrics_header(FILE *f, const model *m);
void metrics_train_row(FILE *f, const model *m, long step, long tokens, float lr, double gnorm,
                       double tps);
void metrics_eval_row(FILE *f, const model *m, long step, long tokens, double val);

/* Rewrites `path` (atomically) with its header and the complete rows of
 * steps up to `step`, for a run going on from its checkpoint at `step`. */
int metrics_truncate(const char *path, long step);

/* The evaluation rows of a finished run's metrics.tsv. */
typedef struct {
    long *step;           /* increasing; a step logged twice is kept once, the later row's */
    double *loss;         /* val_ce at step[i] */
    size_t n;
    double val_half_unit; /* half the last printed digit of val_ce, the coarsest row's */
} metrics_evals;

/* Strict: the header must name kind, step and val_ce; every eval row needs
 * a step number >= 1 and a finite val_ce, steps never go down, and there
 * is at least one eval row. Each refusal names PATH (and the line). */
int metrics_read_evals(const char *path, metrics_evals *out);
void metrics_evals_free(metrics_evals *e);

/* The last step the file records so far, read while the run trains: 0 when
 * there is no file yet or only the header. A last line without its newline
 * is still being written and is not read; a row without a step number is
 * an error naming the file and the line. */
int metrics_last_step(const char *path, long *step);

#endif
