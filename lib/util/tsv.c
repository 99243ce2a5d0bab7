#include "util/tsv.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int tsv_open(tsv_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "r");
    if (!r->f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    return MG_OK;
}

void tsv_close(tsv_reader *r)
{
    if (r->f)
        fclose(r->f);
    free(r->buf);
    r->f = NULL;
    r->buf = NULL;
}

int tsv_next(tsv_reader *r, int skip_blank)
{
    for (;;) {
        ssize_t len = getline(&r->buf, &r->cap, r->f);
        if (len <= 0) {
            if (ferror(r->f))
                return error_set(MG_EIO, "%s: read error after line %ld", r->path, r->line);
            return TSV_END;
        }
        r->line++;
        r->complete = r->buf[len - 1] == '\n';
        r->buf[strcspn(r->buf, "\r\n")] = '\0';
        if (skip_blank && r->buf[strspn(r->buf, " \t")] == '\0')
            continue;
        r->n_fields = 0;
        for (char *s = r->buf;;) {
            if (r->n_fields == TSV_MAX_FIELDS)
                return error_set(MG_EFORMAT, "%s:%ld: more than %d tab-separated columns",
                                 r->path, r->line, TSV_MAX_FIELDS);
            r->fields[r->n_fields++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                return TSV_ROW;
            *tab = '\0';
            s = tab + 1;
        }
    }
}

int tsv_expect_fields(const tsv_reader *r, int n)
{
    if (r->n_fields != n)
        return error_set(MG_EFORMAT, "%s:%ld: expected %d tab-separated columns", r->path, r->line,
                         n);
    return MG_OK;
}

int tsv_expect_header(const tsv_reader *r, const char *const *cols, int n)
{
    int rc = tsv_expect_fields(r, n);
    for (int c = 0; c < n && !rc; c++)
        if (strcmp(r->fields[c], cols[c]) != 0)
            rc = error_set(MG_EFORMAT, "%s:%ld: column %d is '%s', expected '%s'", r->path,
                           r->line, c + 1, r->fields[c], cols[c]);
    return rc;
}

int tsv_column(const tsv_reader *r, const char *name)
{
    for (int c = 0; c < r->n_fields; c++)
        if (strcmp(r->fields[c], name) == 0)
            return c;
    return -1;
}

const char *tsv_field(const tsv_reader *r, int col)
{
    return col >= 0 && col < r->n_fields ? r->fields[col] : NULL;
}

int tsv_number(const tsv_reader *r, int col, const char *name, double *out)
{
    const char *v = tsv_field(r, col);
    char *end = NULL;
    errno = 0;
    double x = v ? strtod(v, &end) : NAN;
    if (!v || end == v || *end || errno || !isfinite(x))
        return error_set(MG_EFORMAT, "%s:%ld: %s: '%s' is not a number", r->path, r->line, name,
                         v ? v : "");
    *out = x;
    return MG_OK;
}

int tsv_text(const tsv_reader *r, int col, const char *name, char *dst, size_t cap)
{
    const char *v = tsv_field(r, col);
    size_t n = v ? strlen(v) : 0;
    if (!n || n >= cap)
        return error_set(MG_EFORMAT, "%s:%ld: %s: expected 1..%zu characters", r->path, r->line,
                         name, cap - 1);
    memcpy(dst, v, n + 1);
    return MG_OK;
}
