#include "model/layers/layers.h"

#include "model/layers/parallel.h"
#include "model/layers/vmath.h"

#include <string.h>

/* The element-wise passes in one slice per thread (parallel.h). */
typedef struct {
    float *g, *da, *db;
    const float *a, *b, *dg;
    size_t n;
    int parts;
} swiglu_job;

static void gate_slice(void *ctx, int thread, int part)
{
    const swiglu_job *j = ctx;
    size_t lo, hi;
    par_slice(j->n, 8, part, j->parts, &lo, &hi);
    vm_swiglu(j->g + lo, j->a + lo, j->b + lo, hi - lo);
}

static void zero_slice(void *ctx, int thread, int part)
{
    const swiglu_job *j = ctx;
    size_t lo, hi;
    par_slice(j->n, 8, part, j->parts, &lo, &hi);
    memset(j->g + lo, 0, sizeof(float) * (hi - lo));
}

static void gate_backward_slice(void *ctx, int thread, int part)
{
    const swiglu_job *j = ctx;
    size_t lo, hi;
    par_slice(j->n, 8, part, j->parts, &lo, &hi);
    vm_swiglu_backward(j->da + lo, j->db + lo, j->dg + lo, j->a + lo, j->b + lo, hi - lo);
}

void swiglu_forward(float *y, float *a, float *b, float *g, const float *x,
                    const float *w1, const float *w3, const float *w2, int R, int C, int H)
{
    if (R == 0)
        return;
    matmul_forward(a, x, w1, R, C, H, 0.0f);
    matmul_forward(b, x, w3, R, C, H, 0.0f);
    swiglu_job j = {.g = g, .a = a, .b = b, .n = (size_t)R * H, .parts = par_threads()};
    par_for(j.parts, 0, gate_slice, &j);
    matmul_forward(y, g, w2, R, H, C, 0.0f);
}

void swiglu_backward(float *dx, float *dw1, float *dw3, float *dw2,
                     float *dg, float *da, float *db, const float *dy, const float *x,
                     const float *a, const float *b, const float *g,
                     const float *w1, const float *w3, const float *w2, int R, int C, int H)
{
    if (R == 0)
        return;
    swiglu_job j = {.g = dg, .da = da, .db = db, .a = a, .b = b, .dg = dg,
                    .n = (size_t)R * H, .parts = par_threads()};
    par_for(j.parts, 0, zero_slice, &j);
    matmul_backward(dg, dw2, dy, g, w2, R, H, C);
    /* silu(a) = a s(a);  silu'(a) = s(a) (1 + a (1 - s(a))) */
    par_for(j.parts, 0, gate_backward_slice, &j);
    matmul_backward(dx, dw1, da, x, w1, R, C, H);
    matmul_backward(dx, dw3, db, x, w3, R, C, H);
}
