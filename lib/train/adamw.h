/* AdamW with global gradient-norm clipping. The update is PyTorch's
 * torch.optim.AdamW, term for term, so the parity test can compare
 * trajectories. */
#ifndef MOEGAP_ADAMW_H
#define MOEGAP_ADAMW_H

#include "model/model.h"

typedef struct {
    float beta1, beta2, eps, weight_decay;
} adamw_config;

typedef struct {
    adamw_config cfg;
    size_t n;
    long step;   /* updates taken so far */
    float *m;    /* (n) first moment */
    float *v;    /* (n) second moment */
} adamw_state;

int adamw_create(adamw_state *s, const adamw_config *cfg, size_t n);
void adamw_free(adamw_state *s);

/* Scales the gradients so their global L2 norm is at most max_norm, as
 * torch.nn.utils.clip_grad_norm_; returns the norm before clipping. */
double grad_clip_global(float *grads, size_t n, double max_norm);

/* One update of every tensor of the model at learning rate lr; weight decay
 * only on the tensors marked decay. */
void adamw_step(adamw_state *s, model *m, float lr);

#endif
