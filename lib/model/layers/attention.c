/* Causal multi-head attention over rotary-embedded q and k.
 *
 * Each (batch, head) pair is three small matrix products on strided views
 * of the packed qkv rows: S = Q K^T / sqrt(hd), P = causal softmax(S),
 * Y = P V. The forward's outputs are zeroed with memset and every product
 * accumulates (beta 1): the same bits as beta 0, without OpenBLAS's slower
 * zeroing. The backward's products accumulate into dqkv, as every layer's
 * backward does (model/layers/layers.h).
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

#include <cblas.h>
#include <math.h>
#include <string.h>

void attention_forward(float *y, float *att, const float *qkv, int B, int T, int C, int NH)
{
    int hd = C / NH;
    int ld = 3 * C;
    float scale = 1.0f / sqrtf((float)hd);
    memset(y, 0, sizeof(float) * (size_t)B * T * C);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *Q = qkv + (size_t)b * T * ld + h * hd;
            const float *K = Q + C;
            const float *V = Q + 2 * C;
            float *P = att + ((size_t)b * NH + h) * T * T;
            float *Y = y + (size_t)b * T * C + h * hd;
            /* S (T,T) = scale * Q (T,hd) K^T (hd,T) */
            memset(P, 0, sizeof(float) * T * T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd,
                        scale, Q, ld, K, ld, 1.0f, P, T);
            for (int t = 0; t < T; t++) {
                float *row = P + (size_t)t * T;
                softmax_inplace(row, t + 1);
                memset(row + t + 1, 0, sizeof(float) * (T - t - 1));
            }
            /* Y (T,hd) = P (T,T) V (T,hd); masked entries of P are zero */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T,
                        1.0f, P, T, V, ld, 1.0f, Y, C);
        }
}

void attention_backward(float *dqkv, float *datt, const float *dy, const float *qkv,
                        const float *att, int B, int T, int C, int NH)
{
    int hd = C / NH;
    int ld = 3 * C;
    float scale = 1.0f / sqrtf((float)hd);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *Q = qkv + (size_t)b * T * ld + h * hd;
            const float *K = Q + C;
            const float *V = Q + 2 * C;
            const float *P = att + ((size_t)b * NH + h) * T * T;
            const float *dY = dy + (size_t)b * T * C + h * hd;
            float *dQ = dqkv + (size_t)b * T * ld + h * hd;
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
                for (int j = 0; j <= t; j++)
                    dot += p[j] * d[j];
                for (int j = 0; j <= t; j++)
                    d[j] = p[j] * (d[j] - dot);
                memset(d + t + 1, 0, sizeof(float) * (T - t - 1));
            }
            /* dQ (T,hd) = scale * dS (T,T) K (T,hd) */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T,
                        scale, datt, T, K, ld, 1.0f, dQ, ld);
            /* dK (T,hd) = scale * dS^T (T,T) Q (T,hd) */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T,
                        scale, datt, T, Q, ld, 1.0f, dK, ld);
        }
}
