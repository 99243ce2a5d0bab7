/* xcheck_dump: runs a tiny model through the C library and writes its
 * weights, inputs and results for tests/xcheck/parity.py, which recomputes
 * everything in PyTorch (the same idea as llm.c's test against reference
 * tensors, but with the reference computed from the C side's weights).
 *
 * Usage: xcheck_dump dense|moe OUT.bin [SEED]
 *
 * File format, little-endian:
 *   8 bytes of magic "XCHECK1\0", then records to the end of the file:
 *     u32 name_len, name (name_len bytes, no terminator),
 *     u32 dtype (0 float32, 1 float64, 2 int32),
 *     u32 ndim, ndim x u32 dims (C order; ndim 0 is a scalar),
 *     the elements.
 * Records, in this order:
 *   config          i32 [V, C, L, NH, T, ffn_hidden, E, K, expert_hidden, B, steps]
 *   config_f        f64 [lb_coef, z_coef, rope_theta, norm_eps]
 *   optim           f64 [peak_lr, warmup_steps, total_steps, min_ratio,
 *                        beta1, beta2, eps, weight_decay, grad_clip]
 *   inputs, targets i32 (B, T)
 *   param/NAME      f32, shaped as in the model's tensor table, in table order
 *                   (model_init's weights, the MoE router scaled by ROUTER_SCALE)
 *   decay/NAME      i32 scalar: 1 where AdamW decays the tensor
 *   logits          f32 (B*T, V): forward with no targets, raw logits
 *   losses          f64 [ce, lb, z, total]: forward with targets
 *   initial/choice  i32 (L, B*T, K): chosen experts, best first (MoE only)
 *   initial/rlogits f32 (L, B*T, E): router logits (MoE only)
 *   grad/NAME       f32: d(total)/d(param) after zero_grad + backward
 *   then for each training step s = 0..steps-1 (as lib/train/train.c does it):
 *   stepS/inputs, stepS/targets  i32 (B, T), a fresh batch
 *   stepS/losses    f64 [ce, lb, z, total] of the forward before the update
 *   stepS/choice, stepS/rlogits  as initial/... (MoE only)
 *   stepS/grad/NAME f32: the gradients, before clipping
 *   stepS/gnorm     f64 [1] gradient norm before clipping
 *   stepS/lr        f32 [1] learning rate given to adamw_step
 *   stepS/param/NAME f32: the parameters after the update
 *   lr_curve/config f64 [peak_lr, warmup_steps, total_steps, min_ratio]
 *   lr_curve        f32 (total_steps + 2): schedule_lr of steps 0..total+1 of
 *                   a longer schedule than the training run's */
#include "util/error.h"
#include "model/model.h"
#include "train/adamw.h"
#include "train/schedule.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DT_F32 = 0, DT_F64 = 1, DT_I32 = 2 };

enum {
    XB = 3,      /* batch */
    XT = 16,     /* context */
    XSTEPS = 5,  /* training steps compared */
    XCURVE = 20  /* steps of the longer schedule checked on its own */
};

#define ROUTER_SCALE 10.0f /* see run() */

/* splitmix64: the test's own token stream, so the batches do not depend on
 * the library's internal generator (which is not a public header). */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void random_tokens(uint16_t *tok, size_t n, int vocab, uint64_t *s)
{
    for (size_t i = 0; i < n; i++)
        tok[i] = (uint16_t)(next_u64(s) % (uint64_t)vocab);
}

typedef struct {
    FILE *f;
    int failed; /* any short write; checked once at the end */
} writer;

static void put(writer *w, const void *p, size_t size, size_t n)
{
    if (n && fwrite(p, size, n, w->f) != n)
        w->failed = 1;
}

static void put_u32(writer *w, uint32_t v) { put(w, &v, sizeof v, 1); }

static void record(writer *w, const char *name, int dtype, int ndim, const int *dims,
                   const void *data)
{
    size_t n = 1;
    put_u32(w, (uint32_t)strlen(name));
    put(w, name, 1, strlen(name));
    put_u32(w, (uint32_t)dtype);
    put_u32(w, (uint32_t)ndim);
    for (int i = 0; i < ndim; i++) {
        put_u32(w, (uint32_t)dims[i]);
        n *= (size_t)dims[i];
    }
    put(w, data, dtype == DT_F64 ? 8 : 4, n);
}

static void record_1d(writer *w, const char *name, int dtype, int n, const void *data)
{
    record(w, name, dtype, 1, &n, data);
}

/* Tokens are uint16 in the library; int32 keeps the reader to three types. */
static void record_tokens(writer *w, const char *name, const uint16_t *tok, int B, int T)
{
    int32_t buf[XB * XT];
    int dims[2] = {B, T};
    for (int i = 0; i < B * T; i++)
        buf[i] = tok[i];
    record(w, name, DT_I32, 2, dims, buf);
}

static void record_losses(writer *w, const char *name, const model_losses *l)
{
    double v[4] = {l->ce, l->lb, l->z, l->total};
    record_1d(w, name, DT_F64, 4, v);
}

/* The routing decisions, so the reference can prove it took the same ones,
 * and the router logits, so it can tell whether a decision was a near tie
 * (a "prefix/choice" and a "prefix/rlogits" record; MoE only). */
static void record_routing(writer *w, const char *prefix, const model *m, int N)
{
    if (!model_config_is_moe(&m->cfg))
        return;
    char name[64];
    int dims[3] = {m->cfg.n_layers, N, m->cfg.top_k};
    snprintf(name, sizeof name, "%s/choice", prefix);
    record(w, name, DT_I32, 3, dims, m->acts.choice);
    dims[2] = m->cfg.n_experts;
    snprintf(name, sizeof name, "%s/rlogits", prefix);
    record(w, name, DT_F32, 3, dims, m->acts.rlogits);
}

/* "prefix/NAME" for every tensor, from a block laid out as params_block. */
static void record_tensors(writer *w, const char *prefix, const model *m, const float *block)
{
    for (int i = 0; i < m->n_tensors; i++) {
        const param_tensor *t = &m->tensors[i];
        char name[64];
        snprintf(name, sizeof name, "%s/%s", prefix, t->name);
        record(w, name, DT_F32, t->ndim, t->shape, block + t->offset);
    }
}

static void make_config(model_config *cfg, int moe)
{
    model_config_defaults(cfg);
    cfg->vocab_size = 64;
    cfg->d_model = 32;
    cfg->n_layers = 2;
    cfg->n_heads = 4;
    cfg->seq_len = XT;
    if (moe) {
        cfg->n_experts = 4;
        cfg->top_k = 2;
        cfg->expert_hidden = 24;
        /* Ten and fifty times the recipe's 0.01 and 0.001. With the recipe's
         * values and initial router the auxiliary losses make up only about
         * 0.1% of most gradients (w1, w2, wte at this size): an error in
         * their backward pass, a wrong factor say, would move those tensors
         * by ~1e-3 of their largest element, too close to the 1e-4
         * tolerance to be sure of failing. Here, with the router scaled as
         * in run(), the load-balancing loss alone makes up 4% to 11% of each
         * tensor's largest gradient and the z-loss 80% to 100%. */
        cfg->lb_coef = 0.1f;
        cfg->z_coef = 0.05f;
    } else {
        cfg->ffn_hidden = 48;
    }
}

/* Writes everything after the model is built; returns MG_OK or an error code. */
static int dump(writer *w, model *m, adamw_state *opt, const adamw_config *ocfg, uint64_t seed)
{
    const model_config *cfg = &m->cfg;
    const lr_schedule sched = {1e-2f, 2, XSTEPS, 0.1f};
    const double clip = 1.0;
    const int B = XB, T = XT, N = XB * XT;
    int rc;

    int32_t ic[11] = {cfg->vocab_size, cfg->d_model, cfg->n_layers, cfg->n_heads, cfg->seq_len,
                      cfg->ffn_hidden, cfg->n_experts, cfg->top_k, cfg->expert_hidden, B, XSTEPS};
    double fc[4] = {cfg->lb_coef, cfg->z_coef, cfg->rope_theta, cfg->norm_eps};
    double oc[9] = {sched.peak_lr, (double)sched.warmup_steps, (double)sched.total_steps,
                    sched.min_ratio, ocfg->beta1, ocfg->beta2, ocfg->eps, ocfg->weight_decay,
                    clip};
    record_1d(w, "config", DT_I32, 11, ic);
    record_1d(w, "config_f", DT_F64, 4, fc);
    record_1d(w, "optim", DT_F64, 9, oc);

    uint64_t tok_state = seed ^ 0x5EEDull;
    uint16_t inputs[XB * XT], targets[XB * XT];
    random_tokens(inputs, (size_t)N, cfg->vocab_size, &tok_state);
    random_tokens(targets, (size_t)N, cfg->vocab_size, &tok_state);
    record_tokens(w, "inputs", inputs, B, T);
    record_tokens(w, "targets", targets, B, T);

    record_tensors(w, "param", m, m->params_block);
    for (int i = 0; i < m->n_tensors; i++) {
        char name[64];
        int32_t d = m->tensors[i].decay;
        snprintf(name, sizeof name, "decay/%s", m->tensors[i].name);
        record(w, name, DT_I32, 0, NULL, &d);
    }

    /* Without targets the logits buffer keeps the raw logits; with targets
     * the loss overwrites it with probabilities. */
    if ((rc = model_forward(m, inputs, NULL, B, T)))
        return rc;
    int ldims[2] = {N, cfg->vocab_size};
    record(w, "logits", DT_F32, 2, ldims, m->acts.logits);

    if ((rc = model_forward(m, inputs, targets, B, T)))
        return rc;
    record_losses(w, "losses", &m->losses);
    record_routing(w, "initial", m, N);
    model_zero_grad(m);
    model_backward(m, inputs, targets);
    record_tensors(w, "grad", m, m->grads_block);

    for (long step = 0; step < XSTEPS; step++) {
        char name[64];
        random_tokens(inputs, (size_t)N, cfg->vocab_size, &tok_state);
        random_tokens(targets, (size_t)N, cfg->vocab_size, &tok_state);
        snprintf(name, sizeof name, "step%ld/inputs", step);
        record_tokens(w, name, inputs, B, T);
        snprintf(name, sizeof name, "step%ld/targets", step);
        record_tokens(w, name, targets, B, T);

        if ((rc = model_forward(m, inputs, targets, B, T)))
            return rc;
        snprintf(name, sizeof name, "step%ld/losses", step);
        record_losses(w, name, &m->losses);
        snprintf(name, sizeof name, "step%ld", step);
        record_routing(w, name, m, N);

        model_zero_grad(m);
        model_backward(m, inputs, targets);
        snprintf(name, sizeof name, "step%ld/grad", step);
        record_tensors(w, name, m, m->grads_block);
        double gnorm = grad_clip_global(m->grads_block, m->n_params, clip);
        float lr = schedule_lr(&sched, step);
        adamw_step(opt, m, lr);
        snprintf(name, sizeof name, "step%ld/gnorm", step);
        record_1d(w, name, DT_F64, 1, &gnorm);
        snprintf(name, sizeof name, "step%ld/lr", step);
        record_1d(w, name, DT_F32, 1, &lr);
        snprintf(name, sizeof name, "step%ld/param", step);
        record_tensors(w, name, m, m->params_block);
    }

    /* Over the five training steps the cosine part of the schedule has only
     * three points, progress 0, 1/2 and 1, where a linear decay would give
     * the same rates; a longer schedule tells the two apart, and its last
     * two steps check that it holds at the minimum past the end. */
    const lr_schedule curve = {3e-3f, 3, XCURVE, 0.1f};
    double cc[4] = {curve.peak_lr, (double)curve.warmup_steps, (double)curve.total_steps,
                    curve.min_ratio};
    float lrs[XCURVE + 2];
    for (long step = 0; step < XCURVE + 2; step++)
        lrs[step] = schedule_lr(&curve, step);
    record_1d(w, "lr_curve/config", DT_F64, 4, cc);
    record_1d(w, "lr_curve", DT_F32, XCURVE + 2, lrs);
    return MG_OK;
}

static int run(int moe, const char *path, uint64_t seed)
{
    model_config cfg;
    make_config(&cfg, moe);
    const adamw_config ocfg = {0.9f, 0.95f, 1e-8f, 0.1f};
    model m;
    adamw_state opt = {0};
    writer w = {NULL, 0};

    int rc = model_create(&m, &cfg, XB);
    if (!rc)
        rc = adamw_create(&opt, &ocfg, m.n_params);
    if (rc) {
        fprintf(stderr, "xcheck_dump: %s\n", error_message());
        adamw_free(&opt);
        model_free(&m);
        return 1;
    }
    model_init(&m, seed);
    /* At the recipe's initial scale the router logits of a token lie within
     * ~0.1 of each other: the gates are nearly uniform, so a mix-up of which
     * gate weighs which expert would change little, and in most draws some
     * token's K-th and (K+1)-th logits tie to within 1e-4, where the choice
     * would depend on rounding. A larger router avoids both. */
    const param_tensor *wr = model_tensor(&m, MODEL_WR);
    for (size_t i = 0; wr && i < wr->size; i++)
        m.params_block[wr->offset + i] *= ROUTER_SCALE;

    w.f = fopen(path, "wb");
    if (!w.f) {
        perror(path);
        rc = 1;
    } else {
        put(&w, "XCHECK1", 1, 8); /* the string's terminator is the 8th byte */
        if ((rc = dump(&w, &m, &opt, &ocfg, seed)))
            fprintf(stderr, "xcheck_dump: %s\n", error_message());
        if (fclose(w.f) != 0)
            w.failed = 1;
        if (w.failed) {
            fprintf(stderr, "xcheck_dump: %s: write failed\n", path);
            rc = 1;
        }
    }
    adamw_free(&opt);
    model_free(&m);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (strcmp(argv[1], "dense") != 0 && strcmp(argv[1], "moe") != 0)) {
        fprintf(stderr, "usage: %s dense|moe OUT.bin [SEED]\n", argv[0]);
        return 2;
    }
    /* The format is little-endian and written as the host's bytes. */
    const uint32_t one = 1;
    if (*(const unsigned char *)&one != 1) {
        fprintf(stderr, "xcheck_dump: a big-endian host is not supported\n");
        return 2;
    }
    uint64_t seed = argc == 4 ? strtoull(argv[3], NULL, 10) : 1234;
    return run(strcmp(argv[1], "moe") == 0, argv[2], seed);
}
