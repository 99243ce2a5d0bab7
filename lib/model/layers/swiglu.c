#include "model/layers/layers.h"

#include "model/layers/vmath.h"

void swiglu_forward(float *y, float *a, float *b, float *g, const float *x,
                    const float *w1, const float *w3, const float *w2, int R, int C, int H)
{
    if (R == 0)
        return;
    matmul_forward(a, x, w1, R, C, H, 0.0f);
    matmul_forward(b, x, w3, R, C, H, 0.0f);
    vm_swiglu(g, a, b, (size_t)R * H);
    matmul_forward(y, g, w2, R, H, C, 0.0f);
}

void swiglu_backward(float *dx, float *dw1, float *dw3, float *dw2,
                     float *dg, float *da, float *db, const float *dy, const float *x,
                     const float *a, const float *b, const float *g,
                     const float *w1, const float *w3, const float *w2, int R, int C, int H)
{
    if (R == 0)
        return;
    size_t n = (size_t)R * H;
    for (size_t i = 0; i < n; i++)
        dg[i] = 0.0f;
    matmul_backward(dg, dw2, dy, g, w2, R, H, C);
    /* silu(a) = a s(a);  silu'(a) = s(a) (1 + a (1 - s(a))) */
    vm_swiglu_backward(da, db, dg, a, b, n);
    matmul_backward(dx, dw1, da, x, w1, R, C, H);
    matmul_backward(dx, dw3, db, x, w3, R, C, H);
}
