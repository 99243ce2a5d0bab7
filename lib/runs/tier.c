#include "runs/tier.h"
#include "train/rundir.h"
#include "util/error.h"
#include "model/params.h"
#include "train/recipe.h"

#include "util/fsutil.h"
#include "util/inifile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One seed: digits only (no sign, no spaces inside), so that what CMake's
 * regex accepts and what this accepts are the same strings. */
static int parse_seed(const char *s, size_t len, long *out)
{
    if (len == 0 || len > 7)
        return 0;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int tier_seeds_valid(const int *seeds, int n, char *msg, size_t msg_size)
{
    if (n < 2) {
        snprintf(msg, msg_size, "%d seed%s; a paired t-test over seeds needs at least 2", n,
                 n == 1 ? "" : "s");
        return 0;
    }
    if (n > PROTOCOL_MAX_SEEDS) {
        snprintf(msg, msg_size, "%d seeds, more than %d", n, PROTOCOL_MAX_SEEDS);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (seeds[i] < 1 || seeds[i] > TIER_SEED_MAX) {
            snprintf(msg, msg_size, "seed %d is not in 1..%d", seeds[i], TIER_SEED_MAX);
            return 0;
        }
        for (int j = 0; j < i; j++)
            if (seeds[j] == seeds[i]) {
                snprintf(msg, msg_size, "seed %d is listed twice", seeds[i]);
                return 0;
            }
    }
    return 1;
}

int tier_seeds_parse(const char *text, int *seeds, int *n, char *msg, size_t msg_size)
{
    long vals[PROTOCOL_MAX_SEEDS];
    int items = 0;
    *n = 0;
    for (const char *p = text;; p++) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        while (*p == ' ' || *p == '\t')
            p++;
        long v;
        if (!parse_seed(start, len, &v) || (*p && *p != ',')) {
            snprintf(msg, msg_size, "'%s': expected N (the seeds 1..N) or seeds separated by "
                     "commas, each an integer 1..%d", text, TIER_SEED_MAX);
            return 0;
        }
        if (items == PROTOCOL_MAX_SEEDS) {
            snprintf(msg, msg_size, "'%s': more than %d seeds", text, PROTOCOL_MAX_SEEDS);
            return 0;
        }
        vals[items++] = v;
        if (!*p)
            break;
    }
    /* N alone stands for the seeds 1..N */
    long count = items == 1 ? vals[0] : items;
    if (items == 1 && (vals[0] < 2 || vals[0] > PROTOCOL_MAX_SEEDS)) {
        snprintf(msg, msg_size, "'%s': the seeds 1..%ld: expected 2..%d of them (a paired "
                 "t-test needs at least 2)", text, vals[0], PROTOCOL_MAX_SEEDS);
        return 0;
    }
    int tmp[PROTOCOL_MAX_SEEDS];
    for (long i = 0; i < count; i++)
        tmp[i] = items == 1 ? (int)i + 1 : (int)vals[i];
    char why[200];
    if (!tier_seeds_valid(tmp, (int)count, why, sizeof why)) {
        snprintf(msg, msg_size, "'%s': %s", text, why);
        return 0;
    }
    memcpy(seeds, tmp, (size_t)count * sizeof *tmp);
    *n = (int)count;
    return 1;
}

void tier_seeds_text(char *dst, size_t cap, const int *seeds, int n)
{
    size_t len = 0;
    dst[0] = '\0';
    for (int s = 0; s < n && len < cap; s++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%d", s ? "," : "", seeds[s]);
}

typedef struct {
    tier_info *t;
    int seeds_line; /* the line that gave seeds, 0 none */
    /* per model: the line of its recipe or match key, 0 none */
    int model_line[TIER_MAX_MODELS];
    char match_base[TIER_MAX_MODELS][PROTOCOL_NAME_MAX];
} tier_ctx;

int tier_model_index(const tier_info *t, const char *name)
{
    for (int i = 0; i < t->n_models; i++)
        if (strcmp(t->models[i].name, name) == 0)
            return i;
    return -1;
}

/* The model of a [model NAME] section, added at its first key. */
static int section_model(tier_ctx *ctx, const char *name, char *msg, size_t msg_size)
{
    tier_info *t = ctx->t;
    int i = tier_model_index(t, name);
    if (i >= 0)
        return i;
    if (!protocol_model_name_valid(name)) {
        snprintf(msg, msg_size, "[model %.60s]: a model's name is lower-case letters, digits "
                 "and '_' (its runs are the folders NAME-sN)", name);
        return -1;
    }
    if (t->n_models == TIER_MAX_MODELS) {
        snprintf(msg, msg_size, "[model %.60s]: more than %d models", name, TIER_MAX_MODELS);
        return -1;
    }
    i = t->n_models++;
    snprintf(t->models[i].name, sizeof t->models[i].name, "%s", name);
    t->models[i].base = -1;
    return i;
}

/* match = BASE active|total */
static int parse_match(tier_ctx *ctx, int m, const char *value, char *msg, size_t msg_size)
{
    char base[PROTOCOL_NAME_MAX], target[16], extra;
    params_target pt;
    if (sscanf(value, "%63s %15s %c", base, target, &extra) != 2 ||
        params_target_parse(target, &pt)) {
        snprintf(msg, msg_size, "[model %s] match: '%.200s': expected MODEL active|total (the "
                 "model whose count the dense model matches)", ctx->t->models[m].name, value);
        return 0;
    }
    ctx->t->models[m].target = (int)pt;
    snprintf(ctx->match_base[m], sizeof ctx->match_base[m], "%s", base);
    return 1;
}

static int on_key(void *user, const char *section, const char *key, const char *value,
                  int line, char *msg, size_t msg_size)
{
    tier_ctx *ctx = user;
    if (strcmp(section, "tier") == 0 && strcmp(key, "seeds") == 0) {
        if (ctx->seeds_line) {
            snprintf(msg, msg_size, "[tier] seeds: key given twice (first on line %d)",
                     ctx->seeds_line);
            return 0;
        }
        ctx->seeds_line = line;
        char why[600];
        if (!tier_seeds_parse(value, ctx->t->seeds, &ctx->t->n_seeds, why, sizeof why)) {
            snprintf(msg, msg_size, "[tier] seeds: %s", why);
            return 0;
        }
        return 1;
    }
    int is_model = strncmp(section, "model ", 6) == 0;
    if (!is_model || (strcmp(key, "recipe") != 0 && strcmp(key, "match") != 0)) {
        snprintf(msg, msg_size, "[%.60s] %.200s: unknown key (a tier.ini holds [tier] seeds and "
                 "[model NAME] recipe or match)", section, key);
        return 0;
    }
    int m = section_model(ctx, section + 6, msg, msg_size);
    if (m < 0)
        return 0;
    tier_model *mod = &ctx->t->models[m];
    if (ctx->model_line[m]) {
        snprintf(msg, msg_size, "[%s] %s: the model is already defined (line %d): give one "
                 "recipe or one match", section, key, ctx->model_line[m]);
        return 0;
    }
    ctx->model_line[m] = line;
    if (strcmp(key, "match") == 0)
        return parse_match(ctx, m, value, msg, msg_size);
    if (!*value || strchr(value, '/') || strlen(value) >= sizeof mod->recipe) {
        snprintf(msg, msg_size, "[%s] recipe: '%.200s': expected the name of a recipe file in "
                 "the tier's folder", section, value);
        return 0;
    }
    snprintf(mod->recipe, sizeof mod->recipe, "%s", value);
    return 1;
}

/* After the file: every match names a recipe model, every recipe exists. */
static int resolve_models(tier_ctx *ctx, const char *dir)
{
    tier_info *t = ctx->t;
    for (int m = 0; m < t->n_models; m++) {
        tier_model *mod = &t->models[m];
        if (mod->recipe[0]) {
            char path[TIER_PATH_MAX];
            if (fs_join(path, sizeof path, dir, mod->recipe) || !fs_exists(path))
                return error_set(MG_EINVAL, "%s:%d: [model %s] recipe: no file %s in %s",
                                 t->path, ctx->model_line[m], mod->name, mod->recipe, dir);
            continue;
        }
        int b = tier_model_index(t, ctx->match_base[m]);
        if (b < 0 || !t->models[b].recipe[0])
            return error_set(MG_EINVAL, "%s:%d: [model %s] match: '%s' is no recipe model of "
                             "the tier (a match resizes a recipe)", t->path, ctx->model_line[m],
                             mod->name, ctx->match_base[m]);
        mod->base = b;
    }
    return MG_OK;
}

int tier_dir(char *dst, size_t cap, const char *protocols_dir, const char *tier)
{
    if (!tier[0] || strchr(tier, '/'))
        return error_set(MG_EINVAL, "'%s': not a tier name", tier);
    if (snprintf(dst, cap, "%s/tiers/%s", protocols_dir, tier) >= (int)cap)
        return error_set(MG_EINVAL, "%s: path too long", protocols_dir);
    return MG_OK;
}

int tier_model_kind(const tier_info *t, const char *dir, const char *name, int *n_experts,
                    int *top_k)
{
    int i = tier_model_index(t, name);
    if (i < 0)
        return error_set(MG_EINVAL, "'%s' is no model of the tier (%s defines them)", name,
                         t->path);
    *n_experts = *top_k = 0;
    if (!t->models[i].recipe[0])
        return MG_OK;
    char path[TIER_PATH_MAX];
    recipe *r = malloc(sizeof *r);
    int rc = r ? fs_join(path, sizeof path, dir, t->models[i].recipe)
               : error_set(MG_ENOMEM, "%s: out of memory", t->path);
    if (!rc)
        rc = recipe_read(r, path);
    if (!rc) {
        *n_experts = r->model.n_experts;
        *top_k = r->model.top_k;
    }
    free(r);
    return rc;
}

int tier_read(tier_info *t, const char *dir)
{
    memset(t, 0, sizeof *t);
    int rc = fs_join(t->path, sizeof t->path, dir, TIER_FILE);
    FILE *f = NULL;
    if (rc || (rc = fs_open_regular(t->path, "the tier file", &f)))
        return rc;
    tier_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        fclose(f);
        return error_set(MG_ENOMEM, "%s: out of memory", t->path);
    }
    ctx->t = t;
    inifile_reader rd = {t->path, "[tier], [model NAME]", on_key, ctx};
    rc = inifile_parse(&rd, f, NULL);
    fclose(f);
    if (!rc && !ctx->seeds_line)
        rc = error_set(MG_EINVAL, "%s: [tier] seeds: missing (the seeds of the tier's runs)",
                       t->path);
    if (!rc)
        rc = resolve_models(ctx, dir);
    free(ctx);
    if (rc) {
        t->n_seeds = 0;
        t->n_models = 0;
    }
    return rc;
}

/* `name` is <model>-s<digits> of one of the protocol's models. */
static int is_run_of(const char *name, const protocol *p)
{
    for (int m = 0; m < p->n_models; m++) {
        size_t n = strlen(p->models[m]);
        if (strncmp(name, p->models[m], n) != 0 || strncmp(name + n, "-s", 2) != 0)
            continue;
        const char *d = name + n + 2;
        if (!*d)
            continue;
        while (isdigit((unsigned char)*d))
            d++;
        if (!*d)
            return 1;
    }
    return 0;
}

/* The runs' tier decides only which tier.ini to read; that every run used
 * is of one tier is the check's own rule (lib/claims/check.c), so a folder's
 * unreadable recipe is left to the check to report. */
int tier_of_runs(const char *runs_dir, const protocol *p, char *name, size_t cap)
{
    DIR *d = opendir(runs_dir);
    if (!d)
        return error_set(MG_EIO, "%s: cannot open the runs folder to tell their tier (give the "
                         "seeds or the tier): %s", runs_dir, strerror(errno));
    recipe *rec = malloc(sizeof *rec);
    if (!rec) {
        closedir(d);
        return error_set(MG_ENOMEM, "%s: out of memory", runs_dir);
    }
    char first[TIER_PATH_MAX] = "";
    name[0] = '\0';
    int rc = MG_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        char dir[TIER_PATH_MAX], path[TIER_PATH_MAX];
        if (!is_run_of(e->d_name, p) || fs_join(dir, sizeof dir, runs_dir, e->d_name) ||
            rundir_path(path, sizeof path, dir, RUN_FILE_RECIPE) || !fs_exists(path))
            continue;
        if (recipe_read(rec, path) || !rec->tier[0])
            continue;
        if (!first[0]) {
            snprintf(first, sizeof first, "%s", path);
            snprintf(name, cap, "%s", rec->tier);
        } else if (strcmp(name, rec->tier) != 0) {
            rc = error_set(MG_EFORMAT, "%s: [run] tier: '%s', but %s has '%s' (a check compares "
                           "runs of one tier)", path, rec->tier, first, name);
        }
    }
    closedir(d);
    free(rec);
    if (!rc && !first[0])
        rc = error_set(MG_EINVAL, "%s: no run of %s%s with a [run] tier in its recipe.ini, so "
                       "no tier's seeds to use (give the seeds or the tier)", runs_dir,
                       p->models[0], p->n_models > 1 ? " or the protocol's other models" : "");
    return rc;
}

int tier_of_runs_read(tier_info *t, const char *protocols_dir, const char *runs_dir,
                      const protocol *p)
{
    char tier_name[TIER_NAME_MAX], dir[TIER_PATH_MAX];
    int rc = tier_of_runs(runs_dir, p, tier_name, sizeof tier_name);
    if (!rc)
        rc = tier_dir(dir, sizeof dir, protocols_dir, tier_name);
    return rc ? rc : tier_read(t, dir);
}
