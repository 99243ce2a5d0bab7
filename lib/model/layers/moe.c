/* Mixtral-style routed experts, dropless.
 *
 * Router: logits = x Wr^T; probs = softmax(logits) feed the auxiliary
 * losses. Each token takes its K largest logits (ties go to the lower
 * expert index), and the gates are the softmax of those K logits.
 * Tokens are grouped by expert (in token order within an expert, so the
 * grouping is deterministic), each expert runs its SwiGLU as one set of
 * sgemm calls on its rows, and the outputs are summed back per token,
 * weighted by the gates.
 *
 * Auxiliary losses of one layer, N tokens:
 *   lb = lb_coef * E * sum_i f_i P_i,  f_i = share of the N*K assignments
 *        that went to expert i (constant under differentiation), P_i = mean
 *        router probability of expert i;
 *   z  = z_coef * mean_n logsumexp(logits_n)^2. */
#include "model/layers/layers.h"
#include "model/layers/moe_limits.h"

#include <string.h>
#include <math.h>

/* Indices of the K largest values of l[0..E), best first. */
static void moe_top_k(int *choice, const float *l, int E, int K)
{
    for (int j = 0; j < K; j++) {
        int best = -1;
        for (int e = 0; e < E; e++) {
            int taken = 0;
            for (int i = 0; i < j; i++)
                taken |= choice[i] == e;
            if (!taken && (best < 0 || l[e] > l[best]))
                best = e;
        }
        choice[j] = best;
    }
}

void moe_forward(float *out, double *lb, double *z, double *load, moe_acts *A,
                 const moe_weights *W, const float *x, const moe_shape *s)
{
    const int N = s->N, C = s->C, E = s->E, K = s->K, H = s->H;
    int count[MOE_MAX_EXPERTS] = {0};

    /* router: logits (N,E) = x (N,C) Wr^T */
    matmul_forward(A->logits, x, W->wr, N, C, E, 0.0f);
    for (int n = 0; n < N; n++) {
        const float *l = A->logits + (size_t)n * E;
        float *p = A->probs + (size_t)n * E;
        memcpy(p, l, sizeof(float) * E);
        A->lse[n] = softmax_inplace(p, E);

        int *ch = A->choice + (size_t)n * K;
        float *gt = A->gate + (size_t)n * K;
        moe_top_k(ch, l, E, K);
        for (int j = 0; j < K; j++)
            gt[j] = l[ch[j]];
        softmax_inplace(gt, K);
        for (int j = 0; j < K; j++)
            count[ch[j]]++;
    }

    /* group the N*K (token, expert) assignments by expert */
    A->expert_off[0] = 0;
    for (int e = 0; e < E; e++)
        A->expert_off[e + 1] = A->expert_off[e] + count[e];
    int cursor[MOE_MAX_EXPERTS];
    memcpy(cursor, A->expert_off, sizeof(int) * E);
    for (int n = 0; n < N; n++)
        for (int j = 0; j < K; j++) {
            int row = cursor[A->choice[(size_t)n * K + j]]++;
            A->slot[(size_t)n * K + j] = row;
            memcpy(A->x + (size_t)row * C, x + (size_t)n * C, sizeof(float) * C);
        }

    for (int e = 0; e < E; e++) {
        size_t r0 = (size_t)A->expert_off[e];
        int Re = count[e];
        swiglu_forward(A->y + r0 * C, A->a + r0 * H, A->b + r0 * H, A->g + r0 * H,
                       A->x + r0 * C, W->w1 + (size_t)e * H * C, W->w3 + (size_t)e * H * C,
                       W->w2 + (size_t)e * C * H, Re, C, H);
    }

    /* out[n] = sum_j gate[n,j] * y[slot[n,j]] */
    for (int n = 0; n < N; n++) {
        float *o = out + (size_t)n * C;
        memset(o, 0, sizeof(float) * C);
        for (int j = 0; j < K; j++) {
            float gj = A->gate[(size_t)n * K + j];
            const float *y = A->y + (size_t)A->slot[(size_t)n * K + j] * C;
            for (int c = 0; c < C; c++)
                o[c] += gj * y[c];
        }
    }

    double P[MOE_MAX_EXPERTS] = {0};
    double zsum = 0.0;
    for (int n = 0; n < N; n++) {
        for (int e = 0; e < E; e++)
            P[e] += A->probs[(size_t)n * E + e];
        zsum += (double)A->lse[n] * A->lse[n];
    }
    double dot = 0.0;
    for (int e = 0; e < E; e++) {
        load[e] = (double)count[e] / ((double)N * K);
        dot += load[e] * (P[e] / N);
    }
    *lb = s->lb_coef * E * dot;
    *z = s->z_coef * zsum / N;
}

void moe_backward(float *dx, moe_weights *dW, moe_scratch *S, const float *dout,
                  float dlb, float dz, const moe_acts *A, const moe_weights *W,
                  const float *x, const moe_shape *s)
{
    const int N = s->N, C = s->C, E = s->E, K = s->K, H = s->H;
    const size_t R = (size_t)N * K;

    /* d(lb)/d(probs[n,e]) is the same for every token */
    float dprob[MOE_MAX_EXPERTS];
    for (int e = 0; e < E; e++) {
        int count = A->expert_off[e + 1] - A->expert_off[e];
        double f = (double)count / (double)R;
        dprob[e] = (float)(dlb * s->lb_coef * E * f / N);
    }

    for (int n = 0; n < N; n++) {
        const float *dn = dout + (size_t)n * C;
        const int *ch = A->choice + (size_t)n * K;
        const int *sl = A->slot + (size_t)n * K;
        const float *gt = A->gate + (size_t)n * K;
        float *dl = S->dlogits + (size_t)n * E;

        /* gating: out = sum_j g_j y_j */
        float dgate[MOE_MAX_TOP_K];
        float gdot = 0.0f;
        for (int j = 0; j < K; j++) {
            const float *y = A->y + (size_t)sl[j] * C;
            float *dy = S->dy + (size_t)sl[j] * C;
            float d = 0.0f;
            for (int c = 0; c < C; c++) {
                d += dn[c] * y[c];
                dy[c] = gt[j] * dn[c];
            }
            dgate[j] = d;
            gdot += gt[j] * d;
        }

        /* router probabilities: load balance and z-loss, through the softmax */
        const float *p = A->probs + (size_t)n * E;
        float pdot = 0.0f;
        for (int e = 0; e < E; e++)
            pdot += p[e] * dprob[e];
        float zg = (float)(dz * s->z_coef * 2.0 * A->lse[n] / N);
        for (int e = 0; e < E; e++)
            dl[e] = p[e] * (dprob[e] - pdot) + zg * p[e];

        /* gate softmax over the chosen logits */
        for (int j = 0; j < K; j++)
            dl[ch[j]] += gt[j] * (dgate[j] - gdot);
    }

    memset(S->dx, 0, sizeof(float) * R * C);
    for (int e = 0; e < E; e++) {
        size_t r0 = (size_t)A->expert_off[e];
        int Re = A->expert_off[e + 1] - A->expert_off[e];
        size_t wo = (size_t)e * H * C;
        swiglu_backward(S->dx + r0 * C, dW->w1 + wo, dW->w3 + wo, dW->w2 + wo,
                        S->dg + r0 * H, S->da + r0 * H, S->db + r0 * H,
                        S->dy + r0 * C, A->x + r0 * C, A->a + r0 * H, A->b + r0 * H,
                        A->g + r0 * H, W->w1 + wo, W->w3 + wo, W->w2 + wo, Re, C, H);
    }

    /* ungroup: each token sums the input gradients of its K rows */
    for (int n = 0; n < N; n++) {
        float *d = dx + (size_t)n * C;
        for (int j = 0; j < K; j++) {
            const float *src = S->dx + (size_t)A->slot[(size_t)n * K + j] * C;
            for (int c = 0; c < C; c++)
                d[c] += src[c];
        }
    }

    matmul_backward(dx, dW->wr, S->dlogits, x, W->wr, N, C, E);
}
