/* The batches of a run: the training stream's windows in a seeded order,
 * and the mean loss over a validation stream. */
#ifndef MOEGAP_LOADER_H
#define MOEGAP_LOADER_H

#include "model/model.h"
#include "train/tokens.h"

#include <stddef.h>
#include <stdint.h>

/* Each (B, T+1) window of the training stream once per epoch, in an order
 * drawn from the run's seed. */
typedef struct {
    const token_file *tokens;
    int B, T;
    size_t n_windows;
    size_t *order;
    size_t pos;          /* next window within the epoch */
    uint64_t epoch;
    uint64_t seed;
} batch_loader;

int loader_create(batch_loader *bl, const token_file *tf, int B, int T, uint64_t seed);
void loader_free(batch_loader *bl);
/* Puts the loader where a checkpoint left it. */
void loader_seek(batch_loader *bl, uint64_t epoch, size_t pos);
/* Fills inputs and targets, (B, T) each. */
void loader_next(batch_loader *bl, uint16_t *inputs, uint16_t *targets);

/* Mean cross-entropy over every non-overlapping window of `val`. */
int loader_eval_loss(model *m, const token_file *val, uint16_t *inputs, uint16_t *targets, double *loss);

#endif
