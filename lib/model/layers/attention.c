/* Causal multi-head attention over rotary-embedded q and k.
 *
 * Each (batch, head) pair is three small matrix products on strided views
 * of the packed qkv rows: S = Q K^T / sqrt(hd), P = causal softmax(S),
 * Y = P V. The forward's outputs are zeroed with memset and every product
 * accumulates (beta 1): the same bits as beta 0, without OpenBLAS's slower
 * zeroing. The backward's products accumulate into dqkv, as every layer's
 * backward does (model/layers/layers.h).
 *
 * Heads run in parallel, each on one thread, with OpenBLAS held to one
 * thread meanwhile: OpenBLAS splits products this small (128 x 128 x 16
 * in the ci tier, 256 x 256 x 48 in the paper tier) poorly, and the
 * softmax between them would otherwise run on one thread alone. A head
 * makes the same calls on whichever thread takes it, so the bits do not
 * depend on the thread count; the backward's scratch has a (T,T) slice
 * per thread.
 *
 * Measured and not adopted: skipping the masked half, with the products
 * over blocks of query rows that see keys [0, r1) only. At T = 128 it was
 * slower with blocks of 32 rows (four times the sgemm calls) and, with
 * blocks of 64, 3% faster (dense) and no faster (MoE), within the bench's
 * noise. Its results were bit-identical under OpenBLAS's Cooperlake
 * kernels but not under its Haswell ones, whose sums depend on the
 * product's row count, so it would have moved that kernel set's
 * baseline. */
#include "model/layers/layers.h"
#include "model/layers/parallel.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

typedef struct {
    float *y, *datt_lanes, *dqkv;
    const float *qkv, *att, *dy;
    float *att_out;
    int T, C, NH, hd, ld;
    float scale;
} attention_job;

/* Runs one task per head on at most max_threads threads; OpenBLAS is held
 * to one thread meanwhile when the heads run on more than one. */
static void attention_heads(attention_job *j, int B, int max_threads, par_task_fn fn)
{
    int n = B * j->NH;
    int threads = par_threads();
    threads = max_threads < threads ? max_threads : threads;
    threads = n < threads ? n : threads;
    int blas = openblas_get_num_threads();
    if (threads > 1)
        openblas_set_num_threads(1);
    par_for(n, threads, fn, j);
    if (threads > 1)
        openblas_set_num_threads(blas);
}

static void forward_head(void *ctx, int thread, int bh)
{
    const attention_job *j = ctx;
    const int T = j->T, C = j->C, hd = j->hd, ld = j->ld;
    int b = bh / j->NH, h = bh % j->NH;
    const float *Q = j->qkv + (size_t)b * T * ld + h * hd;
    const float *K = Q + C;
    const float *V = Q + 2 * C;
    float *P = j->att_out + (size_t)bh * T * T;
    float *Y = j->y + (size_t)b * T * C + h * hd;
    /* S (T,T) = scale * Q (T,hd) K^T (hd,T) */
    memset(P, 0, sizeof(float) * T * T);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd,
                j->scale, Q, ld, K, ld, 1.0f, P, T);
    for (int t = 0; t < T; t++) {
        float *row = P + (size_t)t * T;
        softmax_inplace(row, t + 1);
        memset(row + t + 1, 0, sizeof(float) * (T - t - 1));
    }
    /* Y (T,hd) = P (T,T) V (T,hd); masked entries of P are zero */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T,
                1.0f, P, T, V, ld, 1.0f, Y, C);
}

void attention_forward(float *y, float *att, const float *qkv, int B, int T, int C, int NH)
{
    attention_job j = {.y = y, .att_out = att, .qkv = qkv, .T = T, .C = C, .NH = NH,
                       .hd = C / NH, .ld = 3 * C, .scale = 1.0f / sqrtf((float)(C / NH))};
    memset(y, 0, sizeof(float) * (size_t)B * T * C);
    attention_heads(&j, B, PAR_MAX_THREADS, forward_head);
}

static void backward_head(void *ctx, int thread, int bh)
{
    const attention_job *j = ctx;
    const int T = j->T, C = j->C, hd = j->hd, ld = j->ld;
    const float scale = j->scale;
    int b = bh / j->NH, h = bh % j->NH;
    /* this thread's own (T,T) slice of the scratch */
    float *datt = j->datt_lanes + (size_t)thread * T * T;
    const float *Q = j->qkv + (size_t)b * T * ld + h * hd;
    const float *K = Q + C;
    const float *V = Q + 2 * C;
    const float *P = j->att + (size_t)bh * T * T;
    const float *dY = j->dy + (size_t)b * T * C + h * hd;
    float *dQ = j->dqkv + (size_t)b * T * ld + h * hd;
    float *dK = dQ + C;
    float *dV = dQ + 2 * C;
    /* dP (T,T) = dY (T,hd) V^T (hd,T) */
    memset(datt, 0, sizeof(float) * T * T);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd,
                1.0f, dY, C, V, ld, 1.0f, datt, T);
    /* dV (T,hd) = P^T (T,T) dY (T,hd) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T,
                1.0f, P, T, dY, C, 1.0f, dV, ld);
    /* softmax backward, row by row: dS = P * (dP - sum(P * dP)) */
    for (int t = 0; t < T; t++) {
        const float *p = P + (size_t)t * T;
        float *d = datt + (size_t)t * T;
        float dot = 0.0f;
        for (int i = 0; i <= t; i++)
            dot += p[i] * d[i];
        for (int i = 0; i <= t; i++)
            d[i] = p[i] * (d[i] - dot);
        memset(d + t + 1, 0, sizeof(float) * (T - t - 1));
    }
    /* dQ (T,hd) = scale * dS (T,T) K (T,hd) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T,
                scale, datt, T, K, ld, 1.0f, dQ, ld);
    /* dK (T,hd) = scale * dS^T (T,T) Q (T,hd) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T,
                scale, datt, T, Q, ld, 1.0f, dK, ld);
}

void attention_backward(float *dqkv, float *datt_lanes, int lanes, const float *dy,
                        const float *qkv, const float *att, int B, int T, int C, int NH)
{
    attention_job j = {.dqkv = dqkv, .datt_lanes = datt_lanes, .dy = dy, .qkv = qkv,
                       .att = att, .T = T, .C = C, .NH = NH, .hd = C / NH, .ld = 3 * C,
                       .scale = 1.0f / sqrtf((float)(C / NH))};
    attention_heads(&j, B, lanes, backward_head);
}
