#include "model/layers/layers.h"
#include "model/layers/parallel.h"
#include "model/layers/vmath.h"

#include <math.h>

void rope_tables(float *cos_t, float *sin_t, int T, int hd, float theta)
{
    int half = hd / 2;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < half; i++) {
            /* In double so the tables do not depend on float rounding of t*f. */
            double freq = pow((double)theta, -2.0 * i / hd);
            double angle = t * freq;
            cos_t[t * half + i] = (float)cos(angle);
            sin_t[t * half + i] = (float)sin(angle);
        }
}

/* Rotates every head of every row by +angle (sign 1) or -angle (sign -1). */
VM_CLONES static void rope_rotate(float *x, int B, int T, int NH, int hd, int stride,
                        const float *cos_t, const float *sin_t, float sign)
{
    int half = hd / 2;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *row = x + ((size_t)b * T + t) * stride;
            const float *cs = cos_t + (size_t)t * half;
            const float *sn = sin_t + (size_t)t * half;
            for (int h = 0; h < NH; h++) {
                float *v = row + h * hd;
                for (int i = 0; i < half; i++) {
                    float x0 = v[i], x1 = v[i + half];
                    float s = sign * sn[i];
                    v[i] = x0 * cs[i] - x1 * s;
                    v[i + half] = x0 * s + x1 * cs[i];
                }
            }
        }
}

typedef struct {
    float *x;
    int T, NH, hd, stride;
    const float *cos_t, *sin_t;
    float sign;
} rope_job;

static void rope_sequence(void *ctx, int thread, int b)
{
    const rope_job *j = ctx;
    rope_rotate(j->x + (size_t)b * j->T * j->stride, 1, j->T, j->NH, j->hd, j->stride, j->cos_t,
                j->sin_t, j->sign);
}

/* One sequence per task: rows rotate independently. */
static void rope_apply(float *x, int B, int T, int NH, int hd, int stride,
                       const float *cos_t, const float *sin_t, float sign)
{
    rope_job j = {x, T, NH, hd, stride, cos_t, sin_t, sign};
    par_for(B, 0, rope_sequence, &j);
}

void rope_forward(float *x, int B, int T, int NH, int hd, int stride,
                  const float *cos_t, const float *sin_t)
{
    rope_apply(x, B, T, NH, hd, stride, cos_t, sin_t, 1.0f);
}

void rope_backward(float *dx, int B, int T, int NH, int hd, int stride,
                   const float *cos_t, const float *sin_t)
{
    /* The rotation is orthogonal: its gradient is the inverse rotation. */
    rope_apply(dx, B, T, NH, hd, stride, cos_t, sin_t, -1.0f);
}
