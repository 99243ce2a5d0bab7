/* Parameter accounting: the counts equal the tensors model_create really
 * allocates and the closed forms written out below; the width solver
 * finds the closest dense model, and its figures are those of a really
 * allocated model. */
#include "util/error.h"
#include "model/model.h"
#include "model/params.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

static model_config dense_cfg(int V, int C, int L, int NH, int T, int H)
{
    model_config c;
    model_config_defaults(&c);
    c.vocab_size = V;
    c.d_model = C;
    c.n_layers = L;
    c.n_heads = NH;
    c.seq_len = T;
    c.ffn_hidden = H;
    return c;
}

static model_config moe_cfg(int V, int C, int L, int NH, int T, int E, int K, int He)
{
    model_config c = dense_cfg(V, C, L, NH, T, 0);
    c.n_experts = E;
    c.top_k = K;
    c.expert_hidden = He;
    return c;
}

/* The closed forms, independent of lib/model/params.c. */
static size_t cf_embedding(const model_config *c) { return (size_t)c->vocab_size * c->d_model; }
static size_t cf_attention(const model_config *c)
{
    return (size_t)c->n_layers * (3 * (size_t)c->d_model * c->d_model + (size_t)c->d_model * c->d_model);
}
static size_t cf_norms(const model_config *c) { return (2 * (size_t)c->n_layers + 1) * c->d_model; }
static size_t cf_swiglu(const model_config *c, int H) { return (size_t)c->n_layers * 3 * H * c->d_model; }
static size_t cf_router(const model_config *c) { return (size_t)c->n_layers * c->n_experts * c->d_model; }

static size_t cf_total(const model_config *c)
{
    size_t base = cf_embedding(c) + cf_attention(c) + cf_norms(c);
    if (!model_config_is_moe(c))
        return base + cf_swiglu(c, c->ffn_hidden);
    return base + cf_router(c) + (size_t)c->n_experts * cf_swiglu(c, c->expert_hidden);
}

static size_t cf_active(const model_config *c)
{
    if (!model_config_is_moe(c))
        return cf_total(c);
    return cf_total(c) - (size_t)(c->n_experts - c->top_k) * cf_swiglu(c, c->expert_hidden);
}

/* Which part each tensor model.c allocates belongs to; -1 for one the
 * accounting does not know, which fails the test. */
static int part_of(model_tensor_id id, int moe)
{
    switch (id) {
    case MODEL_WTE: return PARAMS_EMBEDDING;
    case MODEL_WQKV: case MODEL_WO: return PARAMS_ATTENTION;
    case MODEL_LN1G: case MODEL_LN2G: case MODEL_LNFG: return PARAMS_NORMS;
    case MODEL_WR: return PARAMS_ROUTER;
    case MODEL_W1: case MODEL_W3: case MODEL_W2: return moe ? PARAMS_EXPERTS : PARAMS_FFN;
    default: return -1;
    }
}

static void check_counts(const char *label, const model_config *c)
{
    params_counts n;
    EXPECT(params_count(c, &n) == MG_OK, "%s: %s", label, error_message());
    model m;
    if (model_create(&m, c, 1) != MG_OK) {
        EXPECT(0, "%s: model_create: %s", label, error_message());
        return;
    }
    size_t by_part[PARAMS_N_PARTS] = {0}, sum = 0;
    for (int i = 0; i < m.n_tensors; i++) {
        int p = part_of(m.tensors[i].id, model_config_is_moe(c));
        EXPECT(p >= 0, "%s: tensor %s is in no part of the accounting", label, m.tensors[i].name);
        if (p >= 0)
            by_part[p] += m.tensors[i].size;
        sum += m.tensors[i].size;
    }
    EXPECT(sum == m.n_params && n.n_total == m.n_params && n.n_total == model_param_count(&m),
           "%s: total %zu, tensors sum to %zu, n_params %zu", label, n.n_total, sum, m.n_params);
    for (int p = 0; p < PARAMS_N_PARTS; p++)
        EXPECT(n.total[p] == by_part[p], "%s: %s counts %zu, allocated %zu", label,
               params_part_name(p), n.total[p], by_part[p]);
    model_free(&m);

    int moe = model_config_is_moe(c);
    EXPECT(n.total[PARAMS_EMBEDDING] == cf_embedding(c), "%s: embedding", label);
    EXPECT(n.total[PARAMS_ATTENTION] == cf_attention(c), "%s: attention", label);
    EXPECT(n.total[PARAMS_NORMS] == cf_norms(c), "%s: norms", label);
    EXPECT(n.total[PARAMS_FFN] == (moe ? 0 : cf_swiglu(c, c->ffn_hidden)), "%s: ffn", label);
    EXPECT(n.total[PARAMS_ROUTER] == (moe ? cf_router(c) : 0), "%s: router", label);
    EXPECT(n.expert == (moe ? cf_swiglu(c, c->expert_hidden) : 0), "%s: one expert", label);
    EXPECT(n.total[PARAMS_EXPERTS] == (moe ? c->n_experts * n.expert : 0), "%s: experts", label);
    EXPECT(n.active[PARAMS_EXPERTS] == (moe ? c->top_k * n.expert : 0), "%s: active experts", label);
    EXPECT(n.active[PARAMS_ROUTER] == n.total[PARAMS_ROUTER], "%s: the router is active", label);
    EXPECT(n.n_total == cf_total(c) && n.n_active == cf_active(c),
           "%s: total %zu active %zu, closed forms %zu %zu", label, n.n_total, n.n_active,
           cf_total(c), cf_active(c));
    EXPECT(n.n_total_no_embedding == cf_total(c) - cf_embedding(c) &&
               n.n_active_no_embedding == cf_active(c) - cf_embedding(c),
           "%s: counts without the embedding", label);
}

/* The solver's answer against every admissible width up to `span` steps:
 * none is closer, and an equally close one is wider. Returns the mismatch. */
static double check_match(const char *label, const model_config *moe, params_target target,
                          params_width width, int multiple, params_match_result *res)
{
    params_match_request q = {target, width, multiple, 0};
    int rc = params_match(moe, &q, res);
    EXPECT(rc == MG_OK, "%s: %s", label, error_message());
    if (rc)
        return INFINITY;
    size_t want = target == PARAMS_TARGET_ACTIVE ? cf_active(moe) : cf_total(moe);
    EXPECT(res->moe_count == want, "%s: target %zu, closed form %zu", label, res->moe_count, want);
    EXPECT(res->dense_count == cf_total(&res->dense), "%s: dense count %zu, closed form %zu",
           label, res->dense_count, cf_total(&res->dense));
    double mm = ((double)res->dense_count - (double)want) / (double)want;
    EXPECT(fabs(res->mismatch - mm) < 1e-15, "%s: mismatch %g, expected %g", label, res->mismatch, mm);

    const model_config *d = &res->dense;
    EXPECT(d->n_experts == 0 && d->top_k == 1 && d->expert_hidden == 0, "%s: not dense", label);
    EXPECT(d->vocab_size == moe->vocab_size && d->n_layers == moe->n_layers &&
               d->n_heads == moe->n_heads && d->seq_len == moe->seq_len &&
               d->rope_theta == moe->rope_theta && d->norm_eps == moe->norm_eps,
           "%s: a field other than the width changed", label);
    int step = multiple;
    int solved = width == PARAMS_WIDTH_FFN_HIDDEN ? d->ffn_hidden : d->d_model;
    if (width == PARAMS_WIDTH_D_MODEL) {
        EXPECT(d->d_model % (2 * d->n_heads) == 0 && (d->d_model / d->n_heads) % 2 == 0,
               "%s: d_model %d with %d heads: head size not even", label, d->d_model, d->n_heads);
        while (step % (2 * moe->n_heads) != 0)
            step += multiple;
    } else {
        EXPECT(d->d_model == moe->d_model, "%s: d_model changed", label);
    }
    EXPECT(solved % step == 0, "%s: width %d is not a multiple of %d", label, solved, step);
    size_t best = res->dense_count > want ? res->dense_count - want : want - res->dense_count;
    for (int w = step; w <= solved + 64 * step; w += step) {
        model_config t = *d;
        *(width == PARAMS_WIDTH_FFN_HIDDEN ? &t.ffn_hidden : &t.d_model) = w;
        size_t n = cf_total(&t), diff = n > want ? n - want : want - n;
        EXPECT(diff > best || (diff == best && w >= solved),
               "%s: width %d gives %zu, closer to %zu than width %d", label, w, n, want, solved);
    }

    /* the solver's figure is what model_create allocates for that config */
    model m;
    rc = model_create(&m, d, 1);
    EXPECT(rc == MG_OK, "%s: model_create on the solved config: %s", label, error_message());
    if (!rc) {
        EXPECT(m.n_params == res->dense_count, "%s: allocated %zu, solver says %zu", label,
               m.n_params, res->dense_count);
        model_free(&m);
    }
    return res->mismatch;
}

static void test_counts(void)
{
    model_config c = dense_cfg(1024, 64, 4, 4, 128, 256);
    check_counts("dense ci", &c);
    c = dense_cfg(64, 32, 2, 4, 16, 48);
    check_counts("dense small", &c);
    c = dense_cfg(300, 48, 3, 3, 20, 257);
    check_counts("dense odd", &c);
    c = moe_cfg(1024, 64, 4, 4, 128, 4, 2, 128);
    check_counts("moe ci E4", &c);
    c = moe_cfg(1024, 64, 4, 4, 128, 8, 2, 128);
    check_counts("moe ci E8", &c);
    c = moe_cfg(512, 64, 2, 4, 64, 4, 2, 80);
    check_counts("moe V512 E4", &c);
    c = moe_cfg(100, 24, 3, 2, 8, 6, 1, 17);
    check_counts("moe E6 top1", &c);
    c = moe_cfg(100, 24, 1, 2, 8, 8, 8, 5);
    check_counts("moe all active", &c);
}

/* The ci tier: per layer the MoE's active FFN is 2*3*64*128 + 4*64 = 49408
 * = 192 * 257.33 and its total 98560 = 192 * 513.33 (8 experts: 197120 =
 * 192 * 1026.67), while a dense FFN of width h holds 192 * h: h = 257,
 * 513, 1027 are the nearest integers. */
static void test_ci_tier(void)
{
    model_config m4 = moe_cfg(1024, 64, 4, 4, 128, 4, 2, 128);
    model_config m8 = moe_cfg(1024, 64, 4, 4, 128, 8, 2, 128);
    EXPECT(2 * 192 * 128 + 4 * 64 == 49408 && 4 * 192 * 128 + 4 * 64 == 98560 &&
               8 * 192 * 128 + 8 * 64 == 197120,
           "per-layer FFN sums");
    params_match_result r;
    double mm = check_match("ci active", &m4, PARAMS_TARGET_ACTIVE, PARAMS_WIDTH_FFN_HIDDEN, 1, &r);
    EXPECT(r.dense.ffn_hidden == 257, "ci active: ffn_hidden %d, expected 257", r.dense.ffn_hidden);
    EXPECT(fabs(mm) <= 0.005, "ci active: mismatch %g", mm);
    EXPECT(r.moe_count == 329280 && r.dense_count == 329024, "ci active: %zu vs %zu",
           r.moe_count, r.dense_count);

    mm = check_match("ci total", &m4, PARAMS_TARGET_TOTAL, PARAMS_WIDTH_FFN_HIDDEN, 1, &r);
    EXPECT(r.dense.ffn_hidden == 513, "ci total: ffn_hidden %d, expected 513", r.dense.ffn_hidden);
    EXPECT(fabs(mm) <= 0.005, "ci total: mismatch %g", mm);
    EXPECT(r.moe_count == 525888 && r.dense_count == 525632, "ci total: %zu vs %zu", r.moe_count,
           r.dense_count);

    mm = check_match("ci E8 total", &m8, PARAMS_TARGET_TOTAL, PARAMS_WIDTH_FFN_HIDDEN, 1, &r);
    EXPECT(r.dense.ffn_hidden == 1027, "ci E8 total: ffn_hidden %d, expected 1027",
           r.dense.ffn_hidden);
    EXPECT(fabs(mm) <= 0.005, "ci E8 total: mismatch %g", mm);
}

static void test_other_shapes(void)
{
    const model_config shapes[] = {
        moe_cfg(512, 64, 2, 4, 64, 4, 2, 80),    /* a small vocabulary, narrow experts */
        moe_cfg(4096, 128, 6, 8, 256, 4, 2, 256),
        moe_cfg(8192, 256, 8, 8, 256, 8, 2, 512),
        moe_cfg(1024, 96, 4, 6, 128, 8, 1, 96),
        moe_cfg(1024, 64, 4, 4, 128, 16, 4, 64),
    };
    const params_target targets[] = {PARAMS_TARGET_ACTIVE, PARAMS_TARGET_TOTAL};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int t = 0; t < 2; t++) {
            char label[64];
            snprintf(label, sizeof label, "shape %zu %s", i, params_target_name(targets[t]));
            params_match_result r;
            double mm = check_match(label, &shapes[i], targets[t], PARAMS_WIDTH_FFN_HIDDEN, 1, &r);
            EXPECT(fabs(mm) <= 0.005, "%s: mismatch %g", label, mm);
            snprintf(label, sizeof label, "shape %zu %s x64", i, params_target_name(targets[t]));
            check_match(label, &shapes[i], targets[t], PARAMS_WIDTH_FFN_HIDDEN, 64, &r);
            EXPECT(r.dense.ffn_hidden % 64 == 0, "%s: %d", label, r.dense.ffn_hidden);
        }
}

static void test_d_model(void)
{
    model_config m4 = moe_cfg(1024, 64, 4, 4, 128, 4, 2, 128);
    params_match_result r;
    check_match("d_model active", &m4, PARAMS_TARGET_ACTIVE, PARAMS_WIDTH_D_MODEL, 1, &r);
    EXPECT(r.dense.ffn_hidden == 256, "d_model: ffn_hidden %d, expected top_k*expert_hidden",
           r.dense.ffn_hidden);
    check_match("d_model total", &m4, PARAMS_TARGET_TOTAL, PARAMS_WIDTH_D_MODEL, 1, &r);
    EXPECT(r.dense.d_model > 64, "d_model total: %d should exceed the MoE's 64", r.dense.d_model);
    /* a caller's multiple combines with 2*n_heads = 8: steps of 24 */
    check_match("d_model x12", &m4, PARAMS_TARGET_TOTAL, PARAMS_WIDTH_D_MODEL, 12, &r);
    EXPECT(r.dense.d_model % 24 == 0, "d_model x12: %d", r.dense.d_model);
    model_config odd = moe_cfg(300, 60, 3, 3, 16, 4, 2, 40); /* head size 20 */
    check_match("d_model 3 heads", &odd, PARAMS_TARGET_TOTAL, PARAMS_WIDTH_D_MODEL, 1, &r);

    params_match_request q = {PARAMS_TARGET_ACTIVE, PARAMS_WIDTH_D_MODEL, 1, 100};
    EXPECT(params_match(&m4, &q, &r) == MG_OK && r.dense.ffn_hidden == 100,
           "d_model with a fixed ffn_hidden: %s", error_message());
}

/* E=3, K=1, H=4, multiple 2: the active FFN is 3C + 12C per layer, i.e.
 * a dense width of exactly 5, halfway between 4 and 6. */
static void test_tie(void)
{
    model_config m = moe_cfg(64, 16, 2, 2, 8, 3, 1, 4);
    params_match_result r;
    check_match("tie", &m, PARAMS_TARGET_ACTIVE, PARAMS_WIDTH_FFN_HIDDEN, 2, &r);
    EXPECT(r.dense.ffn_hidden == 4, "tie: ffn_hidden %d, expected the smaller width 4",
           r.dense.ffn_hidden);
}

static void expect_refused(const char *label, int rc, const char *frag)
{
    EXPECT(rc == MG_EINVAL, "%s: accepted (rc %d)", label, rc);
    EXPECT(strstr(error_message(), frag) != NULL, "%s: message lacks '%s': %s", label, frag,
           error_message());
}

static void test_bad_input(void)
{
    params_target t;
    params_width w;
    expect_refused("target", params_target_parse("biggest", &t), "expected 'active' or 'total'");
    expect_refused("target NULL", params_target_parse(NULL, &t), "active");
    EXPECT(params_target_parse("total", &t) == MG_OK && t == PARAMS_TARGET_TOTAL, "total");
    expect_refused("width", params_width_parse("depth", &w), "expected 'ffn_hidden' or 'd_model'");
    EXPECT(params_width_parse("d_model", &w) == MG_OK && w == PARAMS_WIDTH_D_MODEL, "d_model");

    model_config moe = moe_cfg(1024, 64, 4, 4, 128, 4, 2, 128);
    model_config dense = dense_cfg(1024, 64, 4, 4, 128, 256);
    params_match_result r;
    params_match_request q = {PARAMS_TARGET_ACTIVE, PARAMS_WIDTH_FFN_HIDDEN, 1, 0};
    expect_refused("dense model", params_match(&dense, &q, &r), "dense (n_experts = 0)");
    q.multiple = 0;
    expect_refused("multiple 0", params_match(&moe, &q, &r), "multiple = 0");
    q.multiple = -8;
    expect_refused("multiple -8", params_match(&moe, &q, &r), "at least 1");
    q.multiple = 1;
    q.target = (params_target)7;
    expect_refused("target 7", params_match(&moe, &q, &r), "active or total");
    q.target = PARAMS_TARGET_TOTAL;
    q.ffn_hidden = 64;
    expect_refused("fixed ffn_hidden", params_match(&moe, &q, &r), "only when d_model");
    q.ffn_hidden = 0;
    q.multiple = 1 << 21;
    expect_refused("multiple too large", params_match(&moe, &q, &r), "multiple of");
    model_config bad = moe;
    bad.n_heads = 5;
    params_counts n;
    expect_refused("invalid config", params_count(&bad, &n), "n_heads");
}

int main(void)
{
    test_counts();
    test_ci_tier();
    test_other_shapes();
    test_d_model();
    test_tie();
    test_bad_input();
    return test_summary("test_params");
}
