#include "layers.h"

#include <math.h>

void rmsnorm_forward(float *y, float *rstd, const float *x, const float *g, int N, int C, float eps)
{
    for (int n = 0; n < N; n++) {
        const float *xn = x + (size_t)n * C;
        float *yn = y + (size_t)n * C;
        float ss = 0.0f;
        for (int c = 0; c < C; c++)
            ss += xn[c] * xn[c];
        float r = 1.0f / sqrtf(ss / C + eps);
        for (int c = 0; c < C; c++)
            yn[c] = xn[c] * r * g[c];
        rstd[n] = r;
    }
}

void rmsnorm_backward(float *dx, float *dg, const float *dy, const float *x, const float *g,
                      const float *rstd, int N, int C)
{
    /* With u = dy * g and xhat = x * rstd:
     *   dx = rstd * (u - xhat * mean(u * xhat)),  dg += dy * xhat. */
    for (int n = 0; n < N; n++) {
        const float *xn = x + (size_t)n * C;
        const float *dyn = dy + (size_t)n * C;
        float *dxn = dx + (size_t)n * C;
        float r = rstd[n];
        float dot = 0.0f;
        for (int c = 0; c < C; c++)
            dot += dyn[c] * g[c] * xn[c] * r;
        dot /= C;
        for (int c = 0; c < C; c++) {
            float xhat = xn[c] * r;
            dg[c] += dyn[c] * xhat;
            dxn[c] += r * (dyn[c] * g[c] - xhat * dot);
        }
    }
}
