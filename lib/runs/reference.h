/* The reference files a check and the report read, tab-separated with a
 * header:
 *
 *   reference/paper.tsv: the paper's numbers as data (nothing typed into
 *     code): name, kind (model | gap), mean, std, n_seeds, favours, source.
 *   reference/paper_setup.tsv: what the paper states of its setup, beside
 *     the keys of ours that answer it.
 *   reference/speed.tsv: the measured speed of a tier's models, for the
 *     plan's costs: tier, model, threads, train_tokens_per_s (training
 *     tokens per second of one run), eval_tokens_per_s (validation tokens
 *     per second), source (what measured it, where and when).
 *
 * No file excuses a verdict: a check's exit status is its verdict.
 *
 * Errors name the file, the line and the column. */
#ifndef MOEGAP_REFERENCE_H
#define MOEGAP_REFERENCE_H

#include "util/fsutil.h"

#include <stddef.h>

enum { REFERENCE_FIELD_MAX = 512 };

typedef struct {
    char name[64];
    char kind[16];
    double mean, sd;
    int n_seeds;
    char favours[64];
    char source[REFERENCE_FIELD_MAX];
} reference_paper_row;

typedef struct {
    char paper_path[FS_PATH_BUF];
    reference_paper_row *paper;
    size_t n_paper;
} reference_set;

typedef struct {
    char item[128];
    char paper[REFERENCE_FIELD_MAX];
    char ours[256];
    char source[REFERENCE_FIELD_MAX];
    int line;
} reference_setup_row;

typedef struct {
    char path[FS_PATH_BUF];
    reference_setup_row *rows;
    size_t n;
} reference_setup;

typedef struct {
    char tier[64];
    char model[64];
    int threads;
    double train_tokens_per_s, eval_tokens_per_s;
    char source[REFERENCE_FIELD_MAX];
} reference_speed_row;

typedef struct {
    char path[FS_PATH_BUF];
    reference_speed_row *rows;
    size_t n;
} reference_speed;

/* Reads dir/speed.tsv: speeds positive, threads 1..1024, no (tier, model)
 * twice. */
int reference_speed_load(reference_speed *s, const char *dir);
void reference_speed_free(reference_speed *s);
/* The row of a tier's model, NULL when none was measured. */
const reference_speed_row *reference_speed_find(const reference_speed *s, const char *tier,
                                                const char *model);

/* Reads dir/paper.tsv. */
int reference_load(reference_set *r, const char *dir);
void reference_free(reference_set *r);
/* Reads dir/paper_setup.tsv. */
int reference_setup_load(reference_setup *s, const char *dir);
void reference_setup_free(reference_setup *s);
/* NULL when absent. */
const reference_paper_row *reference_paper(const reference_set *r, const char *name);

#endif
