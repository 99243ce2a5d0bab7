/* Parameter accounting and the width-matching solver (see model/params.h
 * for the convention). The counts are closed forms of the config, so the
 * solver can try thousands of widths without allocating a model;
 * tests/test_params.c holds them equal to what model_create allocates. */
#include "model/params.h"
#include "util/error.h"

#include <string.h>

/* The largest widths model_config_validate accepts. */
enum { PARAMS_MAX_FFN_HIDDEN = 1 << 20, PARAMS_MAX_D_MODEL = 65536 };

static const char *const part_names[PARAMS_N_PARTS] = {
    "embedding", "attention", "norms", "ffn", "router", "experts",
};

static const char *const part_tensors[PARAMS_N_PARTS] = {
    "wte (tied head)", "wqkv, wo", "ln1g, ln2g, lnfg", "w1, w3, w2", "wr", "w1, w3, w2",
};

const char *params_part_name(params_part p)
{
    return (unsigned)p < PARAMS_N_PARTS ? part_names[p] : "?";
}

const char *params_part_tensors(params_part p)
{
    return (unsigned)p < PARAMS_N_PARTS ? part_tensors[p] : "?";
}

int params_count(const model_config *cfg, params_counts *out)
{
    memset(out, 0, sizeof *out);
    int rc = model_config_validate(cfg);
    if (rc)
        return rc;
    /* size_t from the start: L*E*H*C overflows int for large models */
    size_t V = cfg->vocab_size, C = cfg->d_model, L = cfg->n_layers;
    out->total[PARAMS_EMBEDDING] = V * C;
    out->total[PARAMS_ATTENTION] = L * 4 * C * C;
    out->total[PARAMS_NORMS] = (2 * L + 1) * C;
    if (model_config_is_moe(cfg)) {
        size_t E = cfg->n_experts, K = cfg->top_k, H = cfg->expert_hidden;
        out->expert = L * 3 * H * C;
        out->total[PARAMS_ROUTER] = L * E * C;
        out->total[PARAMS_EXPERTS] = E * out->expert;
        /* a token runs the router over all E logits but only K experts */
        out->active[PARAMS_ROUTER] = out->total[PARAMS_ROUTER];
        out->active[PARAMS_EXPERTS] = K * out->expert;
    } else {
        out->total[PARAMS_FFN] = L * 3 * (size_t)cfg->ffn_hidden * C;
        out->active[PARAMS_FFN] = out->total[PARAMS_FFN];
    }
    out->active[PARAMS_EMBEDDING] = out->total[PARAMS_EMBEDDING];
    out->active[PARAMS_ATTENTION] = out->total[PARAMS_ATTENTION];
    out->active[PARAMS_NORMS] = out->total[PARAMS_NORMS];
    for (int p = 0; p < PARAMS_N_PARTS; p++) {
        out->n_total += out->total[p];
        out->n_active += out->active[p];
    }
    out->n_total_no_embedding = out->n_total - out->total[PARAMS_EMBEDDING];
    out->n_active_no_embedding = out->n_active - out->active[PARAMS_EMBEDDING];
    return MG_OK;
}

int params_target_parse(const char *s, params_target *out)
{
    if (s && strcmp(s, "active") == 0)
        *out = PARAMS_TARGET_ACTIVE;
    else if (s && strcmp(s, "total") == 0)
        *out = PARAMS_TARGET_TOTAL;
    else
        return error_set(MG_EINVAL, "match target '%s': expected 'active' or 'total'",
                         s ? s : "(none)");
    return MG_OK;
}

int params_width_parse(const char *s, params_width *out)
{
    if (s && strcmp(s, "ffn_hidden") == 0)
        *out = PARAMS_WIDTH_FFN_HIDDEN;
    else if (s && strcmp(s, "d_model") == 0)
        *out = PARAMS_WIDTH_D_MODEL;
    else
        return error_set(MG_EINVAL, "width '%s': expected 'ffn_hidden' or 'd_model'",
                         s ? s : "(none)");
    return MG_OK;
}

const char *params_target_name(params_target t)
{
    return t == PARAMS_TARGET_ACTIVE ? "active" : t == PARAMS_TARGET_TOTAL ? "total" : "?";
}

const char *params_width_name(params_width w)
{
    return w == PARAMS_WIDTH_FFN_HIDDEN ? "ffn_hidden" : w == PARAMS_WIDTH_D_MODEL ? "d_model" : "?";
}

static long gcd_l(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The dense config the solver evaluates at one width. */
static model_config dense_at(const model_config *moe, const params_match_request *req, long width)
{
    model_config d = *moe;
    d.n_experts = 0;
    d.top_k = 1;
    d.expert_hidden = 0;
    if (req->width == PARAMS_WIDTH_FFN_HIDDEN) {
        d.ffn_hidden = (int)width;
    } else {
        d.d_model = (int)width;
        d.ffn_hidden = req->ffn_hidden > 0 ? req->ffn_hidden : moe->top_k * moe->expert_hidden;
    }
    return d;
}

/* A dense model's count; active == total, so one figure serves both targets. */
static size_t dense_count_at(const model_config *moe, const params_match_request *req, long width)
{
    model_config d = dense_at(moe, req, width);
    params_counts c;
    return params_count(&d, &c) == MG_OK ? c.n_total : 0;
}

static size_t abs_diff(size_t a, size_t b) { return a > b ? a - b : b - a; }

static int check_request(const model_config *moe, const params_match_request *req)
{
    if (!model_config_is_moe(moe))
        return error_set(MG_EINVAL, "the model to match is dense (n_experts = 0): the solver "
                         "matches a dense model to a mixture-of-experts one");
    int rc = model_config_validate(moe);
    if (rc)
        return rc;
    if (req->target != PARAMS_TARGET_ACTIVE && req->target != PARAMS_TARGET_TOTAL)
        return error_set(MG_EINVAL, "match target %d: expected active or total", (int)req->target);
    if (req->width != PARAMS_WIDTH_FFN_HIDDEN && req->width != PARAMS_WIDTH_D_MODEL)
        return error_set(MG_EINVAL, "width %d: expected ffn_hidden or d_model", (int)req->width);
    if (req->multiple < 1)
        return error_set(MG_EINVAL, "multiple = %d: expected a width multiple of at least 1",
                         req->multiple);
    if (req->width == PARAMS_WIDTH_FFN_HIDDEN && req->ffn_hidden != 0)
        return error_set(MG_EINVAL, "ffn_hidden = %d is the solved width here; a fixed "
                         "ffn_hidden applies only when d_model is resized", req->ffn_hidden);
    long ffn = req->ffn_hidden > 0 ? req->ffn_hidden : (long)moe->top_k * moe->expert_hidden;
    if (req->width == PARAMS_WIDTH_D_MODEL && (req->ffn_hidden < 0 || ffn > PARAMS_MAX_FFN_HIDDEN))
        return error_set(MG_EINVAL, "dense ffn_hidden = %ld: expected 1..%d", ffn,
                         PARAMS_MAX_FFN_HIDDEN);
    return MG_OK;
}

int params_match(const model_config *moe, const params_match_request *req,
                 params_match_result *out)
{
    memset(out, 0, sizeof *out);
    int rc = check_request(moe, req);
    if (rc)
        return rc;
    /* d_model keeps n_heads heads of an even size (rotary pairs), so it
     * moves in steps of 2*n_heads, combined with the caller's multiple by
     * their least common multiple */
    long step = req->multiple, max_width = PARAMS_MAX_FFN_HIDDEN;
    if (req->width == PARAMS_WIDTH_D_MODEL) {
        long heads = 2L * moe->n_heads;
        step = step / gcd_l(step, heads) * heads;
        max_width = PARAMS_MAX_D_MODEL;
    }
    long jmax = max_width / step;
    if (jmax < 1)
        return error_set(MG_EINVAL, "no %s is a multiple of %ld within 1..%ld",
                         params_width_name(req->width), step, max_width);
    params_count(moe, &out->moe);
    size_t target = req->target == PARAMS_TARGET_ACTIVE ? out->moe.n_active : out->moe.n_total;
    if (dense_count_at(moe, req, jmax * step) < target)
        return error_set(MG_EINVAL, "no dense model with %s <= %ld reaches the MoE's %s count %zu",
                         params_width_name(req->width), max_width,
                         params_target_name(req->target), target);

    /* the count grows strictly with either width: bisect for the first
     * width at or above the target, then take it or the one below */
    long lo = 1, hi = jmax;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (dense_count_at(moe, req, mid * step) >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    long best = lo;
    if (lo > 1 && abs_diff(dense_count_at(moe, req, (lo - 1) * step), target) <=
                      abs_diff(dense_count_at(moe, req, lo * step), target))
        best = lo - 1; /* ties go to the smaller width */

    out->dense = dense_at(moe, req, best * step);
    rc = params_count(&out->dense, &out->dense_counts);
    if (rc)
        return error_prefix(rc, "matched dense model: ");
    out->moe_count = target;
    out->dense_count = out->dense_counts.n_total;
    out->mismatch = ((double)out->dense_count - (double)target) / (double)target;
    return MG_OK;
}
