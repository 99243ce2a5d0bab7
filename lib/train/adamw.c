#include "train/adamw.h"
#include "util/error.h"
#include "model/layers/vmath.h"

#include <math.h>
#include <stdlib.h>

int adamw_create(adamw_state *s, const adamw_config *cfg, size_t n)
{
    s->cfg = *cfg;
    s->n = n;
    s->step = 0;
    s->m = calloc(n, sizeof(float));
    s->v = calloc(n, sizeof(float));
    if (!s->m || !s->v) {
        adamw_free(s);
        return error_set(MG_ENOMEM, "out of memory for optimizer state of %zu floats", n);
    }
    return MG_OK;
}

void adamw_free(adamw_state *s)
{
    free(s->m);
    free(s->v);
    s->m = s->v = NULL;
}

double grad_clip_global(float *grads, size_t n, double max_norm)
{
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (double)grads[i] * grads[i];
    double norm = sqrt(ss);
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) {
        float c = (float)coef;
        for (size_t i = 0; i < n; i++)
            grads[i] *= c;
    }
    return norm;
}

VM_CLONES void adamw_step(adamw_state *s, model *m, float lr)
{
    const adamw_config *c = &s->cfg;
    s->step++;
    float bc1 = 1.0f - powf(c->beta1, (float)s->step);
    float bc2_sqrt = sqrtf(1.0f - powf(c->beta2, (float)s->step));
    float step_size = lr / bc1;
    for (int t = 0; t < m->n_tensors; t++) {
        const param_tensor *pt = &m->tensors[t];
        float *p = m->params_block + pt->offset;
        const float *g = m->grads_block + pt->offset;
        float *mm = s->m + pt->offset;
        float *vv = s->v + pt->offset;
        float decay = pt->decay ? 1.0f - lr * c->weight_decay : 1.0f;
        for (size_t i = 0; i < pt->size; i++) {
            mm[i] = c->beta1 * mm[i] + (1.0f - c->beta1) * g[i];
            vv[i] = c->beta2 * vv[i] + (1.0f - c->beta2) * g[i] * g[i];
            float denom = sqrtf(vv[i]) / bc2_sqrt + c->eps;
            p[i] = p[i] * decay - step_size * mm[i] / denom;
        }
    }
}
