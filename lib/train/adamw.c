#include "train/adamw.h"
#include "util/error.h"
#include "model/layers/parallel.h"
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

/* One step's constants, and the parameter block split into one slice per
 * thread; a slice may cut a tensor anywhere, as every element is updated
 * alone (and the vector and scalar forms of the loop compute the same). */
typedef struct {
    adamw_state *s;
    model *m;
    float lr, bc2_sqrt, step_size;
    int parts;
} adamw_job;

/* Elements [lo, hi) of the parameter block. */
VM_CLONES static void adamw_range(const adamw_job *j, size_t lo, size_t hi)
{
    const adamw_config *c = &j->s->cfg;
    const float bc2_sqrt = j->bc2_sqrt, step_size = j->step_size;
    for (int t = 0; t < j->m->n_tensors; t++) {
        const param_tensor *pt = &j->m->tensors[t];
        size_t a = pt->offset > lo ? pt->offset : lo;
        size_t b = pt->offset + pt->size < hi ? pt->offset + pt->size : hi;
        if (a >= b)
            continue;
        float *p = j->m->params_block + a;
        const float *g = j->m->grads_block + a;
        float *mm = j->s->m + a;
        float *vv = j->s->v + a;
        float decay = pt->decay ? 1.0f - j->lr * c->weight_decay : 1.0f;
        for (size_t i = 0; i < b - a; i++) {
            mm[i] = c->beta1 * mm[i] + (1.0f - c->beta1) * g[i];
            vv[i] = c->beta2 * vv[i] + (1.0f - c->beta2) * g[i] * g[i];
            float denom = sqrtf(vv[i]) / bc2_sqrt + c->eps;
            p[i] = p[i] * decay - step_size * mm[i] / denom;
        }
    }
}

static void adamw_part(void *ctx, int thread, int part)
{
    const adamw_job *j = ctx;
    size_t lo, hi;
    par_slice(j->m->n_params, 8, part, j->parts, &lo, &hi);
    adamw_range(j, lo, hi);
}

void adamw_step(adamw_state *s, model *m, float lr)
{
    const adamw_config *c = &s->cfg;
    s->step++;
    float bc1 = 1.0f - powf(c->beta1, (float)s->step);
    adamw_job j = {.s = s, .m = m, .lr = lr,
                   .bc2_sqrt = sqrtf(1.0f - powf(c->beta2, (float)s->step)),
                   .step_size = lr / bc1, .parts = par_threads()};
    par_for(j.parts, 0, adamw_part, &j);
}
