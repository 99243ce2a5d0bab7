#include "model/layers/layers.h"

#include <string.h>

void embedding_forward(float *x, const uint16_t *tok, const float *wte, int N, int C)
{
    for (int n = 0; n < N; n++)
        memcpy(x + (size_t)n * C, wte + (size_t)tok[n] * C, sizeof(float) * C);
}

void embedding_backward(float *dwte, const float *dx, const uint16_t *tok, int N, int C)
{
    /* Tokens in order, so repeated tokens sum in a fixed order. */
    for (int n = 0; n < N; n++) {
        float *row = dwte + (size_t)tok[n] * C;
        const float *d = dx + (size_t)n * C;
        for (int c = 0; c < C; c++)
            row[c] += d[c];
    }
}
