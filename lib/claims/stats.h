/* The statistics behind every verdict: mean and spread over seeds, the
 * one-sided paired t-test, the slope of a series against log(step), and how
 * many seeds an observed effect would need. Thin wrappers over GSL
 * (gsl_stats_*, gsl_cdf_tdist_*, gsl_fit_linear), so the numbers can be
 * checked against any statistics package. */
#ifndef MOEGAP_STATS_H
#define MOEGAP_STATS_H

#include <stddef.h>

/* Mean and sample standard deviation (n - 1 in the denominator; 0 when
 * n == 1). MG_EINVAL for n == 0 or a non-finite value. */
int stats_mean_sd(const double *x, size_t n, double *mean, double *sd);

typedef struct {
    size_t n;
    double mean, sd;  /* of the differences */
    double t;         /* mean / (sd / sqrt(n)); +-inf when sd == 0 and mean != 0 */
    int df;           /* n - 1 */
    double p_greater; /* one-sided p of H1: mean > 0, P(T >= t) */
    double p_less;    /* one-sided p of H1: mean < 0, P(T <= t) */
} stats_ttest;

/* One-sample t-test of d[0..n) against 0, both one-sided tails. For the
 * paired test pass the per-seed differences. With sd == 0 the test
 * degenerates: mean > 0 gives p_greater 0 and p_less 1 (and mirrored);
 * mean == 0 gives t 0 and 0.5 both ways. MG_EINVAL for n < 2. */
int stats_t_test(const double *d, size_t n, stats_ttest *out);

/* Paired test of a[s] - b[s]: the differences into diff (n entries, may be
 * NULL), then stats_t_test on them. */
int stats_paired_t(const double *a, const double *b, size_t n, double *diff, stats_ttest *out);

/* Least-squares fit y = c0 + c1 * log(x) (gsl_fit_linear): the slope c1.
 * MG_EINVAL for n < 2, a non-positive x, or all x equal. */
int stats_slope_log(const double *x, const double *y, size_t n, double *slope,
                    double *intercept);

/* Power of a one-sided one-sample t-test at level alpha with n samples
 * when the true standardised effect (mean / sd, in the tested direction)
 * is `effect`: P(T' > t_{1-alpha, n-1}) for T' noncentral t with n - 1
 * degrees of freedom and noncentrality effect * sqrt(n). Computed exactly
 * (to ~1e-8) by integrating the normal tail over the chi-square density of
 * the variance estimate (GSL QAGS), not by an approximation. */
double stats_t_power(double effect, size_t n, double alpha);

enum { STATS_SEEDS_MAX = 1000000 };

/* Smallest n >= 2 whose one-sided t-test at alpha reaches `power` for an
 * observed mean and sd (the effect |mean| / sd, tested in the direction of
 * its sign). 0 when no n up to STATS_SEEDS_MAX does (including mean == 0);
 * 2 when sd == 0 and mean != 0. */
size_t stats_seeds_needed(double mean, double sd, double alpha, double power);

/* The two-sided t confidence interval of the mean at `level` (0.95: 95%):
 * mean +- t_{(1+level)/2, n-1} sd / sqrt(n). MG_EINVAL for n < 2 or a
 * non-finite mean or std. */
int stats_t_interval(const stats_ttest *t, double level, double *lo, double *hi);

/* The minimum detectable effect: the smallest true mean (in units of the
 * data, for a spread `sd`) that the one-sided t-test at alpha detects
 * with probability `power` over n samples (stats_t_power, solved for the
 * effect). 0 when sd == 0; NAN for n < 2 or a non-finite sd. */
double stats_mde(double sd, size_t n, double alpha, double power);

#endif
