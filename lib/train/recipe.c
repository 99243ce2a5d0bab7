#include "train/recipe.h"
#include "util/error.h"
#include "model/params.h"
#include "util/fsutil.h"
#include "util/inifile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KEY_INT, KEY_LONG, KEY_FLOAT, KEY_PATH, KEY_LABEL, KEY_MATCH } key_type;

/* When a file must give a key: the keys without a default, and the FFN
 * width the model's kind (dense or MoE) uses. */
typedef enum { NEED_NONE, NEED_ALWAYS, NEED_DENSE, NEED_MOE } key_need;

typedef struct {
    const char *section;
    const char *name;
    key_type type;
    size_t offset;
    double lo, hi;    /* inclusive range for numbers */
    key_need need;
    const char *what; /* for "is required" messages */
} recipe_key;

#define KEY(sec, name, type, field, lo, hi) \
    {sec, name, type, offsetof(recipe, field), lo, hi, NEED_NONE, NULL}
#define KEY_NEEDED(sec, name, type, field, lo, hi, need, what) \
    {sec, name, type, offsetof(recipe, field), lo, hi, need, what}

static const recipe_key recipe_keys[] = {
    KEY_NEEDED("model", "vocab_size", KEY_INT, model.vocab_size, 2, 65536, NEED_ALWAYS,
               "the token files' vocabulary size"),
    KEY_NEEDED("model", "d_model", KEY_INT, model.d_model, 2, 65536, NEED_ALWAYS,
               "the width of the residual stream"),
    KEY_NEEDED("model", "n_layers", KEY_INT, model.n_layers, 1, 1024, NEED_ALWAYS,
               "the number of decoder blocks"),
    KEY_NEEDED("model", "n_heads", KEY_INT, model.n_heads, 1, 65536, NEED_ALWAYS,
               "the number of attention heads"),
    KEY_NEEDED("model", "seq_len", KEY_INT, model.seq_len, 1, 65536, NEED_ALWAYS,
               "the context length in tokens"),
    KEY_NEEDED("model", "ffn_hidden", KEY_INT, model.ffn_hidden, 0, 1 << 20, NEED_DENSE,
               "the dense feed-forward hidden size, for a model with n_experts = 0"),
    KEY("model", "n_experts", KEY_INT, model.n_experts, 0, 64),
    KEY("model", "top_k", KEY_INT, model.top_k, 1, 8),
    KEY_NEEDED("model", "expert_hidden", KEY_INT, model.expert_hidden, 0, 1 << 20, NEED_MOE,
               "each expert's hidden size, for a model with n_experts > 0"),
    KEY("model", "lb_coef", KEY_FLOAT, model.lb_coef, 0, 1e3),
    KEY("model", "z_coef", KEY_FLOAT, model.z_coef, 0, 1e3),
    KEY("model", "rope_theta", KEY_FLOAT, model.rope_theta, 1, 1e9),
    KEY("model", "norm_eps", KEY_FLOAT, model.norm_eps, 1e-12, 1),
    KEY("train", "batch_size", KEY_INT, batch_size, 1, 1 << 16),
    KEY_NEEDED("train", "steps", KEY_LONG, steps, 1, 1e12, NEED_ALWAYS,
               "the number of optimizer steps"),
    KEY("train", "lr", KEY_FLOAT, lr, 1e-9, 10),
    KEY("train", "warmup", KEY_FLOAT, warmup, 0, 1),
    KEY("train", "min_lr_ratio", KEY_FLOAT, min_lr_ratio, 0, 1),
    KEY("train", "grad_clip", KEY_FLOAT, grad_clip, 1e-6, 1e6),
    KEY("train", "eval_every", KEY_LONG, eval_every, 1, 1e12),
    KEY("train", "beta1", KEY_FLOAT, optim.beta1, 0, 0.999999),
    KEY("train", "beta2", KEY_FLOAT, optim.beta2, 0, 0.999999),
    KEY("train", "eps", KEY_FLOAT, optim.eps, 1e-30, 1),
    KEY("train", "weight_decay", KEY_FLOAT, optim.weight_decay, 0, 10),
    KEY("data", "train", KEY_PATH, train_tokens, 0, 0),
    KEY("data", "val", KEY_PATH, val_tokens, 0, 0),
    KEY("run", "tier", KEY_LABEL, tier, 0, 0),
    KEY("run", "corpus", KEY_LABEL, corpus, 0, 0),
    KEY("run", "matched", KEY_MATCH, matched, 0, 0),
};
enum { N_KEYS = sizeof recipe_keys / sizeof recipe_keys[0] };

void recipe_defaults(recipe *r)
{
    memset(r, 0, sizeof *r);
    model_config_defaults(&r->model);
    r->optim.beta1 = 0.9f;
    r->optim.beta2 = 0.95f;
    r->optim.eps = 1e-8f;
    r->optim.weight_decay = 0.1f;
    r->batch_size = 32;
    r->lr = 3e-3f;
    r->warmup = 0.05f;
    r->min_lr_ratio = 0.1f;
    r->grad_clip = 1.0f;
    r->eval_every = 100;
}

typedef struct {
    recipe *r;
    const char *path;
    char dir[RECIPE_PATH_MAX]; /* folder of the recipe, for relative paths */
    int seen[N_KEYS];          /* the line that gave each key, 0 if none */
} parse_ctx;

static int parse_number(const recipe_key *k, const char *value, recipe *r, char *msg, size_t msz)
{
    char *end = NULL;
    errno = 0;
    double v;
    if (k->type == KEY_FLOAT) {
        v = strtod(value, &end);
    } else {
        long long iv = strtoll(value, &end, 10);
        v = (double)iv;
    }
    if (end == value || *end != '\0' || errno == ERANGE) {
        snprintf(msg, msz, "'%s' is not %s", value, k->type == KEY_FLOAT ? "a number" : "an integer");
        return 0;
    }
    if (!isfinite(v) || v < k->lo || v > k->hi) {
        snprintf(msg, msz, "%s is out of range: expected %g..%g", value, k->lo, k->hi);
        return 0;
    }
    char *field = (char *)r + k->offset;
    if (k->type == KEY_INT)
        *(int *)field = (int)v;
    else if (k->type == KEY_LONG)
        *(long *)field = (long)v;
    else
        *(float *)field = (float)v;
    return 1;
}

/* A label: 1..RECIPE_LABEL_MAX-1 characters of A-Z a-z 0-9 . _ - (names
 * of tiers, corpora and models, safe in file names and tables). */
static int label_ok(const char *s, size_t n)
{
    int ok = n > 0 && n < RECIPE_LABEL_MAX;
    for (size_t j = 0; ok && j < n; j++)
        ok = isalnum((unsigned char)s[j]) || strchr("._-", s[j]) != NULL;
    return ok;
}

/* "NAME active|total", one space or more between, as a tier's `match`. */
static int parse_match(const char *value, recipe_match *m)
{
    const char *sp = strchr(value, ' ');
    if (!sp || !label_ok(value, (size_t)(sp - value)))
        return 0;
    const char *word = sp;
    while (*word == ' ')
        word++;
    params_target t;
    if (strcmp(word, "active") == 0)
        t = PARAMS_TARGET_ACTIVE;
    else if (strcmp(word, "total") == 0)
        t = PARAMS_TARGET_TOTAL;
    else
        return 0;
    memcpy(m->model, value, (size_t)(sp - value));
    m->model[sp - value] = '\0';
    m->target = t;
    return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value,
                  int line, char *msg, size_t msz)
{
    parse_ctx *ctx = user;
    int i;
    for (i = 0; i < N_KEYS; i++)
        if (strcmp(recipe_keys[i].section, section) == 0 && strcmp(recipe_keys[i].name, name) == 0)
            break;
    if (i == N_KEYS) {
        /* bounded: the name is whatever the line held, up to RECIPE_LINE_MAX */
        snprintf(msg, msz, "[%s] %.200s: unknown key", section, name);
        return 0;
    }
    const recipe_key *k = &recipe_keys[i];
    if (ctx->seen[i]) {
        snprintf(msg, msz, "[%s] %s: key given twice (first on line %d)", k->section,
                 k->name, ctx->seen[i]);
        return 0;
    }
    ctx->seen[i] = line;
    if (k->type == KEY_PATH) {
        char *field = (char *)ctx->r + k->offset;
        int n = value[0] == '/' ? snprintf(field, RECIPE_PATH_MAX, "%s", value)
                                : snprintf(field, RECIPE_PATH_MAX, "%s%s", ctx->dir, value);
        if (value[0] == '\0' || n >= RECIPE_PATH_MAX) {
            snprintf(msg, msz, "[%s] %s: expected a file path", k->section, k->name);
            return 0;
        }
        return 1;
    }
    if (k->type == KEY_LABEL) {
        char *field = (char *)ctx->r + k->offset;
        size_t n = strlen(value);
        if (!label_ok(value, n)) {
            snprintf(msg, msz, "[%s] %s: '%.80s' is not a label (1-%d of A-Z a-z 0-9 . _ -)",
                     k->section, k->name, value, RECIPE_LABEL_MAX - 1);
            return 0;
        }
        memcpy(field, value, n + 1);
        return 1;
    }
    if (k->type == KEY_MATCH) {
        if (!parse_match(value, (recipe_match *)((char *)ctx->r + k->offset))) {
            snprintf(msg, msz, "[%s] %s: '%.80s' is not a MoE model and its count (a label "
                     "of 1-%d of A-Z a-z 0-9 . _ -, then active or total: moe4 active)",
                     k->section, k->name, value, RECIPE_LABEL_MAX - 1);
            return 0;
        }
        return 1;
    }
    char why[300];
    if (!parse_number(k, value, ctx->r, why, sizeof why)) {
        snprintf(msg, msz, "[%s] %s: %s", k->section, k->name, why);
        return 0;
    }
    return 1;
}

/* Reads the file through the shared strict reader (inifile.h). */
static int parse_file(parse_ctx *ctx, FILE *f)
{
    inifile_reader rd = {ctx->path, "[model], [train], [data] or [run]", on_key, ctx};
    return inifile_parse(&rd, f, NULL);
}

/* A key without a default must be in the file: its zero would otherwise
 * be reported as "= 0 is out of range", as if the file had said so. */
static int check_required(const parse_ctx *ctx)
{
    int moe = ctx->r->model.n_experts > 0;
    for (int i = 0; i < N_KEYS; i++) {
        const recipe_key *k = &recipe_keys[i];
        int needed = k->need == NEED_ALWAYS || (k->need == NEED_DENSE && !moe) ||
                     (k->need == NEED_MOE && moe);
        if (needed && !ctx->seen[i])
            return error_set(MG_EINVAL, "%s: [%s] %s is required (%s)", ctx->path, k->section,
                             k->name, k->what);
    }
    return MG_OK;
}

/* Data paths resolve against the recipe's folder, made absolute so the
 * resolved recipe a run folder keeps still names the same files. */
static int recipe_folder(parse_ctx *ctx, const char *path)
{
    char folder[RECIPE_PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;
    if (len >= sizeof folder)
        return error_set(MG_EINVAL, "%s: path too long", path);
    memcpy(folder, slash ? path : ".", slash ? len : 1);
    folder[slash ? len : 1] = '\0';
    if (slash && len == 0)
        strcpy(folder, "/");
    char *abs = realpath(folder, NULL);
    if (!abs)
        return error_set(MG_EIO, "%s: cannot open recipe: %s", path, strerror(errno));
    int n = snprintf(ctx->dir, sizeof ctx->dir, "%s/", strcmp(abs, "/") == 0 ? "" : abs);
    free(abs);
    if (n >= (int)sizeof ctx->dir)
        return error_set(MG_EINVAL, "%s: path too long", path);
    return MG_OK;
}

int recipe_read(recipe *r, const char *path)
{
    recipe_defaults(r);
    parse_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.r = r;
    ctx.path = path;
    FILE *f;
    int rc = recipe_folder(&ctx, path);
    if (rc || (rc = fs_open_regular(path, "recipe", &f)))
        return rc;
    rc = parse_file(&ctx, f);
    fclose(f);
    if (rc || (rc = check_required(&ctx)))
        return rc;
    rc = recipe_validate(r);
    if (rc)
        return error_prefix(rc, "%s: ", path);
    return MG_OK;
}

int recipe_require_data(const recipe *r, const char *path)
{
    if (!r->train_tokens[0])
        return error_set(MG_EINVAL, "%s: [data] train is required (the token file to train on)",
                         path);
    if (!r->val_tokens[0])
        return error_set(MG_EINVAL, "%s: [data] val is required (the token file to validate on)",
                         path);
    return MG_OK;
}

/* A lower bound on the floats one training step holds: four copies of the
 * parameters (weights, gradients, two AdamW moments), every layer's
 * attention probabilities (L*B*heads*T*T) and the logits (B*T*V), the
 * largest arrays the model allocates. In double: the products overflow. */
static double step_floats(const recipe *r)
{
    const model_config *c = &r->model;
    params_counts n;
    double params = params_count(c, &n) == MG_OK ? (double)n.n_total : 0;
    double bt = (double)r->batch_size * c->seq_len;
    return 4 * params + (double)c->n_layers * c->n_heads * c->seq_len * bt +
           bt * c->vocab_size;
}

int recipe_validate(const recipe *r)
{
    int rc = model_config_validate(&r->model);
    if (rc)
        return error_prefix(rc, "[model] ");
    if (r->batch_size < 1)
        return error_set(MG_EINVAL, "[train] batch_size: expected at least 1");
    if (r->steps < 1)
        return error_set(MG_EINVAL, "[train] steps: expected at least 1");
    if (r->eval_every < 1)
        return error_set(MG_EINVAL, "[train] eval_every: expected at least 1");
    if (!(r->lr > 0))
        return error_set(MG_EINVAL, "[train] lr: expected a positive learning rate");
    /* the record says which MoE a dense model stands beside; a MoE
     * matched to another would mislabel the report's pairs */
    if (r->matched.model[0] && model_config_is_moe(&r->model))
        return error_set(MG_EINVAL, "[run] matched = %s %s: only a dense recipe (n_experts = 0) "
                         "is matched to a MoE", r->matched.model,
                         params_target_name(r->matched.target));
    double gib = step_floats(r) * sizeof(float) / (1u << 30);
    if (gib > RECIPE_MAX_STEP_GIB)
        return error_set(MG_EINVAL, "[model] seq_len = %d, n_layers = %d, n_heads = %d, "
                         "vocab_size = %d and [train] batch_size = %d: a training step would "
                         "hold at least %.0f GiB (parameters x 4, attention L*B*heads*T*T, "
                         "logits B*T*V), expected at most %d GiB", r->model.seq_len,
                         r->model.n_layers, r->model.n_heads, r->model.vocab_size, r->batch_size,
                         gib, RECIPE_MAX_STEP_GIB);
    return MG_OK;
}

int recipe_dense_from_moe(recipe *out, const recipe *moe, const model_config *dense,
                          const char *moe_name, params_target target)
{
    if (!model_config_is_moe(&moe->model))
        return error_set(MG_EINVAL, "the model to match is dense: expected a MoE recipe");
    if (model_config_is_moe(dense))
        return error_set(MG_EINVAL, "the matched model has experts: expected a dense one");
    if (!label_ok(moe_name, strlen(moe_name)))
        return error_set(MG_EINVAL, "'%.80s' is not a model name for [run] matched (1-%d of "
                         "A-Z a-z 0-9 . _ -)", moe_name, RECIPE_LABEL_MAX - 1);
    if (target != PARAMS_TARGET_ACTIVE && target != PARAMS_TARGET_TOTAL)
        return error_set(MG_EINVAL, "[run] matched: no such count (%d)", (int)target);
    /* copied through a local: out may be moe, and moe_name may lie in it */
    recipe r = *moe;
    r.model = *dense;
    memset(&r.matched, 0, sizeof r.matched);
    memcpy(r.matched.model, moe_name, strlen(moe_name) + 1);
    r.matched.target = target;
    *out = r;
    return MG_OK;
}

long recipe_warmup_steps(const recipe *r)
{
    long w = lroundf(r->warmup * (float)r->steps);
    return w < 1 ? 1 : w;
}

/* The shortest decimal that reads back as the same float (0.01, not
 * 0.00999999978), so resolved recipes stay readable. Static buffer. */
static const char *float_text(float v)
{
    static char buf[32];
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return buf;
}

char *recipe_to_string(const recipe *r)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    recipe_write(r, f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

size_t recipe_key_count(void)
{
    return N_KEYS;
}

int recipe_key_per_model(size_t i)
{
    return i < N_KEYS && recipe_keys[i].type == KEY_MATCH;
}

void recipe_key_text(const recipe *r, size_t i, const char **section, const char **name,
                     char *buf, size_t n)
{
    const recipe_key *k = &recipe_keys[i < N_KEYS ? i : 0];
    *section = k->section;
    *name = k->name;
    const char *field = (const char *)r + k->offset;
    switch (k->type) {
    case KEY_INT: snprintf(buf, n, "%d", *(const int *)field); break;
    case KEY_LONG: snprintf(buf, n, "%ld", *(const long *)field); break;
    case KEY_FLOAT: snprintf(buf, n, "%s", float_text(*(const float *)field)); break;
    case KEY_PATH:
    case KEY_LABEL: snprintf(buf, n, "%s", field); break;
    case KEY_MATCH: {
        const recipe_match *m = (const recipe_match *)field;
        if (m->model[0])
            snprintf(buf, n, "%s %s", m->model, params_target_name(m->target));
        else
            snprintf(buf, n, "%s", "");
        break;
    }
    }
}

void recipe_write(const recipe *r, FILE *f)
{
    const char *section = "";
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *sec, *name;
        char value[RECIPE_PATH_MAX];
        recipe_key_text(r, i, &sec, &name, value, sizeof value);
        if (strcmp(section, sec) != 0) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", sec);
            section = sec;
        }
        /* an unset path or label is left out, as the file it came from did */
        if (value[0] != '\0')
            fprintf(f, "%s = %s\n", name, value);
    }
}
