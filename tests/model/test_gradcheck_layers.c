/* Finite-difference checks of each layer's backward against its forward.
 *
 * Each layer is reduced to a scalar L = sum(r * y) with a fixed random r
 * (accumulated in double), so dL/dy = r is what the backward receives.
 * Tolerances: see gradcheck.h. */
#include "gradcheck.h"
#include "model/layers/layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

static float *fnew(size_t n, double std, uint64_t seed)
{
    float *x = calloc(n ? n : 1, sizeof(float));
    if (std > 0)
        gc_fill_normal(x, n, std, seed);
    return x;
}

/* ---- RMSNorm --------------------------------------------------------- */
enum { RN_N = 6, RN_C = 16 };
typedef struct { float *x, *g, *y, *rstd, *r; } rms_ctx;

static int rms_loss(void *c, double *loss)
{
    rms_ctx *k = c;
    rmsnorm_forward(k->y, k->rstd, k->x, k->g, RN_N, RN_C, 1e-5f);
    *loss = dot_d(k->r, k->y, RN_N * RN_C);
    return 1;
}

static int check_rmsnorm(const gc_options *o)
{
    rms_ctx k = {fnew(RN_N * RN_C, 1.0, 1), fnew(RN_C, 0.5, 2), fnew(RN_N * RN_C, 0, 0),
                 fnew(RN_N, 0, 0), fnew(RN_N * RN_C, 1.0, 3)};
    for (int c = 0; c < RN_C; c++)
        k.g[c] += 1.0f;
    float *dx = fnew(RN_N * RN_C, 0, 0), *dg = fnew(RN_C, 0, 0);
    double l;
    rms_loss(&k, &l);
    rmsnorm_backward(dx, dg, k.r, k.x, k.g, k.rstd, RN_N, RN_C);
    int skipped = 0;
    printf("rmsnorm\n");
    int f = gc_check("x", k.x, dx, RN_N * RN_C, rms_loss, &k, o, &skipped) +
            gc_check("g", k.g, dg, RN_C, rms_loss, &k, o, &skipped);
    free(k.x); free(k.g); free(k.y); free(k.rstd); free(k.r); free(dx); free(dg);
    return f;
}

/* ---- rotary embedding ------------------------------------------------ */
enum { RO_B = 2, RO_T = 5, RO_NH = 2, RO_HD = 8, RO_STRIDE = 20 };
typedef struct { float *x, *y, *r, *cs, *sn; } rope_ctx;

static int rope_loss(void *c, double *loss)
{
    rope_ctx *k = c;
    size_t n = RO_B * RO_T * RO_STRIDE;
    memcpy(k->y, k->x, sizeof(float) * n);
    rope_forward(k->y, RO_B, RO_T, RO_NH, RO_HD, RO_STRIDE, k->cs, k->sn);
    *loss = dot_d(k->r, k->y, n);
    return 1;
}

static int check_rope(const gc_options *o)
{
    size_t n = RO_B * RO_T * RO_STRIDE; /* rows wider than the heads: strided use */
    rope_ctx k = {fnew(n, 1.0, 4), fnew(n, 0, 0), fnew(n, 1.0, 5),
                  fnew(RO_T * RO_HD / 2, 0, 0), fnew(RO_T * RO_HD / 2, 0, 0)};
    rope_tables(k.cs, k.sn, RO_T, RO_HD, 10000.0f);
    /* a rotation of position 0 is the identity; position 1, pair 0 turns by 1 rad */
    int bad_table = fabsf(k.cs[0] - 1.0f) > 1e-7f || fabsf(k.sn[RO_HD / 2] - sinf(1.0f)) > 1e-6f;
    float *dx = fnew(n, 0, 0);
    memcpy(dx, k.r, sizeof(float) * n);
    rope_backward(dx, RO_B, RO_T, RO_NH, RO_HD, RO_STRIDE, k.cs, k.sn);
    /* the columns beyond the heads pass through untouched */
    for (size_t row = 0; row < RO_B * RO_T; row++)
        for (int c = RO_NH * RO_HD; c < RO_STRIDE; c++)
            dx[row * RO_STRIDE + c] = k.r[row * RO_STRIDE + c];
    int skipped = 0;
    printf("rope\n");
    int f = gc_check("x", k.x, dx, n, rope_loss, &k, o, &skipped) + bad_table;
    if (bad_table)
        printf("  FAIL rope tables: cos(0) %g, sin(1) %g\n", k.cs[0], k.sn[RO_HD / 2]);
    free(k.x); free(k.y); free(k.r); free(k.cs); free(k.sn); free(dx);
    return f;
}

/* ---- attention ------------------------------------------------------- */
/* two lanes of backward scratch: the heads may run on two threads */
enum { AT_B = 2, AT_T = 6, AT_C = 8, AT_NH = 2, AT_LANES = 2 };
typedef struct { float *qkv, *att, *y, *r; } att_ctx;

static int att_loss(void *c, double *loss)
{
    att_ctx *k = c;
    attention_forward(k->y, k->att, k->qkv, AT_B, AT_T, AT_C, AT_NH);
    *loss = dot_d(k->r, k->y, AT_B * AT_T * AT_C);
    return 1;
}

static int check_attention(const gc_options *o)
{
    size_t nq = AT_B * AT_T * 3 * AT_C;
    att_ctx k = {fnew(nq, 1.0, 6), fnew(AT_B * AT_NH * AT_T * AT_T, 0, 0),
                 fnew(AT_B * AT_T * AT_C, 0, 0), fnew(AT_B * AT_T * AT_C, 1.0, 7)};
    float *dqkv = fnew(nq, 0, 0), *datt = fnew(AT_LANES * AT_T * AT_T, 0, 0);
    double l;
    att_loss(&k, &l);
    /* causality: no weight on a later position */
    int leak = 0;
    for (int b = 0; b < AT_B * AT_NH; b++)
        for (int t = 0; t < AT_T; t++)
            for (int j = t + 1; j < AT_T; j++)
                leak |= k.att[(size_t)b * AT_T * AT_T + t * AT_T + j] != 0.0f;
    attention_backward(dqkv, datt, AT_LANES, k.r, k.qkv, k.att, AT_B, AT_T, AT_C, AT_NH);
    int skipped = 0;
    printf("attention\n");
    int f = gc_check("qkv", k.qkv, dqkv, nq, att_loss, &k, o, &skipped) + leak;
    if (leak)
        printf("  FAIL attention puts weight on later positions\n");
    /* a backward adds into its input gradient (layers.h): a second call
     * over the first one's result doubles it */
    float *once = fnew(nq, 0, 0);
    memcpy(once, dqkv, nq * sizeof *once);
    att_loss(&k, &l); /* the probes left the probabilities of a perturbed input */
    attention_backward(dqkv, datt, AT_LANES, k.r, k.qkv, k.att, AT_B, AT_T, AT_C, AT_NH);
    int overwrote = 0;
    for (size_t i = 0; i < nq; i++)
        overwrote |= fabsf(dqkv[i] - 2.0f * once[i]) > 1e-6f * (1.0f + fabsf(once[i]));
    if (overwrote)
        printf("  FAIL attention's backward overwrites dqkv instead of adding into it\n");
    f += overwrote;
    free(once);
    free(k.qkv); free(k.att); free(k.y); free(k.r); free(dqkv); free(datt);
    return f;
}

/* ---- SwiGLU ---------------------------------------------------------- */
enum { SW_R = 5, SW_C = 8, SW_H = 12 };
typedef struct { float *x, *w1, *w3, *w2, *a, *b, *g, *y, *r; } sw_ctx;

static int sw_loss(void *c, double *loss)
{
    sw_ctx *k = c;
    swiglu_forward(k->y, k->a, k->b, k->g, k->x, k->w1, k->w3, k->w2, SW_R, SW_C, SW_H);
    *loss = dot_d(k->r, k->y, SW_R * SW_C);
    return 1;
}

static int check_swiglu(const gc_options *o)
{
    sw_ctx k = {fnew(SW_R * SW_C, 1.0, 8), fnew(SW_H * SW_C, 0.4, 9), fnew(SW_H * SW_C, 0.4, 10),
                fnew(SW_C * SW_H, 0.4, 11), fnew(SW_R * SW_H, 0, 0), fnew(SW_R * SW_H, 0, 0),
                fnew(SW_R * SW_H, 0, 0), fnew(SW_R * SW_C, 0, 0), fnew(SW_R * SW_C, 1.0, 12)};
    float *dx = fnew(SW_R * SW_C, 0, 0), *dw1 = fnew(SW_H * SW_C, 0, 0),
          *dw3 = fnew(SW_H * SW_C, 0, 0), *dw2 = fnew(SW_C * SW_H, 0, 0);
    float *dg = fnew(SW_R * SW_H, 0, 0), *da = fnew(SW_R * SW_H, 0, 0), *db = fnew(SW_R * SW_H, 0, 0);
    double l;
    sw_loss(&k, &l);
    swiglu_backward(dx, dw1, dw3, dw2, dg, da, db, k.r, k.x, k.a, k.b, k.g, k.w1, k.w3, k.w2,
                    SW_R, SW_C, SW_H);
    int skipped = 0;
    printf("swiglu\n");
    int f = gc_check("x", k.x, dx, SW_R * SW_C, sw_loss, &k, o, &skipped) +
            gc_check("w1", k.w1, dw1, SW_H * SW_C, sw_loss, &k, o, &skipped) +
            gc_check("w3", k.w3, dw3, SW_H * SW_C, sw_loss, &k, o, &skipped) +
            gc_check("w2", k.w2, dw2, SW_C * SW_H, sw_loss, &k, o, &skipped);
    free(k.x); free(k.w1); free(k.w3); free(k.w2); free(k.a); free(k.b); free(k.g); free(k.y);
    free(k.r); free(dx); free(dw1); free(dw3); free(dw2); free(dg); free(da); free(db);
    return f;
}

/* ---- routed experts with both auxiliary losses ----------------------- */
enum { MO_N = 12, MO_C = 8, MO_E = 4, MO_K = 2, MO_H = 6, MO_R = MO_N * MO_K };
/* The auxiliary coefficients are far above the recipe's (0.01, 0.001) so
 * that their gradients stand out of the rounding noise of the probes. */
static const float MO_LB = 0.5f, MO_Z = 0.2f;

typedef struct {
    moe_weights w;
    moe_acts a;
    moe_shape s;
    float *x, *out, *r;
    int *base_choice; /* routing at the unperturbed point */
    double load[MO_E];
} moe_ctx;

static int moe_loss(void *c, double *loss)
{
    moe_ctx *k = c;
    double lb, z;
    moe_forward(k->out, &lb, &z, k->load, &k->a, &k->w, k->x, &k->s);
    *loss = dot_d(k->r, k->out, MO_N * MO_C) + lb + z;
    /* a probe is only valid if no token changed its experts: the loss is
     * not differentiable across such a flip */
    if (k->base_choice)
        return memcmp(k->base_choice, k->a.choice, sizeof(int) * MO_N * MO_K) == 0;
    return 1;
}

static int check_moe(const gc_options *o)
{
    moe_ctx k;
    memset(&k, 0, sizeof k);
    k.s = (moe_shape){MO_N, MO_C, MO_E, MO_K, MO_H, MO_LB, MO_Z};
    k.w.wr = fnew(MO_E * MO_C, 0.8, 20);
    k.w.w1 = fnew(MO_E * MO_H * MO_C, 0.4, 21);
    k.w.w3 = fnew(MO_E * MO_H * MO_C, 0.4, 22);
    k.w.w2 = fnew(MO_E * MO_C * MO_H, 0.4, 23);
    k.x = fnew(MO_N * MO_C, 1.0, 24);
    k.r = fnew(MO_N * MO_C, 1.0, 25);
    k.out = fnew(MO_N * MO_C, 0, 0);
    k.a.logits = fnew(MO_N * MO_E, 0, 0);
    k.a.probs = fnew(MO_N * MO_E, 0, 0);
    k.a.lse = fnew(MO_N, 0, 0);
    k.a.gate = fnew(MO_N * MO_K, 0, 0);
    k.a.choice = calloc(MO_N * MO_K, sizeof(int));
    k.a.slot = calloc(MO_N * MO_K, sizeof(int));
    k.a.expert_off = calloc(MO_E + 1, sizeof(int));
    k.a.x = fnew(MO_R * MO_C, 0, 0);
    k.a.y = fnew(MO_R * MO_C, 0, 0);
    k.a.a = fnew(MO_R * MO_H, 0, 0);
    k.a.b = fnew(MO_R * MO_H, 0, 0);
    k.a.g = fnew(MO_R * MO_H, 0, 0);
    moe_weights dw = {fnew(MO_E * MO_C, 0, 0), fnew(MO_E * MO_H * MO_C, 0, 0),
                      fnew(MO_E * MO_H * MO_C, 0, 0), fnew(MO_E * MO_C * MO_H, 0, 0)};
    moe_scratch sc = {fnew(MO_N * MO_E, 0, 0), fnew(MO_R * MO_C, 0, 0), fnew(MO_R * MO_C, 0, 0),
                      fnew(MO_R * MO_H, 0, 0), fnew(MO_R * MO_H, 0, 0), fnew(MO_R * MO_H, 0, 0)};
    float *dx = fnew(MO_N * MO_C, 0, 0);

    double l;
    moe_loss(&k, &l);
    int fails = 0;
    /* every token's gates sum to one; every expert is used in this draw */
    for (int n = 0; n < MO_N; n++) {
        float s = 0;
        for (int j = 0; j < MO_K; j++)
            s += k.a.gate[n * MO_K + j];
        if (fabsf(s - 1.0f) > 1e-6f) {
            printf("  FAIL token %d: gates sum to %g\n", n, s);
            fails++;
        }
    }
    k.base_choice = malloc(sizeof(int) * MO_N * MO_K);
    memcpy(k.base_choice, k.a.choice, sizeof(int) * MO_N * MO_K);
    moe_backward(dx, &dw, &sc, k.r, 1.0f, 1.0f, &k.a, &k.w, k.x, &k.s);

    int skipped = 0;
    printf("moe (E=%d, K=%d, lb_coef %.2f, z_coef %.2f)\n", MO_E, MO_K, MO_LB, MO_Z);
    fails += gc_check("x", k.x, dx, MO_N * MO_C, moe_loss, &k, o, &skipped);
    fails += gc_check("wr", k.w.wr, dw.wr, MO_E * MO_C, moe_loss, &k, o, &skipped);
    fails += gc_check("w1", k.w.w1, dw.w1, MO_E * MO_H * MO_C, moe_loss, &k, o, &skipped);
    fails += gc_check("w3", k.w.w3, dw.w3, MO_E * MO_H * MO_C, moe_loss, &k, o, &skipped);
    fails += gc_check("w2", k.w.w2, dw.w2, MO_E * MO_C * MO_H, moe_loss, &k, o, &skipped);
    printf("  %d probes skipped for a routing flip\n", skipped);
    if (skipped > 4) {
        printf("  FAIL too many probes flipped routing to trust the check\n");
        fails++;
    }

    /* the auxiliary losses alone: with r = 0 only lb and z drive the router */
    memset(k.r, 0, sizeof(float) * MO_N * MO_C);
    memset(dw.wr, 0, sizeof(float) * MO_E * MO_C);
    memset(dx, 0, sizeof(float) * MO_N * MO_C);
    moe_loss(&k, &l);
    moe_backward(dx, &dw, &sc, k.r, 1.0f, 1.0f, &k.a, &k.w, k.x, &k.s);
    printf("moe auxiliary losses alone\n");
    fails += gc_check("wr(aux)", k.w.wr, dw.wr, MO_E * MO_C, moe_loss, &k, o, &skipped);

    free(k.base_choice);
    free(k.w.wr); free(k.w.w1); free(k.w.w3); free(k.w.w2); free(k.x); free(k.r); free(k.out);
    free(k.a.logits); free(k.a.probs); free(k.a.lse); free(k.a.gate); free(k.a.choice);
    free(k.a.slot); free(k.a.expert_off); free(k.a.x); free(k.a.y);
    free(k.a.a); free(k.a.b); free(k.a.g);
    free(dw.wr); free(dw.w1); free(dw.w3); free(dw.w2);
    free(sc.dlogits); free(sc.dx); free(sc.dy); free(sc.dg); free(sc.da); free(sc.db); free(dx);
    return fails;
}

/* ---- cross-entropy --------------------------------------------------- */
enum { XE_N = 5, XE_V = 11 };
typedef struct { float *logits, *work, *losses; uint16_t *targets; } xe_ctx;

static int xe_loss(void *c, double *loss)
{
    xe_ctx *k = c;
    memcpy(k->work, k->logits, sizeof(float) * XE_N * XE_V);
    *loss = xent_forward(k->losses, k->work, k->targets, XE_N, XE_V);
    return 1;
}

static int check_xent(const gc_options *o)
{
    uint16_t targets[XE_N] = {0, 3, 10, 7, 3};
    xe_ctx k = {fnew(XE_N * XE_V, 2.0, 30), fnew(XE_N * XE_V, 0, 0), fnew(XE_N, 0, 0), targets};
    double l;
    xe_loss(&k, &l);
    /* the mean of -log softmax, recomputed in double */
    double ref = 0.0;
    for (int n = 0; n < XE_N; n++) {
        double mx = -INFINITY, s = 0.0;
        for (int v = 0; v < XE_V; v++)
            mx = fmax(mx, k.logits[n * XE_V + v]);
        for (int v = 0; v < XE_V; v++)
            s += exp(k.logits[n * XE_V + v] - mx);
        ref += (mx + log(s) - k.logits[n * XE_V + targets[n]]) / XE_N;
    }
    int fails = fabs(ref - l) > 1e-5;
    if (fails)
        printf("  FAIL cross-entropy %.7f, expected %.7f\n", l, ref);
    xent_backward(k.work, targets, XE_N, XE_V, 1.0f);
    /* the probes overwrite k.work, so keep the gradient apart */
    float *grad = fnew(XE_N * XE_V, 0, 0);
    memcpy(grad, k.work, sizeof(float) * XE_N * XE_V);
    int skipped = 0;
    printf("cross-entropy\n");
    fails += gc_check("logits", k.logits, grad, XE_N * XE_V, xe_loss, &k, o, &skipped);
    free(k.logits); free(k.work); free(k.losses); free(grad);
    return fails;
}

/* ---- matmul (the sgemm wrapper) -------------------------------------- */
enum { MM_N = 4, MM_I = 5, MM_O = 3 };
typedef struct { float *x, *w, *y, *r; } mm_ctx;

static int mm_loss(void *c, double *loss)
{
    mm_ctx *k = c;
    matmul_forward(k->y, k->x, k->w, MM_N, MM_I, MM_O, 0.0f);
    *loss = dot_d(k->r, k->y, MM_N * MM_O);
    return 1;
}

static int check_matmul(const gc_options *o)
{
    mm_ctx k = {fnew(MM_N * MM_I, 1.0, 40), fnew(MM_O * MM_I, 1.0, 41), fnew(MM_N * MM_O, 0, 0),
                fnew(MM_N * MM_O, 1.0, 42)};
    float *dx = fnew(MM_N * MM_I, 0, 0), *dw = fnew(MM_O * MM_I, 0, 0);
    double l;
    mm_loss(&k, &l);
    matmul_backward(dx, dw, k.r, k.x, k.w, MM_N, MM_I, MM_O);
    int skipped = 0;
    printf("matmul\n");
    int f = gc_check("x", k.x, dx, MM_N * MM_I, mm_loss, &k, o, &skipped) +
            gc_check("w", k.w, dw, MM_O * MM_I, mm_loss, &k, o, &skipped);
    free(k.x); free(k.w); free(k.y); free(k.r); free(dx); free(dw);
    return f;
}

int main(void)
{
    gc_options o;
    gc_default_options(&o);
    int fails = check_matmul(&o) + check_rmsnorm(&o) + check_rope(&o) + check_attention(&o) +
                check_swiglu(&o) + check_moe(&o) + check_xent(&o);
    printf("%s: %d failed probes\n", fails ? "FAIL" : "PASS", fails);
    return fails ? 1 : 0;
}
