/* The layers' own threads never change a bit: attention, RoPE, SwiGLU's
 * element-wise passes, RMSNorm's forward and the cross-entropy, each run on one thread and
 * then on two over the same inputs, must give identical outputs and
 * gradients (model/layers/parallel.h). The shapes are small enough that
 * OpenBLAS runs every product on one thread either way, so any difference
 * is the layers' own; their sizes are not multiples of eight, so slices
 * end inside a vector. */
#include "gradcheck.h"
#include "model/model.h"
#include "model/layers/layers.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 3, T = 13, C = 16, NH = 2, HD = C / NH, LANES = 2 };
enum { R = 7, H = 11, N = 37, V = 29 };

typedef struct {
    float *y, *att, *dqkv, *qkv_rot;     /* attention and RoPE */
    float *sw_y, *sw_a, *sw_b, *sw_g, *sw_dx, *sw_dw1, *sw_dw3, *sw_dw2;
    float *probs, *losses;               /* cross-entropy */
    float *norm_y, *norm_rstd;           /* RMSNorm */
    double mean;
} outputs;

static float *filled(size_t n, uint64_t seed)
{
    float *x = calloc(n, sizeof(float));
    if (x && seed)
        gc_fill_normal(x, n, 1.0, seed);
    return x;
}

static void run_layers(outputs *o, int threads)
{
    if (model_threads_set(threads) != MG_OK) {
        printf("FAIL %s\n", error_message());
        exit(1);
    }
    size_t nq = (size_t)B * T * 3 * C;
    float *qkv = filled(nq, 1), *dy = filled((size_t)B * T * C, 2);
    float *cos_t = filled((size_t)T * HD / 2, 0), *sin_t = filled((size_t)T * HD / 2, 0);
    float *datt = filled((size_t)LANES * T * T, 0);
    rope_tables(cos_t, sin_t, T, HD, 10000.0f);
    rope_forward(qkv, B, T, NH, HD, 3 * C, cos_t, sin_t);
    o->qkv_rot = qkv;
    o->y = filled((size_t)B * T * C, 0);
    o->att = filled((size_t)B * NH * T * T, 0);
    o->dqkv = filled(nq, 0);
    attention_forward(o->y, o->att, qkv, B, T, C, NH);
    attention_backward(o->dqkv, datt, LANES, dy, qkv, o->att, B, T, C, NH);
    rope_backward(o->dqkv, B, T, NH, HD, 3 * C, cos_t, sin_t);

    float *x = filled((size_t)R * C, 3), *w1 = filled((size_t)H * C, 4);
    float *w3 = filled((size_t)H * C, 5), *w2 = filled((size_t)C * H, 6);
    float *sdy = filled((size_t)R * C, 7);
    float *dg = filled((size_t)R * H, 0), *da = filled((size_t)R * H, 0);
    float *db = filled((size_t)R * H, 0);
    o->sw_y = filled((size_t)R * C, 0);
    o->sw_a = filled((size_t)R * H, 0);
    o->sw_b = filled((size_t)R * H, 0);
    o->sw_g = filled((size_t)R * H, 0);
    o->sw_dx = filled((size_t)R * C, 0);
    o->sw_dw1 = filled((size_t)H * C, 0);
    o->sw_dw3 = filled((size_t)H * C, 0);
    o->sw_dw2 = filled((size_t)C * H, 0);
    swiglu_forward(o->sw_y, o->sw_a, o->sw_b, o->sw_g, x, w1, w3, w2, R, C, H);
    swiglu_backward(o->sw_dx, o->sw_dw1, o->sw_dw3, o->sw_dw2, dg, da, db, sdy, x, o->sw_a,
                    o->sw_b, o->sw_g, w1, w3, w2, R, C, H);

    uint16_t targets[N];
    for (int n = 0; n < N; n++)
        targets[n] = (uint16_t)((n * 7) % V);
    o->probs = filled((size_t)N * V, 8);
    o->losses = filled(N, 0);
    o->mean = xent_forward(o->losses, o->probs, targets, N, V);
    xent_backward(o->probs, targets, N, V, 1.0f);

    float *nx = filled((size_t)N * C, 9), *ng = filled(C, 10);
    o->norm_y = filled((size_t)N * C, 0);
    o->norm_rstd = filled(N, 0);
    rmsnorm_forward(o->norm_y, o->norm_rstd, nx, ng, N, C, 1e-5f);
    free(nx);
    free(ng);

    free(dy); free(cos_t); free(sin_t); free(datt);
    free(x); free(w1); free(w3); free(w2); free(sdy); free(dg); free(da); free(db);
}

static void free_outputs(outputs *o)
{
    float *all[] = {o->y, o->att, o->dqkv, o->qkv_rot, o->sw_y, o->sw_a, o->sw_b, o->sw_g,
                    o->sw_dx, o->sw_dw1, o->sw_dw3, o->sw_dw2, o->probs, o->losses,
                    o->norm_y, o->norm_rstd};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]);
}

static int same(const char *what, const float *a, const float *b, size_t n)
{
    if (memcmp(a, b, n * sizeof *a) == 0)
        return 0;
    printf("FAIL %s differs between one thread and two\n", what);
    return 1;
}

int main(void)
{
    outputs one, two;
    run_layers(&one, 1);
    run_layers(&two, 2);
    int f = 0;
    f += same("rope forward", one.qkv_rot, two.qkv_rot, (size_t)B * T * 3 * C);
    f += same("attention y", one.y, two.y, (size_t)B * T * C);
    f += same("attention probabilities", one.att, two.att, (size_t)B * NH * T * T);
    f += same("attention + rope dqkv", one.dqkv, two.dqkv, (size_t)B * T * 3 * C);
    f += same("swiglu y", one.sw_y, two.sw_y, (size_t)R * C);
    f += same("swiglu g", one.sw_g, two.sw_g, (size_t)R * H);
    f += same("swiglu dx", one.sw_dx, two.sw_dx, (size_t)R * C);
    f += same("swiglu dw1", one.sw_dw1, two.sw_dw1, (size_t)H * C);
    f += same("swiglu dw3", one.sw_dw3, two.sw_dw3, (size_t)H * C);
    f += same("swiglu dw2", one.sw_dw2, two.sw_dw2, (size_t)C * H);
    f += same("xent losses", one.losses, two.losses, N);
    f += same("xent gradient", one.probs, two.probs, (size_t)N * V);
    f += same("rmsnorm y", one.norm_y, two.norm_y, (size_t)N * C);
    f += same("rmsnorm rstd", one.norm_rstd, two.norm_rstd, N);
    if (one.mean != two.mean) {
        printf("FAIL xent mean differs between one thread and two\n");
        f++;
    }
    free_outputs(&one);
    free_outputs(&two);
    (void)model_threads_set(1);
    printf(f ? "%d FAILED\n" : "PASS\n", f);
    return f != 0;
}
