#include "model_gemms.h"

#include <cblas.h>
#include <math.h>

typedef struct {
    gemm_list *l;
    int failed;
} builder;

static void call(builder *b, int ta, int tb, int M, int N, int K, int lda, int ldb, int ldc,
                 float alpha, float beta)
{
    gemm_call c = {CblasRowMajor, ta, tb, M, N, K, lda, ldb, ldc, alpha, beta};
    if (gemm_list_push(b->l, &c))
        b->failed = 1;
}

/* y (N,Dout) = x (N,Din) W^T, W stored (Dout,Din) */
static void linear_fwd(builder *b, int N, int Din, int Dout, float beta)
{
    call(b, CblasNoTrans, CblasTrans, N, Dout, Din, Din, Din, Dout, 1.0f, beta);
}

/* dx (N,Din) += dy W;  dW (Dout,Din) += dy^T x */
static void linear_bwd(builder *b, int N, int Din, int Dout)
{
    call(b, CblasNoTrans, CblasNoTrans, N, Din, Dout, Dout, Din, Din, 1.0f, 1.0f);
    call(b, CblasTrans, CblasNoTrans, Dout, Din, N, Dout, Din, Din, 1.0f, 1.0f);
}

static void swiglu_fwd(builder *b, int R, int C, int H)
{
    linear_fwd(b, R, C, H, 0.0f); /* a = x W1^T */
    linear_fwd(b, R, C, H, 0.0f); /* b = x W3^T */
    linear_fwd(b, R, H, C, 0.0f); /* y = g W2^T */
}

static void swiglu_bwd(builder *b, int R, int C, int H)
{
    linear_bwd(b, R, H, C);
    linear_bwd(b, R, C, H);
    linear_bwd(b, R, C, H);
}

int model_gemms(const model *m, int B, int T, gemm_list *out, double *useful_flops)
{
    const model_config *c = &m->cfg;
    const int N = B * T, C = c->d_model, L = c->n_layers, V = c->vocab_size, NH = c->n_heads;
    const int hd = C / NH, E = c->n_experts, moe = model_config_is_moe(c);
    const float scale = 1.0f / sqrtf((float)hd);
    builder b = {out, 0};
    out->n = 0;
    out->flops = 0.0;
    out->oom = 0;
    double att_flops = 0.0;

    for (int l = 0; l < L; l++) {
        linear_fwd(&b, N, C, 3 * C, 0.0f);
        double before = out->flops;
        for (int i = 0; i < B * NH; i++) {
            /* S (T,T) = Q K^T on strided head views; Y (T,hd) = P V */
            call(&b, CblasNoTrans, CblasTrans, T, T, hd, 3 * C, 3 * C, T, scale, 0.0f);
            call(&b, CblasNoTrans, CblasNoTrans, T, hd, T, T, 3 * C, C, 1.0f, 0.0f);
        }
        att_flops += out->flops - before;
        linear_fwd(&b, N, C, C, 1.0f);
        if (moe) {
            const int *off = m->acts.expert_off + (size_t)l * (E + 1);
            linear_fwd(&b, N, C, E, 0.0f);
            for (int e = 0; e < E; e++)
                if (off[e + 1] > off[e])
                    swiglu_fwd(&b, off[e + 1] - off[e], C, c->expert_hidden);
        } else {
            swiglu_fwd(&b, N, C, c->ffn_hidden);
        }
    }
    linear_fwd(&b, N, C, V, 0.0f); /* logits, tied to the embedding */

    linear_bwd(&b, N, C, V);
    for (int l = L - 1; l >= 0; l--) {
        if (moe) {
            const int *off = m->acts.expert_off + (size_t)l * (E + 1);
            for (int e = 0; e < E; e++)
                if (off[e + 1] > off[e])
                    swiglu_bwd(&b, off[e + 1] - off[e], C, c->expert_hidden);
            linear_bwd(&b, N, C, E);
        } else {
            swiglu_bwd(&b, N, C, c->ffn_hidden);
        }
        linear_bwd(&b, N, C, C);
        double before = out->flops;
        for (int i = 0; i < B * NH; i++) {
            call(&b, CblasNoTrans, CblasTrans, T, T, hd, C, 3 * C, T, 1.0f, 0.0f);  /* dP = dY V^T */
            call(&b, CblasTrans, CblasNoTrans, T, hd, T, T, C, 3 * C, 1.0f, 0.0f);  /* dV = P^T dY */
            call(&b, CblasNoTrans, CblasNoTrans, T, hd, T, T, 3 * C, 3 * C, scale, 0.0f); /* dQ */
            call(&b, CblasTrans, CblasNoTrans, T, hd, T, T, 3 * C, 3 * C, scale, 0.0f);   /* dK */
        }
        att_flops += out->flops - before;
        linear_bwd(&b, N, C, 3 * C);
    }
    /* a causal implementation needs T(T+1)/2 of each block's T^2 entries */
    *useful_flops = out->flops - att_flops * (1.0 - (T + 1.0) / (2.0 * T));
    return b.failed ? -1 : 0;
}
