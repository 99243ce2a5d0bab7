#include "runs/reference.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const paper_cols[] = {"name", "kind", "mean", "std", "n_seeds", "favours",
                                         "source"};
static const char *const setup_cols[] = {"item", "paper", "ours", "source"};
static const char *const speed_cols[] = {"tier", "model", "threads", "train_tokens_per_s",
                                         "eval_tokens_per_s", "source"};
enum { N_COLS = 7, N_SETUP_COLS = 4, N_SPEED_COLS = 6, MAX_COLS = 7 };

/* Splits a line at tabs into exactly n_cols fields (in place). */
static int split(char *line, char **fields, int n_cols)
{
    line[strcspn(line, "\r\n")] = '\0';
    int n = 0;
    for (char *s = line;; n++) {
        if (n == n_cols)
            return 0;
        fields[n] = s;
        char *tab = strchr(s, '\t');
        if (!tab)
            return n + 1 == n_cols;
        *tab = '\0';
        s = tab + 1;
    }
}

static int copy_field(char *dst, size_t cap, const char *v, const char *path, long line,
                      const char *col)
{
    if (!v[0] || strlen(v) >= cap)
        return error_set(MG_EFORMAT, "%s:%ld: %s: expected 1..%zu characters", path, line, col,
                         cap - 1);
    memcpy(dst, v, strlen(v) + 1);
    return MG_OK;
}

static int number_field(double *dst, const char *v, const char *path, long line, const char *col)
{
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x))
        return error_set(MG_EFORMAT, "%s:%ld: %s: '%s' is not a number", path, line, col, v);
    *dst = x;
    return MG_OK;
}

static int paper_row(reference_paper_row *r, char **f, const char *path, long line)
{
    int rc = copy_field(r->name, sizeof r->name, f[0], path, line, "name");
    if (!rc && strcmp(f[1], "model") != 0 && strcmp(f[1], "gap") != 0)
        rc = error_set(MG_EFORMAT, "%s:%ld: kind: '%s': expected model or gap", path, line, f[1]);
    if (!rc)
        snprintf(r->kind, sizeof r->kind, "%s", f[1]);
    if (!rc)
        rc = number_field(&r->mean, f[2], path, line, "mean");
    if (!rc)
        rc = number_field(&r->sd, f[3], path, line, "std");
    double n = 0;
    if (!rc)
        rc = number_field(&n, f[4], path, line, "n_seeds");
    if (!rc && (n < 1 || n != floor(n) || n > 1e6))
        rc = error_set(MG_EFORMAT, "%s:%ld: n_seeds: '%s' is not a positive integer", path, line,
                       f[4]);
    r->n_seeds = (int)n;
    if (!rc)
        rc = copy_field(r->favours, sizeof r->favours, f[5], path, line, "favours");
    if (!rc)
        rc = copy_field(r->source, sizeof r->source, f[6], path, line, "source");
    return rc;
}

/* The key of a row: its first n_key fields, each as "column value". */
static void row_key(char *buf, size_t cap, const char *const *cols, char **fields, int n_key)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < n_key && used < cap; c++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s '%s'", c ? ", " : "", cols[c],
                                 fields[c]);
}

/* Reads one table: the header must be exactly the n_cols `cols`; each row
 * goes to `row` into an array of `size`-byte entries. The first n_key
 * columns name a row: a name given twice is an error. */
static int read_table(const char *path, const char *const *cols, int n_cols, int n_key,
                      size_t size, int (*row)(void *, char **, const char *, long), void **out,
                      size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, n = 0, n_cap = 0;
    char *rows = NULL;
    struct seen {
        char key[256];
        long line;
    } *keys = NULL;
    long lineno = 0;
    int rc = MG_OK;
    while (!rc && getline(&line, &cap, f) > 0) {
        lineno++;
        char *fields[MAX_COLS];
        if (lineno > 1 && line[strspn(line, " \t\r\n")] == '\0')
            continue; /* a blank line */
        if (!split(line, fields, n_cols)) {
            rc = error_set(MG_EFORMAT, "%s:%ld: expected %d tab-separated columns", path, lineno,
                           n_cols);
            break;
        }
        if (lineno == 1) {
            for (int c = 0; c < n_cols && !rc; c++)
                if (strcmp(fields[c], cols[c]) != 0)
                    rc = error_set(MG_EFORMAT, "%s:1: column %d is '%s', expected '%s'", path,
                                   c + 1, fields[c], cols[c]);
            continue;
        }
        if (n == n_cap) {
            size_t nc = n_cap ? n_cap * 2 : 16;
            char *grown = realloc(rows, nc * size);
            struct seen *grown_keys = grown ? realloc(keys, nc * sizeof *keys) : NULL;
            if (grown)
                rows = grown;
            if (!grown_keys) {
                rc = error_set(MG_ENOMEM, "%s: out of memory", path);
                break;
            }
            keys = grown_keys;
            n_cap = nc;
        }
        row_key(keys[n].key, sizeof keys[n].key, cols, fields, n_key);
        keys[n].line = lineno;
        for (size_t i = 0; i < n && !rc; i++)
            if (strcmp(keys[i].key, keys[n].key) == 0)
                rc = error_set(MG_EFORMAT, "%s:%ld: %s: given twice (first on line %ld)", path,
                               lineno, keys[n].key, keys[i].line);
        if (rc)
            break;
        memset(rows + n * size, 0, size);
        rc = row(rows + n * size, fields, path, lineno);
        n += rc == MG_OK;
    }
    free(keys);
    free(line);
    fclose(f);
    if (!rc && lineno == 0)
        rc = error_set(MG_EFORMAT, "%s: empty (expected a header line)", path);
    if (rc) {
        free(rows);
        return rc;
    }
    *out = rows;
    *n_out = n;
    return MG_OK;
}

static int paper_row_v(void *r, char **f, const char *path, long line)
{
    return paper_row(r, f, path, line);
}

static int setup_row(void *v, char **f, const char *path, long line)
{
    reference_setup_row *r = v;
    r->line = (int)line;
    int rc = copy_field(r->item, sizeof r->item, f[0], path, line, "item");
    if (!rc)
        rc = copy_field(r->paper, sizeof r->paper, f[1], path, line, "paper");
    if (!rc)
        rc = copy_field(r->ours, sizeof r->ours, f[2], path, line, "ours");
    if (!rc)
        rc = copy_field(r->source, sizeof r->source, f[3], path, line, "source");
    return rc;
}

int reference_setup_load(reference_setup *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s/paper_setup.tsv", dir);
    void *rows = NULL;
    int rc = read_table(s->path, setup_cols, N_SETUP_COLS, 1, sizeof *s->rows, setup_row, &rows,
                        &s->n);
    if (!rc)
        s->rows = rows;
    return rc;
}

void reference_setup_free(reference_setup *s)
{
    free(s->rows);
    s->rows = NULL;
    s->n = 0;
}

static int positive_field(double *dst, const char *v, const char *path, long line,
                          const char *col)
{
    int rc = number_field(dst, v, path, line, col);
    if (!rc && !(*dst > 0))
        rc = error_set(MG_EFORMAT, "%s:%ld: %s: '%s': expected a positive number", path, line,
                       col, v);
    return rc;
}

static int speed_row(void *v, char **f, const char *path, long line)
{
    reference_speed_row *r = v;
    double threads = 0;
    int rc = copy_field(r->tier, sizeof r->tier, f[0], path, line, "tier");
    if (!rc)
        rc = copy_field(r->model, sizeof r->model, f[1], path, line, "model");
    if (!rc)
        rc = number_field(&threads, f[2], path, line, "threads");
    if (!rc && (threads < 1 || threads > 1024 || threads != floor(threads)))
        rc = error_set(MG_EFORMAT, "%s:%ld: threads: '%s': expected an integer 1..1024", path,
                       line, f[2]);
    r->threads = (int)threads;
    if (!rc)
        rc = positive_field(&r->train_tokens_per_s, f[3], path, line, "train_tokens_per_s");
    if (!rc)
        rc = positive_field(&r->eval_tokens_per_s, f[4], path, line, "eval_tokens_per_s");
    if (!rc)
        rc = copy_field(r->source, sizeof r->source, f[5], path, line, "source");
    return rc;
}

int reference_speed_load(reference_speed *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s/speed.tsv", dir);
    void *rows = NULL;
    int rc = read_table(s->path, speed_cols, N_SPEED_COLS, 2, sizeof *s->rows, speed_row, &rows,
                        &s->n);
    if (rc)
        return rc;
    s->rows = rows;
    return MG_OK;
}

void reference_speed_free(reference_speed *s)
{
    free(s->rows);
    s->rows = NULL;
    s->n = 0;
}

const reference_speed_row *reference_speed_find(const reference_speed *s, const char *tier,
                                                const char *model)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].tier, tier) == 0 && strcmp(s->rows[i].model, model) == 0)
            return &s->rows[i];
    return NULL;
}

int reference_load(reference_set *r, const char *dir)
{
    memset(r, 0, sizeof *r);
    snprintf(r->paper_path, sizeof r->paper_path, "%s/paper.tsv", dir);
    void *rows = NULL;
    int rc = read_table(r->paper_path, paper_cols, N_COLS, 1, sizeof *r->paper, paper_row_v, &rows,
                        &r->n_paper);
    if (rc)
        return rc;
    r->paper = rows;
    return MG_OK;
}

void reference_free(reference_set *r)
{
    free(r->paper);
    r->paper = NULL;
    r->n_paper = 0;
}

const reference_paper_row *reference_paper(const reference_set *r, const char *name)
{
    for (size_t i = 0; i < r->n_paper; i++)
        if (strcmp(r->paper[i].name, name) == 0)
            return &r->paper[i];
    return NULL;
}

