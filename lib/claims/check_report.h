/* A check's result as text and JSON, and the set of files it writes. */
#ifndef MOEGAP_CHECK_REPORT_H
#define MOEGAP_CHECK_REPORT_H

#include "claims/check.h"

#include <stddef.h>
#include <stdio.h>

/* The readable report (what `moegap check` prints and writes as .txt). */
void check_report_text(const check_result *r, FILE *f);
/* The same as JSON (caller owns the reference); NULL when out of memory. */
struct json_t;
struct json_t *check_report_json(const check_result *r);

/* Writes out_dir/<protocol>.txt and .json and, with `figures`, what
 * check_plot makes, creating out_dir. The files replace their old
 * versions together, only once every one is complete: on any failure (an
 * error naming the file) the old set stays as it was. `note` as for
 * check_plot. */
int check_write(const check_result *r, const char *out_dir, int figures, char *note,
                size_t note_size);

#endif
