/* Forward and backward of each layer, one pair per layer.
 *
 * Shapes follow the notation of model/model.h. Every backward function
 * accumulates (+=) into the gradients of parameters and of its inputs, so a
 * caller can sum several paths into one buffer; scratch buffers are
 * overwritten. */
#ifndef MOEGAP_LAYERS_H
#define MOEGAP_LAYERS_H

#include <stddef.h>
#include <stdint.h>

/* --- matmul: y = x W^T, W stored (Dout, Din) as nn.Linear ------------------- */
/* x (N,Din), w (Dout,Din) -> y (N,Dout); beta 0 overwrites y, 1 adds to it */
void matmul_forward(float *y, const float *x, const float *w, int N, int Din, int Dout, float beta);
/* dy (N,Dout) -> dx (N,Din) += dy W (skipped when dx is NULL); dw += dy^T x */
void matmul_backward(float *dx, float *dw, const float *dy, const float *x, const float *w,
                     int N, int Din, int Dout);

/* --- embedding: x[n] = wte[tok[n]] -------------------------------------- */
void embedding_forward(float *x, const uint16_t *tok, const float *wte, int N, int C);
void embedding_backward(float *dwte, const float *dx, const uint16_t *tok, int N, int C);

/* --- RMSNorm: y = x / sqrt(mean(x^2) + eps) * g ------------------------- */
/* x (N,C), g (C) -> y (N,C), rstd (N) */
void rmsnorm_forward(float *y, float *rstd, const float *x, const float *g, int N, int C, float eps);
void rmsnorm_backward(float *dx, float *dg, const float *dy, const float *x, const float *g,
                      const float *rstd, int N, int C);

/* --- rotary position embedding ------------------------------------------
 * Pairing convention: the half-split ("rotate_half") one of GPT-NeoX and
 * Hugging Face's LLaMA. Within a head of size hd, element i is paired with
 * element i + hd/2 and the pair is rotated by the angle t * theta^(-2i/hd)
 * at position t. */
/* cos, sin (T, hd/2) */
void rope_tables(float *cos_t, float *sin_t, int T, int hd, float theta);
/* x: B*T rows of NH heads of size hd, `stride` floats from one row to the
 * next; rotated in place. The backward rotates the gradient back. */
void rope_forward(float *x, int B, int T, int NH, int hd, int stride,
                  const float *cos_t, const float *sin_t);
void rope_backward(float *dx, int B, int T, int NH, int hd, int stride,
                   const float *cos_t, const float *sin_t);

/* --- causal multi-head attention ---------------------------------------- */
/* qkv (B,T,3C) -> att (B,NH,T,T) probabilities, y (B,T,C) */
void attention_forward(float *y, float *att, const float *qkv, int B, int T, int C, int NH);
/* dy (B,T,C) -> dqkv (B,T,3C) +=; datt_lanes (lanes,T,T) scratch, one
 * (T,T) slice per thread: at most `lanes` threads share the heads */
void attention_backward(float *dqkv, float *datt_lanes, int lanes, const float *dy,
                        const float *qkv, const float *att, int B, int T, int C, int NH);

/* --- SwiGLU feed-forward: y = (silu(x W1^T) * (x W3^T)) W2^T ------------ */
/* x (R,C), w1 w3 (H,C), w2 (C,H) -> a b g (R,H), y (R,C) */
void swiglu_forward(float *y, float *a, float *b, float *g, const float *x,
                    const float *w1, const float *w3, const float *w2, int R, int C, int H);
/* dy (R,C) -> dx (R,C) +=, dw1 dw3 dw2 +=; dg da db (R,H) scratch */
void swiglu_backward(float *dx, float *dw1, float *dw3, float *dw2,
                     float *dg, float *da, float *db, const float *dy, const float *x,
                     const float *a, const float *b, const float *g,
                     const float *w1, const float *w3, const float *w2, int R, int C, int H);

/* --- routed mixture of SwiGLU experts ----------------------------------- */
typedef struct {
    int N, C, E, K, H;
    float lb_coef, z_coef;
} moe_shape;

typedef struct {
    float *wr; /* (E, C) */
    float *w1; /* (E, H, C) */
    float *w3; /* (E, H, C) */
    float *w2; /* (E, C, H) */
} moe_weights;

typedef struct {
    float *logits, *probs; /* (N, E) */
    float *lse;            /* (N) */
    float *gate;           /* (N, K) */
    int *choice, *slot;    /* (N, K) */
    int *expert_off;       /* (E+1) */
    float *x, *y;          /* (R, C) grouped by expert */
    float *a, *b, *g;      /* (R, H) */
} moe_acts;

typedef struct {
    float *dlogits;        /* (N, E) */
    float *dx, *dy;        /* (R, C) */
    float *dg, *da, *db;   /* (R, H) */
} moe_scratch;

/* x (N,C) -> out (N,C). Writes this layer's load-balancing and z losses
 * (coefficients included) and load[e], the share of the N*K assignments
 * that went to expert e. */
void moe_forward(float *out, double *lb, double *z, double *load, moe_acts *A,
                 const moe_weights *W, const float *x, const moe_shape *s);
/* dout (N,C) -> dx (N,C) +=, dW +=. dlb and dz are d(total)/d(this layer's
 * lb and z), 1/L when the losses are averaged over L layers. */
void moe_backward(float *dx, moe_weights *dW, moe_scratch *S, const float *dout,
                  float dlb, float dz, const moe_acts *A, const moe_weights *W,
                  const float *x, const moe_shape *s);

/* --- softmax cross-entropy over the vocabulary -------------------------- */
/* logits (N,V) -> probabilities in place, losses (N); returns the mean */
double xent_forward(float *losses, float *logits, const uint16_t *targets, int N, int V);
/* probabilities (N,V) -> d(mean loss)/d(logits) * dloss, in place */
void xent_backward(float *probs, const uint16_t *targets, int N, int V, float dloss);

/* --- shared numerics ---------------------------------------------------- */
/* In place softmax of x[0..n); returns log(sum(exp(x))) of the input. */
float softmax_inplace(float *x, int n);

#endif
