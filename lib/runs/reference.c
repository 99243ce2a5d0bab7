#include "runs/reference.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/tsv.h"

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
enum { N_COLS = 7, N_SETUP_COLS = 4, N_SPEED_COLS = 6 };

static int copy_field(char *dst, size_t cap, const tsv_reader *t, int col, const char *name)
{
    return tsv_text(t, col, name, dst, cap);
}

static int paper_row(reference_paper_row *r, const tsv_reader *t)
{
    char *const *f = t->fields;
    int rc = copy_field(r->name, sizeof r->name, t, 0, "name");
    if (!rc && strcmp(f[1], "model") != 0 && strcmp(f[1], "gap") != 0)
        rc = error_set(MG_EFORMAT, "%s:%ld: kind: '%s': expected model or gap", t->path, t->line,
                       f[1]);
    if (!rc)
        snprintf(r->kind, sizeof r->kind, "%s", f[1]);
    if (!rc)
        rc = tsv_number(t, 2, "mean", &r->mean);
    if (!rc)
        rc = tsv_number(t, 3, "std", &r->sd);
    double n = 0;
    if (!rc)
        rc = tsv_number(t, 4, "n_seeds", &n);
    if (!rc && (n < 1 || n != floor(n) || n > 1e6))
        rc = error_set(MG_EFORMAT, "%s:%ld: n_seeds: '%s' is not a positive integer", t->path,
                       t->line, f[4]);
    r->n_seeds = (int)n;
    if (!rc)
        rc = copy_field(r->favours, sizeof r->favours, t, 5, "favours");
    if (!rc)
        rc = copy_field(r->source, sizeof r->source, t, 6, "source");
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
                      size_t size, int (*row)(void *, const tsv_reader *), void **out,
                      size_t *n_out)
{
    tsv_reader t;
    int rc = tsv_open(&t, path);
    if (rc)
        return rc;
    size_t n = 0, n_cap = 0;
    char *rows = NULL;
    struct seen {
        char key[256];
        long line;
    } *keys = NULL;
    int got;
    while (!rc && (got = tsv_next(&t, t.line > 0)) == TSV_ROW) {
        if ((rc = tsv_expect_fields(&t, n_cols)))
            break;
        if (t.line == 1) {
            rc = tsv_expect_header(&t, cols, n_cols);
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
        row_key(keys[n].key, sizeof keys[n].key, cols, t.fields, n_key);
        keys[n].line = t.line;
        for (size_t i = 0; i < n && !rc; i++)
            if (strcmp(keys[i].key, keys[n].key) == 0)
                rc = error_set(MG_EFORMAT, "%s:%ld: %s: given twice (first on line %ld)", path,
                               t.line, keys[n].key, keys[i].line);
        if (rc)
            break;
        memset(rows + n * size, 0, size);
        rc = row(rows + n * size, &t);
        n += rc == MG_OK;
    }
    if (!rc && got != TSV_END && got != TSV_ROW)
        rc = got;
    long lines = t.line;
    tsv_close(&t);
    if (!rc && lines == 0)
        rc = error_set(MG_EFORMAT, "%s: empty (expected a header line)", path);
    if (rc) {
        free(rows);
        free(keys);
        return rc;
    }
    free(keys);
    *out = rows;
    *n_out = n;
    return MG_OK;
}

static int paper_row_v(void *r, const tsv_reader *t)
{
    return paper_row(r, t);
}

static int setup_row(void *v, const tsv_reader *t)
{
    reference_setup_row *r = v;
    r->line = (int)t->line;
    int rc = copy_field(r->item, sizeof r->item, t, 0, "item");
    if (!rc)
        rc = copy_field(r->paper, sizeof r->paper, t, 1, "paper");
    if (!rc)
        rc = copy_field(r->ours, sizeof r->ours, t, 2, "ours");
    if (!rc)
        rc = copy_field(r->source, sizeof r->source, t, 3, "source");
    return rc;
}

int reference_setup_load(reference_setup *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    int rc = fs_join(s->path, sizeof s->path, dir, "paper_setup.tsv");
    if (rc)
        return rc;
    void *rows = NULL;
    rc = read_table(s->path, setup_cols, N_SETUP_COLS, 1, sizeof *s->rows, setup_row, &rows,
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

static int positive_field(double *dst, const tsv_reader *t, int col, const char *name)
{
    int rc = tsv_number(t, col, name, dst);
    if (!rc && !(*dst > 0))
        rc = error_set(MG_EFORMAT, "%s:%ld: %s: '%s': expected a positive number", t->path,
                       t->line, name, t->fields[col]);
    return rc;
}

static int speed_row(void *v, const tsv_reader *t)
{
    reference_speed_row *r = v;
    double threads = 0;
    int rc = copy_field(r->tier, sizeof r->tier, t, 0, "tier");
    if (!rc)
        rc = copy_field(r->model, sizeof r->model, t, 1, "model");
    if (!rc)
        rc = tsv_number(t, 2, "threads", &threads);
    if (!rc && (threads < 1 || threads > 1024 || threads != floor(threads)))
        rc = error_set(MG_EFORMAT, "%s:%ld: threads: '%s': expected an integer 1..1024", t->path,
                       t->line, t->fields[2]);
    r->threads = (int)threads;
    if (!rc)
        rc = positive_field(&r->train_tokens_per_s, t, 3, "train_tokens_per_s");
    if (!rc)
        rc = positive_field(&r->eval_tokens_per_s, t, 4, "eval_tokens_per_s");
    if (!rc)
        rc = copy_field(r->source, sizeof r->source, t, 5, "source");
    return rc;
}

int reference_speed_load(reference_speed *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    int rc = fs_join(s->path, sizeof s->path, dir, "speed.tsv");
    if (rc)
        return rc;
    void *rows = NULL;
    rc = read_table(s->path, speed_cols, N_SPEED_COLS, 2, sizeof *s->rows, speed_row, &rows,
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
    int rc = fs_join(r->paper_path, sizeof r->paper_path, dir, "paper.tsv");
    if (rc)
        return rc;
    void *rows = NULL;
    rc = read_table(r->paper_path, paper_cols, N_COLS, 1, sizeof *r->paper, paper_row_v, &rows,
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

