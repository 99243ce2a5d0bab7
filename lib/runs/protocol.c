#include "runs/protocol.h"
#include "util/error.h"
#include "runs/tier.h"
#include "util/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

/* Which names exist is the tier's to say (protocols/tiers/<tier>/tier.ini),
 * so a typo shows when a plan or a check meets the tier. */
void protocol_dir(const protocol *p, char *dst, size_t cap)
{
    const char *slash = strrchr(p->path, '/');
    if (!slash)
        snprintf(dst, cap, ".");
    else /* "/x.ini" lies in "/" */
        snprintf(dst, cap, "%.*s", slash == p->path ? 1 : (int)(slash - p->path), p->path);
}

int protocol_model_name_valid(const char *s)
{
    if (!*s || strlen(s) >= PROTOCOL_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

typedef enum {
    K_NAME, K_TEXT,                                   /* [claim] */
    K_MODELS,                                         /* [runs] */
    K_STATISTIC, K_TEST, K_ALPHA, K_POWER, K_FIT, K_FIT_FROM, K_EARLY, /* [check] */
    K_GAP, K_ROLE, K_DIRECTION, K_SLOPE, K_FINAL, K_PAPER, /* [gap NAME] */
    N_KEYS
} key_id;

static const struct {
    const char *section; /* "gap" stands for every [gap NAME] */
    const char *name;
} keys[N_KEYS] = {
    {"claim", "name"},      {"claim", "text"},       {"runs", "models"},
    {"check", "statistic"}, {"check", "test"},       {"check", "alpha"},   {"check", "power"},
    {"check", "fit"},       {"check", "fit_from"},   {"check", "early_share"},
    {"gap", "gap"},         {"gap", "role"},         {"gap", "direction"}, {"gap", "slope"},
    {"gap", "final"},       {"gap", "paper"},
};

typedef struct {
    protocol *p;
    FILE *f;
    int line;            /* lines read so far: the line the handler is on */
    int continuation;    /* the line just read began with white space */
    int too_long;        /* a line did not fit inih's buffer */
    int fail_line;       /* the line of the first key refused, 0 none */
    int seen[N_KEYS];    /* line of each [claim]/[runs]/[check] key, 0 unseen */
    int gap_seen[PROTOCOL_MAX_GAPS][N_KEYS];
    char gap_models[PROTOCOL_MAX_GAPS][2][PROTOCOL_NAME_MAX];
    char msg[700];
} parse_ctx;

/* fgets that counts lines, so post-parse checks can name the line too. */
static char *reader(char *str, int num, void *stream)
{
    parse_ctx *ctx = stream;
    char *s = fgets(str, num, ctx->f);
    if (!s)
        return NULL;
    ctx->line++;
    size_t n = strlen(s);
    if (n == (size_t)num - 1 && s[n - 1] != '\n' && !feof(ctx->f)) {
        ctx->too_long = ctx->line;
        return NULL; /* ends the parse; reported below */
    }
    ctx->continuation = s[0] == ' ' || s[0] == '\t';
    return s;
}

static int is_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PROTOCOL_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse_sign(const char *v, int allow_none, protocol_sign *out)
{
    if (strcmp(v, "positive") == 0)
        *out = SIGN_POSITIVE;
    else if (strcmp(v, "negative") == 0)
        *out = SIGN_NEGATIVE;
    else if (allow_none && strcmp(v, "none") == 0)
        *out = SIGN_NONE;
    else
        return 0;
    return 1;
}

/* Calls item() on each trimmed element of a comma-separated list. */
static int parse_list(parse_ctx *ctx, const char *value, int (*item)(parse_ctx *, const char *))
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", value);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!item(ctx, trim(tok)))
            return 0;
    return 1;
}

static int parse_model(parse_ctx *ctx, const char *tok)
{
    protocol *p = ctx->p;
    if (protocol_model_index(p, tok) >= 0) {
        snprintf(ctx->msg, sizeof ctx->msg, "'%s' is listed twice", tok);
        return 0;
    }
    if (!protocol_model_name_valid(tok)) {
        snprintf(ctx->msg, sizeof ctx->msg, "'%s': a model's name is lower-case letters, "
                 "digits and '_' (a model of the tier's tier.ini)", tok);
        return 0;
    }
    if (p->n_models == PROTOCOL_MAX_MODELS) {
        snprintf(ctx->msg, sizeof ctx->msg, "'%s': more than %d models", tok,
                 PROTOCOL_MAX_MODELS);
        return 0;
    }
    snprintf(p->models[p->n_models++], PROTOCOL_NAME_MAX, "%s", tok);
    return 1;
}

static int parse_models(parse_ctx *ctx, const char *value)
{
    if (!parse_list(ctx, value, parse_model))
        return 0;
    if (ctx->p->n_models == 0)
        snprintf(ctx->msg, sizeof ctx->msg, "expected a comma-separated list of models");
    return ctx->p->n_models > 0;
}

/* A number strictly inside (lo, hi). */
static int parse_open(parse_ctx *ctx, const char *value, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end || errno || !(v > lo && v < hi)) {
        snprintf(ctx->msg, sizeof ctx->msg, "'%s' is not a number strictly between %g and %g",
                 value, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

/* "A - B": the two model names, checked against [runs] models after the
 * parse (the sections may come in any order). */
static int parse_gap_expr(parse_ctx *ctx, int g, const char *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", value);
    char *minus = strstr(buf, " - ");
    if (!minus) {
        snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected 'MODEL_A - MODEL_B'", value);
        return 0;
    }
    *minus = '\0';
    char *a = trim(buf), *b = trim(minus + 3);
    if (!is_label(a) || !is_label(b) || strcmp(a, b) == 0) {
        snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected two different model names", value);
        return 0;
    }
    snprintf(ctx->gap_models[g][0], PROTOCOL_NAME_MAX, "%s", a);
    snprintf(ctx->gap_models[g][1], PROTOCOL_NAME_MAX, "%s", b);
    return 1;
}

static int gap_index(parse_ctx *ctx, const char *name)
{
    protocol *p = ctx->p;
    for (int g = 0; g < p->n_gaps; g++)
        if (strcmp(p->gaps[g].name, name) == 0)
            return g;
    if (!is_label(name)) {
        snprintf(ctx->msg, sizeof ctx->msg, "[gap %s]: the gap's name must be a label "
                 "(A-Z a-z 0-9 _ -)", name);
        return -1;
    }
    if (p->n_gaps == PROTOCOL_MAX_GAPS) {
        snprintf(ctx->msg, sizeof ctx->msg, "[gap %s]: at most %d gaps", name, PROTOCOL_MAX_GAPS);
        return -1;
    }
    protocol_gap *gp = &p->gaps[p->n_gaps];
    memset(gp, 0, sizeof *gp);
    gp->a = gp->b = -1;
    snprintf(gp->name, sizeof gp->name, "%s", name);
    return p->n_gaps++;
}

static int set_value(parse_ctx *ctx, key_id k, int g, const char *value)
{
    protocol *p = ctx->p;
    protocol_gap *gp = g >= 0 ? &p->gaps[g] : NULL;
    switch (k) {
    case K_NAME:
        if (!is_label(value))
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s' is not a label", value), 0;
        snprintf(p->name, sizeof p->name, "%s", value);
        return 1;
    case K_TEXT:
        if (!value[0] || strlen(value) >= sizeof p->text)
            return snprintf(ctx->msg, sizeof ctx->msg, "expected 1..%d characters",
                            (int)sizeof p->text - 1), 0;
        snprintf(p->text, sizeof p->text, "%s", value);
        return 1;
    case K_MODELS: return parse_models(ctx, value);
    case K_STATISTIC:
        if (strcmp(value, "best_val_loss") == 0)
            p->statistic = STATISTIC_BEST_VAL_LOSS;
        else if (strcmp(value, "val_loss_trajectory") == 0)
            p->statistic = STATISTIC_TRAJECTORY;
        else
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected best_val_loss or "
                            "val_loss_trajectory", value), 0;
        return 1;
    /* one test, one fit: the keys exist so the file states its rule */
    case K_TEST:
        if (strcmp(value, "paired_t_one_sided") != 0)
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected paired_t_one_sided",
                            value), 0;
        return 1;
    case K_FIT:
        if (strcmp(value, "gap_on_log_step") != 0)
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected gap_on_log_step", value), 0;
        return 1;
    case K_FIT_FROM:
        if (strcmp(value, "after_warmup") != 0)
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected after_warmup", value), 0;
        return 1;
    case K_ALPHA: return parse_open(ctx, value, 0, 0.5, &p->alpha);
    case K_POWER: return parse_open(ctx, value, 0, 1, &p->power);
    case K_EARLY: return parse_open(ctx, value, 0, 1, &p->early_share);
    case K_GAP: return parse_gap_expr(ctx, g, value);
    case K_ROLE:
        if (strcmp(value, "gate") != 0 && strcmp(value, "report") != 0)
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected gate or report", value), 0;
        gp->gate = strcmp(value, "gate") == 0;
        return 1;
    case K_DIRECTION:
    case K_SLOPE:
    case K_FINAL: {
        protocol_sign *dst = k == K_DIRECTION ? &gp->direction : k == K_SLOPE ? &gp->slope
                                                                              : &gp->final;
        if (!parse_sign(value, k == K_FINAL, dst))
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected positive%s or negative",
                            value, k == K_FINAL ? ", none" : ""), 0;
        if (k == K_FINAL && *dst == SIGN_NEGATIVE)
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s': expected positive or none",
                            value), 0;
        return 1;
    }
    case K_PAPER:
        if (!is_label(value))
            return snprintf(ctx->msg, sizeof ctx->msg, "'%s' is not a label", value), 0;
        snprintf(gp->paper, sizeof gp->paper, "%s", value);
        return 1;
    case N_KEYS: break;
    }
    return 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *ctx = user;
    protocol *p = ctx->p;
    int g = -1;
    /* a bare [gap] names no gap: it matches no key rather than gap -1 */
    const char *kind = strcmp(section, "gap") == 0 ? "gap without a name" : section;
    if (ctx->fail_line)
        return 0; /* inih goes on after an error; keep the first message */
    if (strncmp(section, "gap ", 4) == 0) {
        char gname[PROTOCOL_NAME_MAX * 2];
        snprintf(gname, sizeof gname, "%s", section + 4);
        kind = "gap";
        if ((g = gap_index(ctx, trim(gname))) < 0) {
            ctx->fail_line = ctx->line;
            return 0;
        }
    }
    int k;
    for (k = 0; k < N_KEYS; k++)
        if (strcmp(keys[k].section, kind) == 0 && strcmp(keys[k].name, name) == 0)
            break;
    if (k == N_KEYS && strcmp(kind, "runs") == 0 && strcmp(name, "seeds") == 0) {
        /* the seeds were once a protocol key: say where they went */
        snprintf(ctx->msg, sizeof ctx->msg, "[runs] seeds: not a protocol key: the seeds are "
                 "the tier's (protocols/tiers/<tier>/" TIER_FILE "), or moegap check --seeds");
        ctx->fail_line = ctx->line;
        return 0;
    }
    if (k == N_KEYS) {
        snprintf(ctx->msg, sizeof ctx->msg, "[%s] %s: unknown key", section, name);
        ctx->fail_line = ctx->line;
        return 0;
    }
    int *seen = g >= 0 ? &ctx->gap_seen[g][k] : &ctx->seen[k];
    if (*seen && ctx->continuation && k == K_TEXT) {
        /* an indented line goes on with the claim's text */
        size_t n = strlen(p->text);
        if (n + 1 + strlen(value) >= sizeof p->text) {
            snprintf(ctx->msg, sizeof ctx->msg, "[%s] %s: longer than %d characters", section,
                     name, (int)sizeof p->text - 1);
            ctx->fail_line = ctx->line;
            return 0;
        }
        snprintf(p->text + n, sizeof p->text - n, " %s", value);
        return 1;
    }
    if (*seen) {
        snprintf(ctx->msg, sizeof ctx->msg, "[%s] %s: key given twice (first on line %d)",
                 section, name, *seen);
        ctx->fail_line = ctx->line;
        return 0;
    }
    *seen = ctx->line;
    char why[600] = "";
    ctx->msg[0] = '\0';
    if (!set_value(ctx, (key_id)k, g, value)) {
        snprintf(why, sizeof why, "%.500s", ctx->msg);
        snprintf(ctx->msg, sizeof ctx->msg, "[%.60s] %.40s: %s", section, name, why);
        ctx->fail_line = ctx->line;
        return 0;
    }
    return 1;
}

/* Cross-key rules, checked once the whole file is read; each message names
 * the line of the key at fault, or the section that lacks one. */
static int validate(parse_ctx *ctx, const char *path, const char *base)
{
    protocol *p = ctx->p;
    static const key_id required[] = {K_NAME, K_TEXT, K_MODELS, K_STATISTIC, K_TEST, K_ALPHA,
                                      K_POWER};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!ctx->seen[required[i]])
            return error_set(MG_EINVAL, "%s: [%s] %s: missing", path, keys[required[i]].section,
                             keys[required[i]].name);
    if (strcmp(p->name, base) != 0)
        return error_set(MG_EINVAL, "%s:%d: [claim] name: '%s' differs from the file's name "
                         "'%s'", path, ctx->seen[K_NAME], p->name, base);
    int traj = p->statistic == STATISTIC_TRAJECTORY;
    static const key_id traj_keys[] = {K_FIT, K_FIT_FROM, K_EARLY};
    for (size_t i = 0; i < 3; i++) {
        key_id k = traj_keys[i];
        if (traj && !ctx->seen[k])
            return error_set(MG_EINVAL, "%s: [check] %s: missing (statistic "
                             "val_loss_trajectory needs it)", path, keys[k].name);
        if (!traj && ctx->seen[k])
            return error_set(MG_EINVAL, "%s:%d: [check] %s: applies only to statistic "
                             "val_loss_trajectory", path, ctx->seen[k], keys[k].name);
    }
    if (p->n_gaps == 0)
        return error_set(MG_EINVAL, "%s: no [gap NAME] section", path);
    int gates = 0, used[PROTOCOL_MAX_MODELS] = {0};
    for (int g = 0; g < p->n_gaps; g++) {
        protocol_gap *gp = &p->gaps[g];
        int *seen = ctx->gap_seen[g];
        if (!seen[K_GAP] || !seen[K_ROLE])
            return error_set(MG_EINVAL, "%s: [gap %s] %s: missing", path, gp->name,
                             seen[K_GAP] ? "role" : "gap");
        for (int side = 0; side < 2; side++) {
            int m = protocol_model_index(p, ctx->gap_models[g][side]);
            if (m < 0)
                return error_set(MG_EINVAL, "%s:%d: [gap %s] gap: model '%s' is not in [runs] "
                                 "models", path, seen[K_GAP], gp->name, ctx->gap_models[g][side]);
            *(side ? &gp->b : &gp->a) = m;
            used[m] = 1;
        }
        /* which sign keys a gap takes follows from the statistic and role */
        key_id wrong = traj ? K_DIRECTION : seen[K_SLOPE] ? K_SLOPE : K_FINAL;
        if (seen[wrong])
            return error_set(MG_EINVAL, "%s:%d: [gap %s] %s: does not apply to statistic %s",
                             path, seen[wrong], gp->name, keys[wrong].name,
                             protocol_statistic_name(p->statistic));
        key_id need = traj ? K_SLOPE : K_DIRECTION;
        if (gp->gate && !seen[need])
            return error_set(MG_EINVAL, "%s: [gap %s] %s: missing (a gate needs the claim's "
                             "sign)", path, gp->name, keys[need].name);
        if (!gp->gate && traj && (seen[K_SLOPE] || seen[K_FINAL]))
            return error_set(MG_EINVAL, "%s:%d: [gap %s] %s: a reported gap has no claim",
                             path, seen[K_SLOPE] ? seen[K_SLOPE] : seen[K_FINAL], gp->name,
                             seen[K_SLOPE] ? "slope" : "final");
        gates += gp->gate;
    }
    if (!gates)
        return error_set(MG_EINVAL, "%s: no [gap NAME] has role = gate: nothing decides the "
                         "verdict", path);
    for (int m = 0; m < p->n_models; m++)
        if (!used[m])
            return error_set(MG_EINVAL, "%s:%d: [runs] models: '%s' is in no gap", path,
                             ctx->seen[K_MODELS], p->models[m]);
    return MG_OK;
}

int protocol_read(protocol *p, const char *path)
{
    memset(p, 0, sizeof *p);
    if (strlen(path) >= sizeof p->path)
        return error_set(MG_EINVAL, "%s: path too long", path);
    strcpy(p->path, path);
    /* the file's base name without .ini: [claim] name must repeat it */
    char base[PROTOCOL_NAME_MAX * 2];
    const char *slash = strrchr(path, '/');
    snprintf(base, sizeof base, "%.127s", slash ? slash + 1 : path);
    size_t bl = strlen(base);
    if (bl > 4 && strcmp(base + bl - 4, ".ini") == 0)
        base[bl - 4] = '\0';
    parse_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return error_set(MG_ENOMEM, "%s: out of memory", path);
    ctx->p = p;
    ctx->f = fopen(path, "r");
    int rc = MG_OK;
    if (!ctx->f) {
        rc = error_set(MG_EIO, "%s: cannot open protocol: %s", path, strerror(errno));
    } else {
        int line = ini_parse_stream(reader, ctx, on_key, ctx);
        fclose(ctx->f);
        if (ctx->too_long)
            rc = error_set(MG_EINVAL, "%s:%d: line too long (at most 198 characters; continue "
                           "a [claim] text on an indented line)", path, ctx->too_long);
        else if (line != 0)
            /* inih reports the first bad line; a line it could not parse
             * never reached on_key, so it has no message of ours */
            rc = error_set(MG_EINVAL, "%s:%d: %s", path, line,
                           line == ctx->fail_line ? ctx->msg : "malformed line (expected key = "
                                                               "value or [section])");
        else
            rc = validate(ctx, path, base);
    }
    free(ctx);
    return rc;
}

const char *protocol_sign_name(protocol_sign s)
{
    return s == SIGN_POSITIVE ? "positive" : s == SIGN_NEGATIVE ? "negative" : "none";
}

const char *protocol_sign_text(protocol_sign s)
{
    return s == SIGN_POSITIVE ? "> 0" : s == SIGN_NEGATIVE ? "< 0" : "none";
}

const char *protocol_statistic_name(protocol_statistic s)
{
    return s == STATISTIC_TRAJECTORY ? "val_loss_trajectory" : "best_val_loss";
}

int protocol_model_index(const protocol *p, const char *model)
{
    for (int i = 0; i < p->n_models; i++)
        if (strcmp(p->models[i], model) == 0)
            return i;
    return -1;
}

int protocol_set_seeds(protocol *p, const int *seeds, int n)
{
    if (n < 2 || n > PROTOCOL_MAX_SEEDS)
        return error_set(MG_EINVAL, "%s: %d seeds: expected 2..%d", p->path, n,
                         PROTOCOL_MAX_SEEDS);
    memcpy(p->seeds, seeds, (size_t)n * sizeof *seeds);
    p->n_seeds = n;
    return MG_OK;
}

int protocol_list_read(protocol_list *l, const char *dir, size_t max)
{
    memset(l, 0, sizeof *l);
    char pattern[PROTOCOL_PATH_MAX];
    int rc = fs_join(pattern, sizeof pattern, dir, "*.ini");
    if (rc)
        return rc;
    glob_t *g = calloc(1, sizeof *g);
    if (!g)
        return error_set(MG_ENOMEM, "%s: out of memory", dir);
    int grc = glob(pattern, GLOB_ERR, NULL, g);
    if (grc == GLOB_NOMATCH)
        rc = error_set(MG_EIO, "%s: no protocols (*.ini)", dir);
    else if (grc != 0)
        rc = error_set(MG_EIO, "%s: cannot list the protocols", dir);
    else if (g->gl_pathc > max)
        rc = error_set(MG_EINVAL, "%s: more than %zu protocols", dir, max);
    if (rc) {
        if (grc == 0)
            globfree(g);
        free(g);
        return rc;
    }
    l->paths = g->gl_pathv;
    l->n = g->gl_pathc;
    l->priv = g;
    return MG_OK;
}

void protocol_list_free(protocol_list *l)
{
    if (l->priv) {
        globfree(l->priv);
        free(l->priv);
    }
    memset(l, 0, sizeof *l);
}
