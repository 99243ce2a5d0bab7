#include "train/loader.h"
#include "util/error.h"
#include "util/rng.h"

#include <stdlib.h>
#include <string.h>

/* The shuffle of each epoch has its own generator, derived from the run's
 * seed and the epoch number, so the data order depends on nothing else. */
static void loader_shuffle(batch_loader *bl)
{
    rng_state r;
    rng_seed(&r, bl->seed * 0x9e3779b97f4a7c15ULL + 0x5ca1ab1eULL + bl->epoch);
    for (size_t i = 0; i < bl->n_windows; i++)
        bl->order[i] = i;
    for (size_t i = bl->n_windows; i > 1; i--) {
        size_t j = (size_t)rng_below(&r, i);
        size_t t = bl->order[i - 1];
        bl->order[i - 1] = bl->order[j];
        bl->order[j] = t;
    }
    bl->pos = 0;
}

int loader_create(batch_loader *bl, const token_file *tf, int B, int T, uint64_t seed)
{
    memset(bl, 0, sizeof *bl);
    bl->tokens = tf;
    bl->B = B;
    bl->T = T;
    bl->seed = seed;
    bl->n_windows = tf->n > 0 ? (tf->n - 1) / (size_t)T : 0;
    if (bl->n_windows < (size_t)B)
        return error_set(MG_EINVAL, "training stream of %zu tokens holds %zu windows of %d+1 "
                         "tokens, fewer than one batch of %d", tf->n, bl->n_windows, T, B);
    bl->order = malloc(sizeof(size_t) * bl->n_windows);
    if (!bl->order)
        return error_set(MG_ENOMEM, "out of memory for the batch loader");
    loader_shuffle(bl);
    return MG_OK;
}

void loader_free(batch_loader *bl)
{
    free(bl->order);
    bl->order = NULL;
}

void loader_seek(batch_loader *bl, uint64_t epoch, size_t pos)
{
    bl->epoch = epoch;
    loader_shuffle(bl);
    bl->pos = pos < bl->n_windows ? pos : bl->n_windows;
}

void loader_next(batch_loader *bl, uint16_t *inputs, uint16_t *targets)
{
    for (int b = 0; b < bl->B; b++) {
        if (bl->pos == bl->n_windows) {
            bl->epoch++;
            loader_shuffle(bl);
        }
        const uint16_t *w = bl->tokens->ids + bl->order[bl->pos++] * (size_t)bl->T;
        memcpy(inputs + (size_t)b * bl->T, w, sizeof(uint16_t) * bl->T);
        memcpy(targets + (size_t)b * bl->T, w + 1, sizeof(uint16_t) * bl->T);
    }
}

int loader_eval_loss(model *m, const token_file *val, uint16_t *inputs, uint16_t *targets, double *loss)
{
    const int T = m->cfg.seq_len, Bmax = m->max_batch;
    size_t n_windows = val->n > 0 ? (val->n - 1) / (size_t)T : 0;
    if (n_windows == 0)
        return error_set(MG_EINVAL, "validation stream of %zu tokens holds no window of %d+1 tokens",
                         val->n, T);
    double sum = 0.0;
    for (size_t w0 = 0; w0 < n_windows; w0 += Bmax) {
        int B = (int)(n_windows - w0 < (size_t)Bmax ? n_windows - w0 : (size_t)Bmax);
        for (int b = 0; b < B; b++) {
            const uint16_t *w = val->ids + (w0 + b) * (size_t)T;
            memcpy(inputs + (size_t)b * T, w, sizeof(uint16_t) * T);
            memcpy(targets + (size_t)b * T, w + 1, sizeof(uint16_t) * T);
        }
        int rc = model_forward(m, inputs, targets, B, T);
        if (rc)
            return rc;
        sum += m->losses.ce * B * T;
    }
    *loss = sum / ((double)n_windows * T);
    return MG_OK;
}
