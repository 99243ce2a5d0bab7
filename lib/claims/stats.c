#include "claims/stats.h"
#include "util/error.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

/* GSL's default error handler aborts the process; a library must return
 * errors instead, and every GSL call here has its status checked. */
static void gsl_quiet(void)
{
    gsl_set_error_handler_off();
}

int stats_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    if (n == 0)
        return error_set(MG_EINVAL, "no values to average");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return error_set(MG_EINVAL, "value %zu is not finite", i + 1);
    *mean = gsl_stats_mean(x, 1, n);
    *sd = n > 1 ? gsl_stats_sd_m(x, 1, n, *mean) : 0.0;
    return MG_OK;
}

int stats_t_test(const double *d, size_t n, stats_ttest *out)
{
    if (n < 2)
        return error_set(MG_EINVAL, "a t-test needs at least 2 values, got %zu", n);
    int rc = stats_mean_sd(d, n, &out->mean, &out->sd);
    if (rc)
        return rc;
    out->n = n;
    out->df = (int)n - 1;
    if (out->sd == 0.0) {
        /* no spread: the sign of the mean is certain, or there is no effect */
        out->t = out->mean > 0 ? INFINITY : out->mean < 0 ? -INFINITY : 0.0;
        out->p_greater = out->mean > 0 ? 0.0 : out->mean < 0 ? 1.0 : 0.5;
        out->p_less = 1.0 - out->p_greater;
        return MG_OK;
    }
    out->t = out->mean / (out->sd / sqrt((double)n));
    out->p_greater = gsl_cdf_tdist_Q(out->t, out->df);
    out->p_less = gsl_cdf_tdist_P(out->t, out->df);
    return MG_OK;
}

int stats_paired_t(const double *a, const double *b, size_t n, double *diff, stats_ttest *out)
{
    double local[64];
    double *d = diff ? diff : n <= 64 ? local : malloc(n * sizeof *d);
    if (!d)
        return error_set(MG_ENOMEM, "paired t-test: out of memory");
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] - b[i];
    int rc = stats_t_test(d, n, out);
    if (d != diff && d != local)
        free(d);
    return rc;
}

int stats_slope_log(const double *x, const double *y, size_t n, double *slope,
                    double *intercept)
{
    if (n < 2)
        return error_set(MG_EINVAL, "a slope needs at least 2 points, got %zu", n);
    double *lx = malloc(n * sizeof *lx);
    if (!lx)
        return error_set(MG_ENOMEM, "slope fit: out of memory");
    int rc = MG_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!(x[i] > 0) || !isfinite(y[i]))
            rc = error_set(MG_EINVAL, "slope fit: point %zu (%g, %g) is not usable", i + 1,
                           x[i], y[i]);
        else
            lx[i] = log(x[i]);
    }
    int distinct = 0;
    for (size_t i = 1; i < n && !rc; i++)
        distinct |= lx[i] != lx[0];
    if (!rc && !distinct)
        rc = error_set(MG_EINVAL, "slope fit: every x is %g", x[0]);
    double c0 = 0, c1 = 0, cov00, cov01, cov11, sumsq;
    gsl_quiet();
    if (!rc && gsl_fit_linear(lx, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) != GSL_SUCCESS)
        rc = error_set(MG_EINVAL, "slope fit: gsl_fit_linear failed");
    free(lx);
    if (!rc) {
        *slope = c1;
        if (intercept)
            *intercept = c0;
    }
    return rc;
}

typedef struct {
    double t_crit, delta, nu;
} power_params;

/* The integrand: P(Z > t_crit * sqrt(v / nu) - delta) times the chi-square
 * density of v = nu * s^2 / sigma^2. */
static double power_integrand(double v, void *p)
{
    const power_params *q = p;
    return gsl_cdf_ugaussian_Q(q->t_crit * sqrt(v / q->nu) - q->delta) * gsl_ran_chisq_pdf(v, q->nu);
}

double stats_t_power(double effect, size_t n, double alpha)
{
    if (n < 2 || !(alpha > 0 && alpha < 1) || !isfinite(effect))
        return NAN;
    gsl_quiet();
    power_params q = {gsl_cdf_tdist_Qinv(alpha, (double)(n - 1)), effect * sqrt((double)n),
                      (double)(n - 1)};
    /* The chi-square mass lies within nu +- 20 sd (sd = sqrt(2 nu)); a
     * finite range keeps the adaptive rule from missing the narrow peak of
     * a large nu, and QAGS copes with the 1/sqrt(v) singularity at 0 of
     * nu = 1. What lies outside is below 1e-20. */
    double sd = sqrt(2 * q.nu);
    double lo = q.nu - 20 * sd > 0 ? q.nu - 20 * sd : 0;
    double hi = q.nu + 20 * sd + 60;
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(200);
    if (!w)
        return NAN;
    gsl_function f = {power_integrand, &q};
    double result = NAN, abserr = 0;
    int status = gsl_integration_qags(&f, lo, hi, 1e-10, 1e-8, 200, w, &result, &abserr);
    gsl_integration_workspace_free(w);
    /* a roundoff warning still leaves a result good to the tolerance we need */
    if (status != GSL_SUCCESS && status != GSL_EROUND)
        return NAN;
    return result < 0 ? 0 : result > 1 ? 1 : result;
}

size_t stats_seeds_needed(double mean, double sd, double alpha, double power)
{
    if (!isfinite(mean) || !isfinite(sd) || mean == 0)
        return 0;
    if (sd == 0)
        return 2;
    double effect = fabs(mean) / sd;
    /* power grows with n: double until reached, then bisect */
    size_t hi = 2;
    while (!(stats_t_power(effect, hi, alpha) >= power)) {
        if (hi >= STATS_SEEDS_MAX)
            return 0;
        hi = hi * 2 > STATS_SEEDS_MAX ? STATS_SEEDS_MAX : hi * 2;
    }
    size_t lo = hi / 2 < 2 ? 1 : hi / 2; /* lo fails (or is below 2), hi reaches */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (stats_t_power(effect, mid, alpha) >= power)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

int stats_t_interval(const stats_ttest *t, double level, double *lo, double *hi)
{
    if (t->n < 2 || !(level > 0 && level < 1) || !isfinite(t->mean) || !isfinite(t->sd))
        return error_set(MG_EINVAL, "a t interval needs n >= 2, a finite mean and std and a "
                         "level in (0, 1)");
    gsl_quiet();
    double half = gsl_cdf_tdist_Qinv((1 - level) / 2, (double)t->df) * t->sd / sqrt((double)t->n);
    *lo = t->mean - half;
    *hi = t->mean + half;
    return MG_OK;
}

double stats_mde(double sd, size_t n, double alpha, double power)
{
    if (n < 2 || !isfinite(sd) || sd < 0 || !(power > 0 && power < 1))
        return NAN;
    if (sd == 0)
        return 0;
    /* power grows with the effect: double until reached, then bisect to a
     * relative 1e-9, far below the precision any output keeps */
    double lo = 0, hi = 1;
    while (!(stats_t_power(hi, n, alpha) >= power)) {
        lo = hi;
        hi *= 2;
        if (hi > 1e6)
            return NAN;
    }
    while (hi - lo > 1e-9 * hi) {
        double mid = 0.5 * (lo + hi);
        if (stats_t_power(mid, n, alpha) >= power)
            hi = mid;
        else
            lo = mid;
    }
    return hi * sd;
}
