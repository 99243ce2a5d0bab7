/* The decoder: parameter and activation blocks, forward and backward. */
#include "model/model.h"
#include "util/error.h"
#include "model/layers/layers.h"
#include "model/layers/moe_limits.h"
#include "model/layers/parallel.h"
#include "model/layers/vmath.h"
#include "util/rng.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void model_config_defaults(model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->top_k = 1;
    cfg->lb_coef = 0.01f;
    cfg->z_coef = 0.001f;
    cfg->rope_theta = 10000.0f;
    cfg->norm_eps = 1e-5f;
}

#define CHECK_RANGE(field, lo, hi)                                                      \
    do {                                                                                \
        if (!(cfg->field >= (lo) && cfg->field <= (hi)))                                \
            return error_set(MG_EINVAL, "%s = %g is out of range: expected %g..%g",     \
                             #field, (double)cfg->field, (double)(lo), (double)(hi));   \
    } while (0)

int model_config_validate(const model_config *cfg)
{
    CHECK_RANGE(vocab_size, 2, 65536); /* token ids are uint16 */
    CHECK_RANGE(d_model, 2, 65536);
    CHECK_RANGE(n_layers, 1, 1024);
    CHECK_RANGE(n_heads, 1, cfg->d_model);
    CHECK_RANGE(seq_len, 1, 65536);
    if (cfg->d_model % cfg->n_heads != 0 || (cfg->d_model / cfg->n_heads) % 2 != 0)
        return error_set(MG_EINVAL,
                         "d_model = %d and n_heads = %d: expected d_model divisible by n_heads "
                         "with an even head size (rotary embedding pairs)",
                         cfg->d_model, cfg->n_heads);
    CHECK_RANGE(n_experts, 0, MOE_MAX_EXPERTS);
    if (cfg->n_experts == 0) {
        CHECK_RANGE(ffn_hidden, 1, 1 << 20);
        if (cfg->expert_hidden != 0 || cfg->top_k != 1)
            return error_set(MG_EINVAL, "expert_hidden and top_k apply only to a model with "
                             "n_experts > 0; this one is dense (n_experts = 0)");
    } else {
        if (cfg->ffn_hidden != 0)
            return error_set(MG_EINVAL, "ffn_hidden = %d applies only to a dense model; this one "
                             "has n_experts = %d (set expert_hidden)", cfg->ffn_hidden, cfg->n_experts);
        CHECK_RANGE(top_k, 1, cfg->n_experts < MOE_MAX_TOP_K ? cfg->n_experts : MOE_MAX_TOP_K);
        CHECK_RANGE(expert_hidden, 1, 1 << 20);
    }
    CHECK_RANGE(lb_coef, 0.0, 1e3);
    CHECK_RANGE(z_coef, 0.0, 1e3);
    CHECK_RANGE(rope_theta, 1.0, 1e9);
    CHECK_RANGE(norm_eps, 1e-12, 1.0);
    return MG_OK;
}

/* Shape of the feed-forward part, the same code path for dense and MoE. */
static int model_E(const model_config *c) { return c->n_experts > 0 ? c->n_experts : 1; }
static int model_K(const model_config *c) { return c->n_experts > 0 ? c->top_k : 1; }
static int model_H(const model_config *c) { return c->n_experts > 0 ? c->expert_hidden : c->ffn_hidden; }

/* What every tensor is, whatever the model's sizes. */
static const struct {
    const char *name;
    int decay;
    model_init_kind init;
} tensor_kinds[MODEL_N_TENSOR_IDS] = {
    [MODEL_WTE] = {"wte", 1, MODEL_INIT_NORMAL},
    [MODEL_LN1G] = {"ln1g", 0, MODEL_INIT_ONE},
    [MODEL_WQKV] = {"wqkv", 1, MODEL_INIT_NORMAL},
    [MODEL_WO] = {"wo", 1, MODEL_INIT_RESIDUAL},
    [MODEL_LN2G] = {"ln2g", 0, MODEL_INIT_ONE},
    [MODEL_WR] = {"wr", 1, MODEL_INIT_NORMAL},
    [MODEL_W1] = {"w1", 1, MODEL_INIT_NORMAL},
    [MODEL_W3] = {"w3", 1, MODEL_INIT_NORMAL},
    [MODEL_W2] = {"w2", 1, MODEL_INIT_RESIDUAL},
    [MODEL_LNFG] = {"lnfg", 0, MODEL_INIT_ONE},
};

static void add_tensor(model *m, model_tensor_id id, int ndim, int d0, int d1, int d2, int d3)
{
    m->tensor_index[id] = m->n_tensors;
    param_tensor *t = &m->tensors[m->n_tensors++];
    int dims[4] = {d0, d1, d2, d3};
    t->id = id;
    t->name = tensor_kinds[id].name;
    t->decay = tensor_kinds[id].decay;
    t->init = tensor_kinds[id].init;
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < 4; i++) {
        t->shape[i] = i < ndim ? dims[i] : 1;
        t->size *= (size_t)t->shape[i];
    }
    t->offset = m->n_params;
    m->n_params += t->size;
}

static void build_tensor_table(model *m)
{
    const model_config *c = &m->cfg;
    int V = c->vocab_size, C = c->d_model, L = c->n_layers;
    int E = model_E(c), H = model_H(c);
    m->n_tensors = 0;
    m->n_params = 0;
    for (int id = 0; id < MODEL_N_TENSOR_IDS; id++)
        m->tensor_index[id] = -1;
    add_tensor(m, MODEL_WTE, 2, V, C, 0, 0);
    add_tensor(m, MODEL_LN1G, 2, L, C, 0, 0);
    add_tensor(m, MODEL_WQKV, 3, L, 3 * C, C, 0);
    add_tensor(m, MODEL_WO, 3, L, C, C, 0);
    add_tensor(m, MODEL_LN2G, 2, L, C, 0, 0);
    if (model_config_is_moe(c)) {
        add_tensor(m, MODEL_WR, 3, L, E, C, 0);
        add_tensor(m, MODEL_W1, 4, L, E, H, C);
        add_tensor(m, MODEL_W3, 4, L, E, H, C);
        add_tensor(m, MODEL_W2, 4, L, E, C, H);
    } else {
        add_tensor(m, MODEL_W1, 3, L, H, C, 0);
        add_tensor(m, MODEL_W3, 3, L, H, C, 0);
        add_tensor(m, MODEL_W2, 3, L, C, H, 0);
    }
    add_tensor(m, MODEL_LNFG, 1, C, 0, 0, 0);
}

static float *tensor_view(const model *m, float *block, model_tensor_id id)
{
    const param_tensor *t = model_tensor(m, id);
    return t ? block + t->offset : NULL;
}

static void bind_params(model *m, model_params *p, float *block)
{
    p->wte = tensor_view(m, block, MODEL_WTE);
    p->ln1g = tensor_view(m, block, MODEL_LN1G);
    p->wqkv = tensor_view(m, block, MODEL_WQKV);
    p->wo = tensor_view(m, block, MODEL_WO);
    p->ln2g = tensor_view(m, block, MODEL_LN2G);
    p->wr = tensor_view(m, block, MODEL_WR);
    p->w1 = tensor_view(m, block, MODEL_W1);
    p->w3 = tensor_view(m, block, MODEL_W3);
    p->w2 = tensor_view(m, block, MODEL_W2);
    p->lnfg = tensor_view(m, block, MODEL_LNFG);
}

const param_tensor *model_tensor(const model *m, model_tensor_id id)
{
    if ((unsigned)id >= MODEL_N_TENSOR_IDS || m->tensor_index[id] < 0)
        return NULL;
    return &m->tensors[m->tensor_index[id]];
}

size_t model_param_count(const model *m) { return m->n_params; }

/* Carves named views out of a block; with base NULL it only counts. */
static void take_f(float **view, float *base, size_t *off, size_t n)
{
    *view = base ? base + *off : NULL;
    *off += n;
}

static void take_i(int **view, int *base, size_t *off, size_t n)
{
    *view = base ? base + *off : NULL;
    *off += n;
}

static size_t bind_acts(const model *m, model_acts *a, float *fb, int *ib, size_t *n_int)
{
    const model_config *c = &m->cfg;
    size_t B = m->max_batch, T = c->seq_len, C = c->d_model, L = c->n_layers, V = c->vocab_size;
    size_t NH = c->n_heads, E = model_E(c), K = model_K(c), H = model_H(c);
    size_t N = B * T, R = N * K;
    int moe = model_config_is_moe(c);
    size_t off = 0, ioff = 0;
    take_f(&a->residual, fb, &off, (L + 1) * N * C);
    take_f(&a->ln1, fb, &off, L * N * C);
    take_f(&a->ln1_rstd, fb, &off, L * N);
    take_f(&a->qkv, fb, &off, L * N * 3 * C);
    take_f(&a->att, fb, &off, L * B * NH * T * T);
    take_f(&a->atty, fb, &off, L * N * C);
    take_f(&a->res_mid, fb, &off, L * N * C);
    take_f(&a->ln2, fb, &off, L * N * C);
    take_f(&a->ln2_rstd, fb, &off, L * N);
    take_f(&a->ffn_x, fb, &off, moe ? L * R * C : 0);
    take_f(&a->ffn_a, fb, &off, L * R * H);
    take_f(&a->ffn_b, fb, &off, L * R * H);
    take_f(&a->ffn_g, fb, &off, L * R * H);
    take_f(&a->ffn_y, fb, &off, moe ? L * R * C : 0);
    take_f(&a->rlogits, fb, &off, moe ? L * N * E : 0);
    take_f(&a->rprobs, fb, &off, moe ? L * N * E : 0);
    take_f(&a->rlse, fb, &off, moe ? L * N : 0);
    take_f(&a->gate, fb, &off, moe ? L * N * K : 0);
    take_f(&a->lnf, fb, &off, N * C);
    take_f(&a->lnf_rstd, fb, &off, N);
    take_f(&a->logits, fb, &off, N * V);
    take_f(&a->losses, fb, &off, N);
    take_i(&a->choice, ib, &ioff, moe ? L * N * K : 0);
    take_i(&a->slot, ib, &ioff, moe ? L * N * K : 0);
    take_i(&a->expert_off, ib, &ioff, moe ? L * (E + 1) : 0);
    *n_int = ioff;
    return off;
}

static size_t bind_scratch(const model *m, model_grad_scratch *s, float *fb)
{
    const model_config *c = &m->cfg;
    size_t B = m->max_batch, T = c->seq_len, C = c->d_model;
    size_t E = model_E(c), K = model_K(c), H = model_H(c);
    size_t N = B * T, R = N * K;
    size_t off = 0;
    take_f(&s->dres, fb, &off, N * C);
    take_f(&s->dln, fb, &off, N * C);
    take_f(&s->dqkv, fb, &off, N * 3 * C);
    take_f(&s->datt, fb, &off, (size_t)m->lanes * T * T);
    take_f(&s->datty, fb, &off, N * C);
    take_f(&s->dffn_x, fb, &off, R * C);
    take_f(&s->dffn_y, fb, &off, R * C);
    take_f(&s->dffn_g, fb, &off, R * H);
    take_f(&s->dffn_a, fb, &off, R * H);
    take_f(&s->dffn_b, fb, &off, R * H);
    take_f(&s->drlogits, fb, &off, N * E);
    return off;
}

int model_threads_set(int threads)
{
    threads = threads > 0 ? threads : 1;
    openblas_set_num_threads(threads);
    return par_threads_set(threads);
}

int model_create(model *m, const model_config *cfg, int max_batch)
{
    memset(m, 0, sizeof *m);
    int rc = model_config_validate(cfg);
    if (rc)
        return rc;
    if (max_batch < 1)
        return error_set(MG_EINVAL, "batch size %d: expected at least 1", max_batch);
    m->cfg = *cfg;
    m->max_batch = max_batch;
    /* enough for any thread count this machine runs well: a model built
     * before model_threads_set raises the count still uses them all */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    m->lanes = par_threads() > cpus ? par_threads() : (int)(cpus > 0 ? cpus : 1);
    build_tensor_table(m);

    size_t n_int = 0;
    size_t n_act = bind_acts(m, &m->acts, NULL, NULL, &n_int);
    size_t n_scratch = bind_scratch(m, &m->scratch, NULL);
    int hd = cfg->d_model / cfg->n_heads;
    size_t n_rope = (size_t)cfg->seq_len * (hd / 2);

    m->params_block = calloc(m->n_params, sizeof(float));
    m->grads_block = calloc(m->n_params, sizeof(float));
    m->acts_block = calloc(n_act, sizeof(float));
    m->scratch_block = calloc(n_scratch, sizeof(float));
    m->index_block = calloc(n_int ? n_int : 1, sizeof(int));
    m->rope_cos = calloc(n_rope, sizeof(float));
    m->rope_sin = calloc(n_rope, sizeof(float));
    m->expert_load = calloc((size_t)cfg->n_layers * model_E(cfg), sizeof(double));
    if (!m->params_block || !m->grads_block || !m->acts_block || !m->scratch_block ||
        !m->index_block || !m->rope_cos || !m->rope_sin || !m->expert_load) {
        model_free(m);
        return error_set(MG_ENOMEM, "out of memory for a model of %zu parameters, batch %d",
                         m->n_params, max_batch);
    }
    bind_params(m, &m->params, m->params_block);
    bind_params(m, &m->grads, m->grads_block);
    bind_acts(m, &m->acts, m->acts_block, m->index_block, &n_int);
    bind_scratch(m, &m->scratch, m->scratch_block);
    rope_tables(m->rope_cos, m->rope_sin, cfg->seq_len, hd, cfg->rope_theta);
    return MG_OK;
}

void model_buffer_sizes_get(const model *m, model_buffer_sizes *out)
{
    /* the same counting passes model_create sized the blocks with */
    model_acts acts;
    model_grad_scratch scratch;
    size_t n_int = 0;
    out->params = m->n_params;
    out->acts = bind_acts(m, &acts, NULL, NULL, &n_int);
    out->act_ints = n_int;
    out->scratch = bind_scratch(m, &scratch, NULL);
    out->rope = 2 * (size_t)m->cfg.seq_len * (size_t)(m->cfg.d_model / m->cfg.n_heads / 2);
    out->load = (size_t)m->cfg.n_layers * model_E(&m->cfg);
}

void model_free(model *m)
{
    free(m->params_block);
    free(m->grads_block);
    free(m->acts_block);
    free(m->scratch_block);
    free(m->index_block);
    free(m->rope_cos);
    free(m->rope_sin);
    free(m->expert_load);
    memset(m, 0, sizeof *m);
}

void model_init(model *m, uint64_t seed)
{
    rng_state r;
    rng_seed(&r, seed);
    double std = 0.02;
    double std_out = 0.02 / sqrt(2.0 * m->cfg.n_layers);
    for (int i = 0; i < m->n_tensors; i++) {
        const param_tensor *t = &m->tensors[i];
        float *p = m->params_block + t->offset;
        if (t->init == MODEL_INIT_ONE) {
            for (size_t j = 0; j < t->size; j++)
                p[j] = 1.0f;
            continue;
        }
        double s = t->init == MODEL_INIT_RESIDUAL ? std_out : std;
        for (size_t j = 0; j < t->size; j++)
            p[j] = (float)(s * rng_normal(&r));
    }
}

void model_zero_grad(model *m)
{
    memset(m->grads_block, 0, sizeof(float) * m->n_params);
}

/* Views of one MoE layer's weights and activations for batch size N. */
static void moe_layer_views(const model *m, int l, int N, const model_params *p,
                            moe_weights *w, moe_acts *a, moe_shape *s)
{
    const model_config *c = &m->cfg;
    size_t C = c->d_model, E = c->n_experts, K = c->top_k, H = c->expert_hidden;
    size_t R = (size_t)N * K;
    s->N = N;
    s->C = (int)C;
    s->E = (int)E;
    s->K = (int)K;
    s->H = (int)H;
    s->lb_coef = c->lb_coef;
    s->z_coef = c->z_coef;
    w->wr = p->wr + l * E * C;
    w->w1 = p->w1 + l * E * H * C;
    w->w3 = p->w3 + l * E * H * C;
    w->w2 = p->w2 + l * E * C * H;
    if (!a)
        return;
    const model_acts *A = &m->acts;
    a->logits = A->rlogits + l * N * E;
    a->probs = A->rprobs + l * N * E;
    a->lse = A->rlse + (size_t)l * N;
    a->gate = A->gate + l * N * K;
    a->choice = A->choice + l * N * K;
    a->slot = A->slot + l * N * K;
    a->expert_off = A->expert_off + l * (E + 1);
    a->x = A->ffn_x + l * R * C;
    a->y = A->ffn_y + l * R * C;
    a->a = A->ffn_a + l * R * H;
    a->b = A->ffn_b + l * R * H;
    a->g = A->ffn_g + l * R * H;
}

int model_forward(model *m, const uint16_t *inputs, const uint16_t *targets, int B, int T)
{
    const model_config *c = &m->cfg;
    if (B < 1 || B > m->max_batch || T < 1 || T > c->seq_len)
        return error_set(MG_EINVAL, "batch shape %dx%d exceeds the model's %dx%d", B, T,
                         m->max_batch, c->seq_len);
    size_t N = (size_t)B * T;
    for (size_t n = 0; n < N; n++)
        if (inputs[n] >= c->vocab_size || (targets && targets[n] >= c->vocab_size))
            return error_set(MG_EINVAL, "token id %u at position %zu is outside the vocabulary of %d",
                             (unsigned)(inputs[n] >= c->vocab_size ? inputs[n] : targets[n]), n,
                             c->vocab_size);

    const size_t C = c->d_model, L = c->n_layers, V = c->vocab_size, NH = c->n_heads;
    const size_t H = model_H(c), K = model_K(c), R = N * K;
    const int hd = (int)(C / NH);
    const model_params *p = &m->params;
    model_acts *a = &m->acts;
    m->last_B = B;
    m->last_T = T;

    double lb_sum = 0.0, z_sum = 0.0;
    embedding_forward(a->residual, inputs, p->wte, (int)N, (int)C);
    for (size_t l = 0; l < L; l++) {
        float *x = a->residual + l * N * C;
        float *ln1 = a->ln1 + l * N * C;
        float *qkv = a->qkv + l * N * 3 * C;
        float *atty = a->atty + l * N * C;
        float *res_mid = a->res_mid + l * N * C;
        float *ln2 = a->ln2 + l * N * C;
        float *out = a->residual + (l + 1) * N * C;

        rmsnorm_forward(ln1, a->ln1_rstd + l * N, x, p->ln1g + l * C, (int)N, (int)C, c->norm_eps);
        matmul_forward(qkv, ln1, p->wqkv + l * 3 * C * C, (int)N, (int)C, (int)(3 * C), 0.0f);
        rope_forward(qkv, B, T, (int)NH, hd, (int)(3 * C), m->rope_cos, m->rope_sin);
        rope_forward(qkv + C, B, T, (int)NH, hd, (int)(3 * C), m->rope_cos, m->rope_sin);
        attention_forward(atty, a->att + l * B * NH * T * T, qkv, B, T, (int)C, (int)NH);
        memcpy(res_mid, x, sizeof(float) * N * C);
        matmul_forward(res_mid, atty, p->wo + l * C * C, (int)N, (int)C, (int)C, 1.0f);

        rmsnorm_forward(ln2, a->ln2_rstd + l * N, res_mid, p->ln2g + l * C, (int)N, (int)C, c->norm_eps);
        if (model_config_is_moe(c)) {
            moe_weights w;
            moe_acts ma;
            moe_shape s;
            double lb, z;
            moe_layer_views(m, (int)l, (int)N, p, &w, &ma, &s);
            moe_forward(out, &lb, &z, m->expert_load + l * c->n_experts, &ma, &w, ln2, &s);
            lb_sum += lb;
            z_sum += z;
        } else {
            swiglu_forward(out, a->ffn_a + l * R * H, a->ffn_b + l * R * H, a->ffn_g + l * R * H,
                           ln2, p->w1 + l * H * C, p->w3 + l * H * C, p->w2 + l * C * H,
                           (int)N, (int)C, (int)H);
        }
        vm_add(out, res_mid, N * C);
    }
    rmsnorm_forward(a->lnf, a->lnf_rstd, a->residual + L * N * C, p->lnfg, (int)N, (int)C, c->norm_eps);
    matmul_forward(a->logits, a->lnf, p->wte, (int)N, (int)C, (int)V, 0.0f);

    m->losses.ce = targets ? xent_forward(a->losses, a->logits, targets, (int)N, (int)V) : 0.0;
    m->losses.lb = lb_sum / L;
    m->losses.z = z_sum / L;
    m->losses.total = m->losses.ce + m->losses.lb + m->losses.z;
    return MG_OK;
}

void model_backward(model *m, const uint16_t *inputs, const uint16_t *targets)
{
    const model_config *c = &m->cfg;
    const int B = m->last_B, T = m->last_T;
    const size_t N = (size_t)B * T;
    const size_t C = c->d_model, L = c->n_layers, V = c->vocab_size, NH = c->n_heads;
    const size_t H = model_H(c), K = model_K(c), R = N * K;
    const int hd = (int)(C / NH);
    const model_params *p = &m->params;
    model_params *g = &m->grads;
    const model_acts *a = &m->acts;
    model_grad_scratch *s = &m->scratch;

    /* the loss head: logits = lnf wte^T, tied to the embedding */
    xent_backward(a->logits, targets, (int)N, (int)V, 1.0f);
    memset(s->dln, 0, sizeof(float) * N * C);
    matmul_backward(s->dln, g->wte, a->logits, a->lnf, p->wte, (int)N, (int)C, (int)V);
    memset(s->dres, 0, sizeof(float) * N * C);
    rmsnorm_backward(s->dres, g->lnfg, s->dln, a->residual + L * N * C, p->lnfg, a->lnf_rstd,
                     (int)N, (int)C);

    for (size_t l = L; l-- > 0;) {
        const float *x = a->residual + l * N * C;
        const float *ln1 = a->ln1 + l * N * C;
        const float *qkv = a->qkv + l * N * 3 * C;
        const float *atty = a->atty + l * N * C;
        const float *res_mid = a->res_mid + l * N * C;
        const float *ln2 = a->ln2 + l * N * C;

        /* feed-forward: residual[l+1] = res_mid + ffn(rmsnorm(res_mid)) */
        memset(s->dln, 0, sizeof(float) * N * C);
        if (model_config_is_moe(c)) {
            moe_weights w, dw;
            moe_acts ma;
            moe_shape sh;
            moe_scratch ms = {s->drlogits, s->dffn_x, s->dffn_y, s->dffn_g, s->dffn_a, s->dffn_b};
            moe_layer_views(m, (int)l, (int)N, p, &w, &ma, &sh);
            moe_layer_views(m, (int)l, (int)N, g, &dw, NULL, &sh);
            float inv_l = 1.0f / (float)L; /* the auxiliary losses are averaged over layers */
            moe_backward(s->dln, &dw, &ms, s->dres, inv_l, inv_l, &ma, &w, ln2, &sh);
        } else {
            swiglu_backward(s->dln, g->w1 + l * H * C, g->w3 + l * H * C, g->w2 + l * C * H,
                            s->dffn_g, s->dffn_a, s->dffn_b, s->dres, ln2,
                            a->ffn_a + l * R * H, a->ffn_b + l * R * H, a->ffn_g + l * R * H,
                            p->w1 + l * H * C, p->w3 + l * H * C, p->w2 + l * C * H,
                            (int)N, (int)C, (int)H);
        }
        rmsnorm_backward(s->dres, g->ln2g + l * C, s->dln, res_mid, p->ln2g + l * C,
                         a->ln2_rstd + l * N, (int)N, (int)C);

        /* attention: res_mid = x + attention(rmsnorm(x)) wo^T */
        memset(s->datty, 0, sizeof(float) * N * C);
        matmul_backward(s->datty, g->wo + l * C * C, s->dres, atty, p->wo + l * C * C,
                        (int)N, (int)C, (int)C);
        memset(s->dqkv, 0, sizeof(float) * N * 3 * C);
        attention_backward(s->dqkv, s->datt, m->lanes, s->datty, qkv, a->att + l * B * NH * T * T,
                           B, T, (int)C, (int)NH);
        rope_backward(s->dqkv, B, T, (int)NH, hd, (int)(3 * C), m->rope_cos, m->rope_sin);
        rope_backward(s->dqkv + C, B, T, (int)NH, hd, (int)(3 * C), m->rope_cos, m->rope_sin);
        memset(s->dln, 0, sizeof(float) * N * C);
        matmul_backward(s->dln, g->wqkv + l * 3 * C * C, s->dqkv, ln1, p->wqkv + l * 3 * C * C,
                        (int)N, (int)C, (int)(3 * C));
        rmsnorm_backward(s->dres, g->ln1g + l * C, s->dln, x, p->ln1g + l * C,
                         a->ln1_rstd + l * N, (int)N, (int)C);
    }
    embedding_backward(g->wte, s->dres, inputs, (int)N, (int)C);
}
