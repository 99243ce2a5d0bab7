/* The tab-separated tables moegap reads (the reference tables, a run's
 * metrics.tsv, plan.tsv): one reader that splits lines in place and names
 * FILE:LINE and the column in every error.
 *
 *   tsv_reader r;
 *   if (tsv_open(&r, path)) ...;
 *   while ((rc = tsv_next(&r)) == TSV_ROW) { r.fields[0] ... r.line ... }
 *   tsv_close(&r);
 */
#ifndef MOEGAP_TSV_H
#define MOEGAP_TSV_H

#include <stddef.h>
#include <stdio.h>

enum { TSV_MAX_FIELDS = 256 };

/* tsv_next's answers besides an MG_* error code. */
enum { TSV_END = -1, TSV_ROW = -2 };

typedef struct {
    const char *path; /* named in every message; not copied */
    FILE *f;
    char *buf;
    size_t cap;
    long line;        /* the line just read, from 1 */
    int complete;     /* the line ended in a newline (a writer may still be appending otherwise) */
    int n_fields;
    char *fields[TSV_MAX_FIELDS];
} tsv_reader;

/* MG_EIO ("PATH: cannot open: reason") or MG_OK. */
int tsv_open(tsv_reader *r, const char *path);
void tsv_close(tsv_reader *r);

/* The next line, split at tabs without its line end: TSV_ROW, TSV_END,
 * or MG_EFORMAT for a line of more than TSV_MAX_FIELDS fields. Lines of
 * white space only are skipped when skip_blank is set. */
int tsv_next(tsv_reader *r, int skip_blank);

/* MG_EFORMAT "PATH:LINE: expected N tab-separated columns" unless the
 * line has exactly n fields. */
int tsv_expect_fields(const tsv_reader *r, int n);
/* The header must be exactly cols[0..n): "PATH:1: column K is 'X', expected 'Y'". */
int tsv_expect_header(const tsv_reader *r, const char *const *cols, int n);
/* The index of the header field `name`, or -1. */
int tsv_column(const tsv_reader *r, const char *name);
/* Field `col`, or NULL when the line is shorter. */
const char *tsv_field(const tsv_reader *r, int col);

/* Field `col` as a finite number: "PATH:LINE: NAME: 'V' is not a number". */
int tsv_number(const tsv_reader *r, int col, const char *name, double *out);
/* Field `col` copied into dst[cap]: "PATH:LINE: NAME: expected 1..N characters". */
int tsv_text(const tsv_reader *r, int col, const char *name, char *dst, size_t cap);

#endif
