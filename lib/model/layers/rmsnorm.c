#include "model/layers/layers.h"
#include "model/layers/parallel.h"
#include "model/layers/vmath.h"

#include <math.h>

/* sum of a[c] * b[c] in eight interleaved partial sums: a fixed order that
 * vectorises, where one running sum would be a serial chain */
static inline float dot8(const float *a, const float *b, int C)
{
    float acc[8] = {0};
    int c = 0;
    for (; c + 8 <= C; c += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[c + k] * b[c + k];
    for (; c < C; c++)
        acc[0] += a[c] * b[c];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

typedef struct {
    float *y, *rstd;
    const float *x, *g;
    int N, C, parts;
    float eps;
} rmsnorm_job;

/* Rows [n0, n1), each normalised alone. */
VM_CLONES static void forward_rows(const rmsnorm_job *j, int n0, int n1)
{
    float *y = j->y, *rstd = j->rstd;
    const float *x = j->x, *g = j->g;
    const int C = j->C;
    const float eps = j->eps;
    for (int n = n0; n < n1; n++) {
        const float *xn = x + (size_t)n * C;
        float *yn = y + (size_t)n * C;
        float r = 1.0f / sqrtf(dot8(xn, xn, C) / C + eps);
        for (int c = 0; c < C; c++)
            yn[c] = xn[c] * r * g[c];
        rstd[n] = r;
    }
}

static void forward_part(void *ctx, int thread, int part)
{
    const rmsnorm_job *j = ctx;
    size_t lo, hi;
    par_slice((size_t)j->N, 1, part, j->parts, &lo, &hi);
    forward_rows(j, (int)lo, (int)hi);
}

void rmsnorm_forward(float *y, float *rstd, const float *x, const float *g, int N, int C,
                     float eps)
{
    rmsnorm_job j = {y, rstd, x, g, N, C, par_threads(), eps};
    par_for(j.parts, 0, forward_part, &j);
}

VM_CLONES void rmsnorm_backward(float *dx, float *dg, const float *dy, const float *x,
                                const float *g, const float *rstd, int N, int C)
{
    /* With u = dy * g and xhat = x * rstd:
     *   dx = rstd * (u - xhat * mean(u * xhat)),  dg += dy * xhat. */
    for (int n = 0; n < N; n++) {
        const float *xn = x + (size_t)n * C;
        const float *dyn = dy + (size_t)n * C;
        float *dxn = dx + (size_t)n * C;
        float r = rstd[n];
        float acc[8] = {0};
        int c = 0;
        for (; c + 8 <= C; c += 8)
            for (int k = 0; k < 8; k++)
                acc[k] += dyn[c + k] * g[c + k] * xn[c + k];
        for (; c < C; c++)
            acc[0] += dyn[c] * g[c] * xn[c];
        float dot = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        dot = dot * r / C;
        for (c = 0; c < C; c++) {
            float xhat = xn[c] * r;
            dg[c] += dyn[c] * xhat;
            dxn[c] += r * (dyn[c] * g[c] - xhat * dot);
        }
    }
}
