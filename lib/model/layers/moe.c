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
 *   z  = z_coef * mean_n logsumexp(logits_n)^2.
 *
 * The per-token passes (routing, gathering, combining, and their
 * backward) run one token per task on the layers' threads
 * (model/layers/parallel.h); the counts and the auxiliary sums stay in
 * token order on one thread. */
#include "model/layers/layers.h"
#include "model/layers/moe_limits.h"
#include "model/layers/parallel.h"

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

/* What a per-token task reads and writes. */
typedef struct {
    const moe_acts *A;
    const moe_shape *s;
    const float *x, *dout, *dprob;
    float *out, *dx, dz;
    const moe_scratch *S;
} moe_job;

/* Token n's router probabilities, its top K and their gates. */
static void route_token(void *ctx, int thread, int n)
{
    const moe_job *j = ctx;
    const moe_acts *A = j->A;
    const int E = j->s->E, K = j->s->K;
    const float *l = A->logits + (size_t)n * E;
    float *p = A->probs + (size_t)n * E;
    memcpy(p, l, sizeof(float) * E);
    A->lse[n] = softmax_inplace(p, E);
    int *ch = A->choice + (size_t)n * K;
    float *gt = A->gate + (size_t)n * K;
    moe_top_k(ch, l, E, K);
    for (int i = 0; i < K; i++)
        gt[i] = l[ch[i]];
    softmax_inplace(gt, K);
}

/* Token n's input, copied to each of its K rows in the grouped order. */
static void gather_token(void *ctx, int thread, int n)
{
    const moe_job *j = ctx;
    const int C = j->s->C, K = j->s->K;
    for (int i = 0; i < K; i++)
        memcpy(j->A->x + (size_t)j->A->slot[(size_t)n * K + i] * C, j->x + (size_t)n * C,
               sizeof(float) * C);
}

/* out[n] = sum_j gate[n,j] * y[slot[n,j]] */
static void combine_token(void *ctx, int thread, int n)
{
    const moe_job *j = ctx;
    const moe_acts *A = j->A;
    const int C = j->s->C, K = j->s->K;
    float *o = j->out + (size_t)n * C;
    memset(o, 0, sizeof(float) * C);
    for (int i = 0; i < K; i++) {
        float gi = A->gate[(size_t)n * K + i];
        const float *y = A->y + (size_t)A->slot[(size_t)n * K + i] * C;
        for (int c = 0; c < C; c++)
            o[c] += gi * y[c];
    }
}

void moe_forward(float *out, double *lb, double *z, double *load, moe_acts *A,
                 const moe_weights *W, const float *x, const moe_shape *s)
{
    const int N = s->N, C = s->C, E = s->E, K = s->K, H = s->H;
    int count[MOE_MAX_EXPERTS] = {0};
    moe_job job = {.A = A, .s = s, .x = x, .out = out};

    /* router: logits (N,E) = x (N,C) Wr^T */
    matmul_forward(A->logits, x, W->wr, N, C, E, 0.0f);
    par_for(N, 0, route_token, &job);
    for (size_t i = 0; i < (size_t)N * K; i++)
        count[A->choice[i]]++;

    /* group the N*K (token, expert) assignments by expert */
    A->expert_off[0] = 0;
    for (int e = 0; e < E; e++)
        A->expert_off[e + 1] = A->expert_off[e] + count[e];
    int cursor[MOE_MAX_EXPERTS];
    memcpy(cursor, A->expert_off, sizeof(int) * E);
    for (size_t i = 0; i < (size_t)N * K; i++)
        A->slot[i] = cursor[A->choice[i]]++;
    par_for(N, 0, gather_token, &job);

    for (int e = 0; e < E; e++) {
        size_t r0 = (size_t)A->expert_off[e];
        int Re = count[e];
        swiglu_forward(A->y + r0 * C, A->a + r0 * H, A->b + r0 * H, A->g + r0 * H,
                       A->x + r0 * C, W->w1 + (size_t)e * H * C, W->w3 + (size_t)e * H * C,
                       W->w2 + (size_t)e * C * H, Re, C, H);
    }

    par_for(N, 0, combine_token, &job);

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

/* Token n's gradient through its gates into its K rows' dy, and into its
 * router logits (load balance and z-loss through the softmax, and the gate
 * softmax over the chosen logits). */
static void gate_backward_token(void *ctx, int thread, int n)
{
    const moe_job *jb = ctx;
    const moe_acts *A = jb->A;
    const moe_scratch *S = jb->S;
    const moe_shape *s = jb->s;
    const int N = s->N, C = s->C, E = s->E, K = s->K;
    const float *dprob = jb->dprob;
    const float *dn = jb->dout + (size_t)n * C;
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
    float zg = (float)(jb->dz * s->z_coef * 2.0 * A->lse[n] / N);
    for (int e = 0; e < E; e++)
        dl[e] = p[e] * (dprob[e] - pdot) + zg * p[e];

    /* gate softmax over the chosen logits */
    for (int j = 0; j < K; j++)
        dl[ch[j]] += gt[j] * (dgate[j] - gdot);
}

/* ungroup: token n sums the input gradients of its K rows */
static void ungroup_token(void *ctx, int thread, int n)
{
    const moe_job *jb = ctx;
    const int C = jb->s->C, K = jb->s->K;
    float *d = jb->dx + (size_t)n * C;
    for (int j = 0; j < K; j++) {
        const float *src = jb->S->dx + (size_t)jb->A->slot[(size_t)n * K + j] * C;
        for (int c = 0; c < C; c++)
            d[c] += src[c];
    }
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

    moe_job job = {.A = A, .s = s, .dout = dout, .dprob = dprob, .dz = dz, .S = S, .dx = dx};
    par_for(N, 0, gate_backward_token, &job);

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

    par_for(N, 0, ungroup_token, &job);

    matmul_backward(dx, dW->wr, S->dlogits, x, W->wr, N, C, E);
}
