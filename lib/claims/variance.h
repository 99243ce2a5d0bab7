/* Where the seed-to-seed spread comes from: a crossed design of
 * initialisation seeds (rows) by data-order seeds (columns), one run per
 * cell, split by the two-way random-effects ANOVA (method of moments,
 * Bouthillier et al. 2021, "Accounting for Variance in Machine Learning
 * Benchmarks"):
 *
 *   y_ij = mu + a_i + b_j + e_ij,  a ~ (0, var_init), b ~ (0, var_data),
 *   e ~ (0, var_inter): whatever is not additive in the two seeds.
 *
 *   MS_init  = J sum_i (ybar_i. - ybar)^2 / (I - 1)
 *   MS_data  = I sum_j (ybar_.j - ybar)^2 / (J - 1)
 *   MS_inter = sum_ij (y_ij - ybar_i. - ybar_.j + ybar)^2 / ((I - 1)(J - 1))
 *   var_init = (MS_init - MS_inter) / J, var_data = (MS_data - MS_inter) / I,
 *   var_inter = MS_inter; a negative estimate is reported as 0 (its
 *   sampling noise exceeds it), and the shares are of their sum: the
 *   variance of one run drawn with both seeds new.
 *
 * variance.tsv holds one row per quantity (each model's best validation
 * loss, and the paired gap A - B over the same cells), written and read
 * here only. */
#ifndef MOEGAP_VARIANCE_H
#define MOEGAP_VARIANCE_H

#include <stddef.h>

enum { VARIANCE_MAX_SEEDS = 16, VARIANCE_MAX_ROWS = 3 };

typedef struct {
    double mean;
    double ms_init, ms_data, ms_inter;
    double var_init, var_data, var_inter; /* clipped at 0 */
    double var_total;                     /* their sum */
    double share_init, share_data, share_inter;
} variance_components;

/* y is row-major, I rows (init seeds) by J columns (data seeds), I, J >= 2.
 * MG_EINVAL for a smaller design or a non-finite value. */
int variance_split(const double *y, size_t I, size_t J, variance_components *out);

typedef struct {
    char quantity[80]; /* a model's name, or "gap A - B" */
    variance_components c;
} variance_row;

typedef struct {
    char tier[32];
    long steps;        /* every run's [train] steps */
    size_t n_init, n_data;
    int init_seeds[VARIANCE_MAX_SEEDS], data_seeds[VARIANCE_MAX_SEEDS];
    size_t n_rows;
    variance_row rows[VARIANCE_MAX_ROWS];
} variance_table;

/* A seed list as every list of seeds is read (tier_seeds_parse: N, or
 * distinct seeds separated by commas), of at most VARIANCE_MAX_SEEDS. */
int variance_seed_list(const char *text, int *s, size_t *n);

/* Written atomically. */
int variance_table_write(const char *path, const variance_table *t);
/* The one reader of variance.tsv, strict: every error names the file, the
 * line and the field. */
int variance_table_read(const char *path, variance_table *t);

#endif
