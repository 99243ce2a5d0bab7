#include "moegap/runrecord.h"
#include "moegap/error.h"
#include "moegap/recipe.h"
#include "sha256.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole of a small file, NUL-terminated, in a malloc'd buffer. */
static int read_whole(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? MG_OK : error_set(MG_ENOMEM, "%s: out of memory", path);
    while (!rc) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            rc = error_set(MG_ENOMEM, "%s: out of memory", path);
        else
            buf = grown, cap *= 2;
    }
    if (!rc && ferror(f))
        rc = error_set(MG_EIO, "%s: read error", path);
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return MG_OK;
}

static int read_summary(run_record *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", r->dir);
    struct stat st;
    if (stat(r->dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return error_set(MG_EIO, "run folder %s does not exist (not trained yet?)", r->dir);
    if (stat(path, &st) != 0)
        return error_set(MG_EIO, "run folder %s has no summary.json: the run has not finished",
                         r->dir);
    /* the hash is of the very bytes parsed, so a result that records it
     * names the summary its numbers came from */
    char *text = NULL;
    size_t len = 0;
    int rc = read_whole(path, &text, &len);
    if (rc)
        return rc;
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, text, len);
    sha256_final_hex(&c, r->summary_sha256);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    free(text);
    if (!root)
        return error_set(MG_EFORMAT, "%s:%d: %s", path, jerr.line, jerr.text);
    json_t *best = json_object_get(root, "best_val_loss");
    json_t *fin = json_object_get(root, "final_val_loss");
    json_t *bstep = json_object_get(root, "best_step");
    json_t *tot = json_object_get(root, "params_total");
    json_t *act = json_object_get(root, "params_active");
    json_t *tokens = json_object_get(root, "tokens");
    json_t *wall = json_object_get(root, "wall_s");
    if (!json_is_number(best) || !isfinite(json_number_value(best)))
        rc = error_set(MG_EFORMAT, "%s: best_val_loss: missing or not a number", path);
    else if (!json_is_number(fin))
        rc = error_set(MG_EFORMAT, "%s: final_val_loss: missing or not a number", path);
    else if (!json_is_integer(bstep))
        rc = error_set(MG_EFORMAT, "%s: best_step: missing or not an integer", path);
    else if (!json_is_integer(tot) || json_integer_value(tot) <= 0)
        rc = error_set(MG_EFORMAT, "%s: params_total: missing or not a positive integer", path);
    else if (!json_is_integer(act) || json_integer_value(act) <= 0)
        rc = error_set(MG_EFORMAT, "%s: params_active: missing or not a positive integer", path);
    else if (tokens && !json_is_integer(tokens))
        rc = error_set(MG_EFORMAT, "%s: tokens: not an integer", path);
    else if (wall && !json_is_number(wall))
        rc = error_set(MG_EFORMAT, "%s: wall_s: not a number", path);
    if (!rc) {
        r->best_val_loss = json_number_value(best);
        r->final_val_loss = json_number_value(fin);
        r->best_step = (long)json_integer_value(bstep);
        r->params_total = json_integer_value(tot);
        r->params_active = json_integer_value(act);
        r->tokens = tokens ? json_integer_value(tokens) : -1;
        r->wall_s = wall ? json_number_value(wall) : NAN;
    }
    json_decref(root);
    return rc;
}

/* The index of `name` among the tab-separated fields of a header line. */
static int column_of(const char *header, const char *name)
{
    int col = 0;
    for (const char *s = header;; col++) {
        size_t n = strcspn(s, "\t\r\n");
        if (n == strlen(name) && strncmp(s, name, n) == 0)
            return col;
        if (s[n] != '\t')
            return -1;
        s += n + 1;
    }
}

/* The field `col` of a tab-separated line, copied into out. */
static int field_of(const char *line, int col, char *out, size_t cap)
{
    const char *s = line;
    for (int c = 0; c < col; c++) {
        s = strchr(s, '\t');
        if (!s)
            return 0;
        s++;
    }
    size_t n = strcspn(s, "\t\r\n");
    if (n >= cap)
        return 0;
    memcpy(out, s, n);
    out[n] = '\0';
    return 1;
}

static int push_eval(run_record *r, size_t *cap, long step, double loss)
{
    /* a resumed run may log an evaluation again: the later row stands */
    if (r->n_evals && r->eval_step[r->n_evals - 1] == step) {
        r->eval_loss[r->n_evals - 1] = loss;
        return MG_OK;
    }
    if (r->n_evals == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        long *s = realloc(r->eval_step, nc * sizeof *s);
        if (s)
            r->eval_step = s;
        double *l = realloc(r->eval_loss, nc * sizeof *l);
        if (l)
            r->eval_loss = l;
        if (!s || !l)
            return error_set(MG_ENOMEM, "%s: out of memory", r->dir);
        *cap = nc;
    }
    r->eval_step[r->n_evals] = step;
    r->eval_loss[r->n_evals++] = loss;
    return MG_OK;
}

static int read_metrics(run_record *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.tsv", r->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0, cap = 0;
    long lineno = 0;
    int rc = MG_OK, c_kind = -1, c_step = -1, c_val = -1;
    while (!rc && getline(&line, &lcap, f) > 0) {
        lineno++;
        if (lineno == 1) {
            c_kind = column_of(line, "kind");
            c_step = column_of(line, "step");
            c_val = column_of(line, "val_ce");
            if (c_kind < 0 || c_step < 0 || c_val < 0)
                rc = error_set(MG_EFORMAT, "%s:1: header lacks a kind, step or val_ce column",
                               path);
            continue;
        }
        char kind[16], step_s[32], val_s[64];
        if (!field_of(line, c_kind, kind, sizeof kind) || strcmp(kind, "eval") != 0)
            continue;
        char *e1 = NULL, *e2 = NULL;
        long step = 0;
        double val = NAN;
        if (field_of(line, c_step, step_s, sizeof step_s) &&
            field_of(line, c_val, val_s, sizeof val_s)) {
            step = strtol(step_s, &e1, 10);
            val = strtod(val_s, &e2);
        }
        if (!e1 || !e2 || *e1 || *e2 || e1 == step_s || e2 == val_s || step < 1 || !isfinite(val))
            rc = error_set(MG_EFORMAT, "%s:%ld: an eval row without a step and a finite val_ce",
                           path, lineno);
        else if (r->n_evals && step < r->eval_step[r->n_evals - 1])
            rc = error_set(MG_EFORMAT, "%s:%ld: step %ld comes after step %ld", path, lineno,
                           step, r->eval_step[r->n_evals - 1]);
        else
            rc = push_eval(r, &cap, step, val);
    }
    free(line);
    fclose(f);
    if (!rc && r->n_evals == 0)
        rc = error_set(MG_EFORMAT, "%s: no eval rows", path);
    return rc;
}

int run_record_load(run_record *r, const char *dir, int need_recipe)
{
    memset(r, 0, sizeof *r);
    if (snprintf(r->dir, sizeof r->dir, "%s", dir) >= (int)sizeof r->dir)
        return error_set(MG_EINVAL, "%s: path too long", dir);
    int rc = read_summary(r);
    if (!rc)
        rc = read_metrics(r);
    if (!rc && need_recipe) {
        char path[4200];
        snprintf(path, sizeof path, "%s/recipe.ini", dir);
        recipe *rec = malloc(sizeof *rec);
        if (!rec)
            return error_set(MG_ENOMEM, "%s: out of memory", dir);
        rc = recipe_read(rec, path);
        if (!rc) {
            r->steps = rec->steps;
            r->warmup_steps = recipe_warmup_steps(rec);
            snprintf(r->tier, sizeof r->tier, "%s", rec->tier);
        }
        free(rec);
    }
    if (rc)
        run_record_free(r);
    return rc;
}

void run_record_free(run_record *r)
{
    free(r->eval_step);
    free(r->eval_loss);
    r->eval_step = NULL;
    r->eval_loss = NULL;
    r->n_evals = 0;
}
