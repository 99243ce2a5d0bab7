/* The strict readers of plan.tsv and recipes.tsv (see runs/plan_read.h). */
#include "runs/plan_read.h"
#include "runs/runname.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PLAN_COLS = 9, RECIPES_COLS = 2, MAX_COLS = 9 };
enum { C_KIND, C_NAME, C_MODEL, C_SEED, C_RECIPE, C_TOKENS, C_EVALS, C_HOURS, C_NEEDS };
static const char *const plan_cols[PLAN_COLS] = {"kind",   "name",  "model",      "seed", "recipe",
                                                 "tokens", "evals", "core_hours", "needs"};
static const char *const recipes_cols[RECIPES_COLS] = {"model", "recipe"};

/* --- lines and columns ------------------------------------------------------ */

/* A header as an error shows it, "model<TAB>recipe". */
static void header_text(char *buf, size_t cap, const char *const *cols, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < n && used < cap; c++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", c ? "<TAB>" : "", cols[c]);
}

/* Splits a line (its newline gone) at tabs, in place, into at most MAX_COLS
 * fields; the count, or MAX_COLS + 1 for more. */
static int split(char *line, char **fields)
{
    int n = 0;
    for (char *s = line;;) {
        if (n == MAX_COLS)
            return MAX_COLS + 1;
        fields[n++] = s;
        char *tab = strchr(s, '\t');
        if (!tab)
            return n;
        *tab = '\0';
        s = tab + 1;
    }
}

typedef struct {
    FILE *f;
    const char *path;
    char *line;
    size_t cap;
    long lineno;
} table_reader;

/* The next row split into exactly n_cols fields: 1, or 0 at the end of the
 * file, or < 0 with the error set (a row cut short, a carriage return, a
 * blank line, another column count). The header is checked here too. */
static int next_row(table_reader *r, const char *const *cols, int n_cols, char **fields, int *rc)
{
    errno = 0;
    ssize_t len = getline(&r->line, &r->cap, r->f);
    if (len <= 0) {
        if (ferror(r->f))
            *rc = error_set(MG_EIO, "%s:%ld: read error: %s", r->path, r->lineno + 1,
                            strerror(errno));
        else if (r->lineno == 0)
            *rc = error_set(MG_EFORMAT, "%s: empty (expected the header line)", r->path);
        return *rc ? -1 : 0;
    }
    r->lineno++;
    char head[256];
    header_text(head, sizeof head, cols, n_cols);
    /* the writers end every row, and a file is renamed into place whole, so
     * a row without its newline is a file cut short */
    if (r->line[len - 1] != '\n') {
        *rc = error_set(MG_EFORMAT, "%s:%ld: the last row has no newline (the file is cut short)",
                        r->path, r->lineno);
        return -1;
    }
    r->line[len - 1] = '\0';
    if (strchr(r->line, '\r')) {
        *rc = error_set(MG_EFORMAT, "%s:%ld: a carriage return (DOS line ends?)", r->path,
                        r->lineno);
        return -1;
    }
    if (!r->line[0]) {
        *rc = error_set(MG_EFORMAT, "%s:%ld: a blank line (expected '%s')", r->path, r->lineno,
                        head);
        return -1;
    }
    int n = split(r->line, fields);
    if (n != n_cols) {
        *rc = error_set(MG_EFORMAT, "%s:%ld: not '%s': %s%d column%s, expected %d", r->path,
                        r->lineno, head, n > MAX_COLS ? "more than " : "",
                        n > MAX_COLS ? MAX_COLS : n, n == 1 ? "" : "s", n_cols);
        return -1;
    }
    if (r->lineno == 1) {
        for (int c = 0; c < n_cols; c++)
            if (strcmp(fields[c], cols[c]) != 0) {
                *rc = error_set(MG_EFORMAT, "%s:1: header: column %d is '%s', expected '%s'",
                                r->path, c + 1, fields[c], cols[c]);
                return -1;
            }
        return next_row(r, cols, n_cols, fields, rc);
    }
    return 1;
}

static int reader_open(table_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    if (!(r->f = fopen(path, "r")))
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    return MG_OK;
}

static void reader_close(table_reader *r)
{
    free(r->line);
    if (r->f)
        fclose(r->f);
}

/* --- fields --------------------------------------------------------------- */

static int text_field(char *dst, size_t cap, const char *v, const table_reader *r, const char *col)
{
    size_t n = strlen(v);
    if (!n || n >= cap)
        return error_set(MG_EFORMAT, "%s:%ld: %s: expected 1..%zu characters, not %zu", r->path,
                         r->lineno, col, cap - 1, n);
    memcpy(dst, v, n + 1);
    return MG_OK;
}

static int model_field(char *dst, const char *v, const table_reader *r, const char *col)
{
    if (!protocol_model_name_valid(v))
        return error_set(MG_EFORMAT, "%s:%ld: %s: '%s': not a model name (lower-case letters, "
                         "digits and '_', under %d characters)", r->path, r->lineno, col, v,
                         PROTOCOL_NAME_MAX);
    snprintf(dst, PROTOCOL_NAME_MAX, "%s", v);
    return MG_OK;
}

/* Decimal digits only: strtol would also take blanks, a sign and "0x". */
static int integer_field(long *dst, const char *v, long min, long max, const table_reader *r,
                         const char *col)
{
    char *end = NULL;
    errno = 0;
    long x = v[0] >= '0' && v[0] <= '9' ? strtol(v, &end, 10) : 0;
    if (!end || *end || errno || x < min || x > max)
        return error_set(MG_EFORMAT, "%s:%ld: %s: '%s': expected an integer %ld..%ld", r->path,
                         r->lineno, col, v, min, max);
    *dst = x;
    return MG_OK;
}

static int dash_field(const char *v, const table_reader *r, const char *col, const char *kind)
{
    if (strcmp(v, "-") != 0)
        return error_set(MG_EFORMAT, "%s:%ld: %s: '%s': expected '-' on a %s row", r->path,
                         r->lineno, col, v, kind);
    return MG_OK;
}

/* --- plan.tsv ------------------------------------------------------------- */

int plan_table_run_index(const plan_table *t, const char *name)
{
    for (int i = 0; i < t->n_runs; i++)
        if (strcmp(t->runs[i].name, name) == 0)
            return i;
    return -1;
}

int plan_table_check_index(const plan_table *t, const char *name)
{
    for (int i = 0; i < t->n_checks; i++)
        if (strcmp(t->checks[i].name, name) == 0)
            return i;
    return -1;
}

static int run_row(plan_table_run *run, char **f, const table_reader *r)
{
    long seed = 0;
    run->line = r->lineno;
    int rc = model_field(run->model, f[C_MODEL], r, "model");
    if (!rc)
        rc = integer_field(&seed, f[C_SEED], 1, TIER_SEED_MAX, r, "seed");
    run->seed = (int)seed;
    if (!rc)
        rc = text_field(run->name, sizeof run->name, f[C_NAME], r, "name");
    char want[sizeof run->name + 16];
    if (!rc)
        rc = runname_format(want, sizeof want, run->model, run->seed);
    /* the run folder's name is the model's and the seed's: a row whose
     * columns disagree is a row whose columns were moved */
    if (!rc && strcmp(run->name, want) != 0)
        rc = error_set(MG_EFORMAT, "%s:%ld: name: '%s': expected '%s' (<model>-s<seed>)", r->path,
                       r->lineno, run->name, want);
    if (!rc)
        rc = text_field(run->recipe, sizeof run->recipe, f[C_RECIPE], r, "recipe");
    if (!rc)
        rc = integer_field(&run->tokens, f[C_TOKENS], 1, 1L << 62, r, "tokens");
    if (!rc)
        rc = integer_field(&run->evals, f[C_EVALS], 0, 1L << 62, r, "evals");
    run->core_hours = -1;
    if (!rc && strcmp(f[C_HOURS], "-") != 0) {
        char *end = NULL;
        errno = 0;
        double h = strtod(f[C_HOURS], &end);
        if (end == f[C_HOURS] || *end || errno || !isfinite(h) || h < 0 ||
            !(f[C_HOURS][0] >= '0' && f[C_HOURS][0] <= '9'))
            rc = error_set(MG_EFORMAT, "%s:%ld: core_hours: '%s': expected a number of hours "
                           "or '-' (no speed known)", r->path, r->lineno, f[C_HOURS]);
        run->core_hours = h;
    }
    if (!rc)
        rc = dash_field(f[C_NEEDS], r, "needs", "run");
    return rc;
}

static int check_row(plan_table_check *c, char **f, const plan_table *t, const table_reader *r)
{
    c->line = r->lineno;
    int rc = text_field(c->name, sizeof c->name, f[C_NAME], r, "name");
    static const int dashes[] = {C_MODEL, C_SEED, C_TOKENS, C_EVALS, C_HOURS};
    for (size_t i = 0; !rc && i < sizeof dashes / sizeof dashes[0]; i++)
        rc = dash_field(f[dashes[i]], r, plan_cols[dashes[i]], "check");
    if (!rc)
        rc = text_field(c->protocol, sizeof c->protocol, f[C_RECIPE], r, "recipe");
    /* the runs it needs, each a run row above (the writer puts them first) */
    for (char *s = f[C_NEEDS]; !rc;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        int at = plan_table_run_index(t, s);
        if (at < 0)
            rc = error_set(MG_EFORMAT, "%s:%ld: needs: '%s' is no run of the plan", r->path,
                           r->lineno, s);
        for (int k = 0; !rc && k < c->n_needs; k++)
            if (c->needs[k] == at)
                rc = error_set(MG_EFORMAT, "%s:%ld: needs: '%s' given twice", r->path,
                               r->lineno, s);
        if (!rc && c->n_needs == PLAN_TABLE_MAX_NEEDS)
            rc = error_set(MG_EFORMAT, "%s:%ld: needs: more than %d runs", r->path, r->lineno,
                           PLAN_TABLE_MAX_NEEDS);
        if (!rc)
            c->needs[c->n_needs++] = at;
        if (!comma)
            break;
        s = comma + 1;
    }
    return rc;
}

/* Room for one more entry of `size` bytes in *arr, which holds n: its
 * capacity is 16, then doubled, so it is full when n is 0, or 16 or more
 * and a power of two. */
static int grow(void **arr, int n, size_t size, const char *path)
{
    if (n && (n < 16 || (n & (n - 1))))
        return MG_OK;
    void *p = realloc(*arr, (n ? (size_t)n * 2 : 16) * size);
    if (!p)
        return error_set(MG_ENOMEM, "%s: out of memory", path);
    *arr = p;
    return MG_OK;
}

int plan_table_read(plan_table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    table_reader r;
    int rc = reader_open(&r, path);
    char *f[MAX_COLS];
    while (!rc && next_row(&r, plan_cols, PLAN_COLS, f, &rc) > 0) {
        const char *kind = f[C_KIND];
        if (strcmp(kind, "run") == 0) {
            if (t->n_checks) {
                rc = error_set(MG_EFORMAT, "%s:%ld: kind: a run row after the check rows "
                               "(the runs come first)", path, r.lineno);
                break;
            }
            if ((rc = grow((void **)&t->runs, t->n_runs, sizeof *t->runs, path)))
                break;
            plan_table_run *run = &t->runs[t->n_runs];
            memset(run, 0, sizeof *run);
            if ((rc = run_row(run, f, &r)))
                break;
            int first = plan_table_run_index(t, run->name);
            if (first >= 0) {
                rc = error_set(MG_EFORMAT, "%s:%ld: name: run '%s' given twice (first on line "
                               "%ld)", path, r.lineno, run->name, t->runs[first].line);
                break;
            }
            t->n_runs++;
        } else if (strcmp(kind, "check") == 0) {
            if ((rc = grow((void **)&t->checks, t->n_checks, sizeof *t->checks, path)))
                break;
            plan_table_check *c = &t->checks[t->n_checks];
            memset(c, 0, sizeof *c);
            if ((rc = check_row(c, f, t, &r)))
                break;
            int first = plan_table_check_index(t, c->name);
            if (first >= 0) {
                rc = error_set(MG_EFORMAT, "%s:%ld: name: check '%s' given twice (first on line "
                               "%ld)", path, r.lineno, c->name, t->checks[first].line);
                break;
            }
            t->n_checks++;
        } else {
            rc = error_set(MG_EFORMAT, "%s:%ld: kind: '%s': expected run or check", path,
                           r.lineno, kind);
        }
    }
    reader_close(&r);
    return rc;
}

void plan_table_free(plan_table *t)
{
    free(t->runs);
    free(t->checks);
    t->runs = NULL;
    t->checks = NULL;
    t->n_runs = t->n_checks = 0;
}

/* --- recipes.tsv ---------------------------------------------------------- */

int recipes_table_index(const recipes_table *t, const char *model)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].model, model) == 0)
            return i;
    return -1;
}

int recipes_table_read(recipes_table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    table_reader r;
    int rc = reader_open(&r, path);
    char *f[MAX_COLS];
    while (!rc && next_row(&r, recipes_cols, RECIPES_COLS, f, &rc) > 0) {
        if ((rc = grow((void **)&t->rows, t->n, sizeof *t->rows, path)))
            break;
        recipes_table_row *row = &t->rows[t->n];
        memset(row, 0, sizeof *row);
        row->line = r.lineno;
        if ((rc = model_field(row->model, f[0], &r, "model")) ||
            (rc = text_field(row->recipe, sizeof row->recipe, f[1], &r, "recipe")))
            break;
        int first = recipes_table_index(t, row->model);
        if (first >= 0) {
            rc = error_set(MG_EFORMAT, "%s:%ld: model: '%s' given twice (first on line %ld)",
                           path, r.lineno, row->model, t->rows[first].line);
            break;
        }
        t->n++;
    }
    reader_close(&r);
    return rc;
}

void recipes_table_free(recipes_table *t)
{
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}
