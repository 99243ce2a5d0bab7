/* Statistics against values computed independently: the paired t-test by
 * hand (with 2 degrees of freedom the t distribution's tail has the closed
 * form P(T > t) = 1/2 - t / (2 sqrt(t^2 + 2))), the slope on an exact
 * line, and the noncentral-t power against a Monte Carlo of 2e6 draws
 * (numpy, seed 2: 0.81513, 0.75506, 0.81200, 0.71221, 0.49329; standard
 * error 3.5e-4). */
#include "util/error.h"
#include "claims/stats.h"
#include "testutil.h"

#include <math.h>

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

static double t2_tail(double t)
{
    return 0.5 - t / (2 * sqrt(t * t + 2));
}

static void test_mean_sd(void)
{
    double x[] = {1, 2, 3, 4};
    double m, s;
    EXPECT(stats_mean_sd(x, 4, &m, &s) == MG_OK, "mean_sd failed");
    EXPECT(near(m, 2.5, 1e-15) && near(s, sqrt(5.0 / 3.0), 1e-15), "mean %g sd %g", m, s);
    EXPECT(stats_mean_sd(x, 1, &m, &s) == MG_OK && m == 1 && s == 0, "one value: %g %g", m, s);
    EXPECT(stats_mean_sd(x, 0, &m, &s) != MG_OK, "no values accepted");
    double bad[] = {1, NAN};
    EXPECT(stats_mean_sd(bad, 2, &m, &s) != MG_OK, "NaN accepted");
}

static void test_paired(void)
{
    /* differences 0.07, 0.08, 0.077: mean 0.0756667, sd 0.00513160,
     * t = 25.5394954, p(> 0) = 7.648003e-4 */
    double a[] = {1.65, 1.66, 1.657}, b[] = {1.58, 1.58, 1.58}, d[3];
    stats_ttest t;
    EXPECT(stats_paired_t(a, b, 3, d, &t) == MG_OK, "paired t failed");
    EXPECT(near(d[0], 0.07, 1e-12) && near(d[2], 0.077, 1e-12), "diffs %g %g", d[0], d[2]);
    EXPECT(t.n == 3 && t.df == 2, "n %zu df %d", t.n, t.df);
    EXPECT(near(t.mean, 0.0756666666666667, 1e-12), "mean %.15g", t.mean);
    EXPECT(near(t.sd, 0.00513160143944688, 1e-12), "sd %.15g", t.sd);
    EXPECT(near(t.t, 25.5394953510, 1e-6), "t %.12g", t.t);
    EXPECT(near(t.p_greater, 7.648002927925e-4, 1e-10), "p> %.12g", t.p_greater);
    EXPECT(near(t.p_less, 1 - 7.648002927925e-4, 1e-10), "p< %.12g", t.p_less);
    /* the other direction: b - a, the tails swap */
    stats_ttest u;
    EXPECT(stats_paired_t(b, a, 3, NULL, &u) == MG_OK, "reverse failed");
    EXPECT(near(u.t, -t.t, 1e-9) && near(u.p_less, t.p_greater, 1e-12), "swap: t %g p< %g", u.t,
           u.p_less);
    /* t = 1 exactly: differences 0, 1, 2 have mean 1, sd 1, t = sqrt(3) */
    double c[] = {0, 1, 2}, z[] = {0, 0, 0};
    EXPECT(stats_paired_t(c, z, 3, NULL, &t) == MG_OK, "t failed");
    EXPECT(near(t.t, sqrt(3.0), 1e-12) && near(t.p_greater, t2_tail(sqrt(3.0)), 1e-12),
           "t %g p %g want %g", t.t, t.p_greater, t2_tail(sqrt(3.0)));
    /* no spread: certain sign, or no effect */
    double same[] = {0.01, 0.01, 0.01};
    EXPECT(stats_t_test(same, 3, &t) == MG_OK && isinf(t.t) && t.p_greater == 0 && t.p_less == 1,
           "no spread: t %g p %g %g", t.t, t.p_greater, t.p_less);
    EXPECT(stats_t_test(z, 3, &t) == MG_OK && t.t == 0 && t.p_greater == 0.5, "zero: %g", t.t);
    EXPECT(stats_t_test(c, 1, &t) != MG_OK, "one value accepted");
}

static void test_slope(void)
{
    double x[] = {100, 200, 400, 800, 1000}, y[5];
    for (int i = 0; i < 5; i++)
        y[i] = 2 - 0.003 * log(x[i]);
    double k = 0, c = 0;
    EXPECT(stats_slope_log(x, y, 5, &k, &c) == MG_OK, "fit failed: %s", error_message());
    EXPECT(near(k, -0.003, 1e-12) && near(c, 2, 1e-11), "slope %.15g intercept %.15g", k, c);
    /* hand-computed least squares on u = log2-spaced points: x = 1, e, e^2
     * (u = 0, 1, 2), y = 0, 1, 5: slope = sum (u - 1)(y - 2) / 2 = 2.5 */
    double xe[] = {1, exp(1.0), exp(2.0)}, ye[] = {0, 1, 5};
    EXPECT(stats_slope_log(xe, ye, 3, &k, &c) == MG_OK && near(k, 2.5, 1e-12) &&
               near(c, -0.5, 1e-12), "slope %g intercept %g", k, c);
    EXPECT(stats_slope_log(x, y, 1, &k, NULL) != MG_OK, "one point accepted");
    double same[] = {5, 5, 5};
    EXPECT(stats_slope_log(same, y, 3, &k, NULL) != MG_OK, "equal x accepted");
    double neg[] = {-1, 1, 2};
    EXPECT(stats_slope_log(neg, y, 3, &k, NULL) != MG_OK, "x <= 0 accepted");
}

static void test_power(void)
{
    static const struct {
        double effect;
        size_t n;
        double mc;
    } cases[] = {{1, 8, 0.8151325}, {1, 7, 0.755061}, {0.5, 27, 0.8119955}, {2, 3, 0.712207},
                 {3, 2, 0.493291}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double p = stats_t_power(cases[i].effect, cases[i].n, 0.05);
        EXPECT(near(p, cases[i].mc, 2e-3), "power(d=%g, n=%zu) = %.6f, Monte Carlo %.6f",
               cases[i].effect, cases[i].n, p, cases[i].mc);
    }
    /* no effect: the power is the level itself */
    EXPECT(near(stats_t_power(0, 10, 0.05), 0.05, 1e-6), "size %g", stats_t_power(0, 10, 0.05));
    /* a large n agrees with the normal limit Phi(d sqrt(n) - z_0.95) */
    double big = stats_t_power(0.01, 100000, 0.05);
    EXPECT(near(big, 0.93542, 1e-3), "power(0.01, 1e5) = %g", big);

    /* seeds needed: d = 1 passes 80% at 8 (0.815), not at 7 (0.755) */
    EXPECT(stats_seeds_needed(0.02, 0.02, 0.05, 0.8) == 8, "d=1: %zu",
           stats_seeds_needed(0.02, 0.02, 0.05, 0.8));
    EXPECT(stats_seeds_needed(-0.02, 0.02, 0.05, 0.8) == 8, "sign ignored");
    EXPECT(stats_seeds_needed(0.5, 1, 0.05, 0.8) == 27, "d=0.5: %zu",
           stats_seeds_needed(0.5, 1, 0.05, 0.8));
    EXPECT(stats_seeds_needed(0, 1, 0.05, 0.8) == 0, "no effect has no n");
    EXPECT(stats_seeds_needed(1, 0, 0.05, 0.8) == 2, "no spread");
    EXPECT(stats_seeds_needed(1e-5, 1, 0.05, 0.8) == 0, "beyond the cap");
}

static void test_interval_mde(void)
{
    /* R: t.test(c(1, 2, 3, 4))$conf.int is 0.4457397 4.5542603 */
    double d[] = {1, 2, 3, 4}, lo = 0, hi = 0;
    stats_ttest t;
    EXPECT(stats_t_test(d, 4, &t) == MG_OK, "t-test");
    EXPECT(stats_t_interval(&t, 0.95, &lo, &hi) == MG_OK, "interval");
    EXPECT(near(lo, 0.4457397, 1e-6) && near(hi, 4.5542603, 1e-6), "95%% CI [%.7f, %.7f]", lo,
           hi);
    EXPECT(stats_t_interval(&t, 1.5, &lo, &hi) != MG_OK, "a level of 1.5 is refused");

    /* the MDE is where the power reaches 80%: by the Monte Carlo powers of
     * test_power, d = 1 has 0.815 at n = 8 and 0.755 at n = 7 */
    double m8 = stats_mde(1, 8, 0.05, 0.8), m7 = stats_mde(1, 7, 0.05, 0.8);
    EXPECT(m8 < 1 && m7 > 1, "MDE(n=8) %.4f < 1 < MDE(n=7) %.4f", m8, m7);
    EXPECT(near(stats_t_power(m8, 8, 0.05), 0.8, 1e-6), "power at the MDE %.7f",
           stats_t_power(m8, 8, 0.05));
    /* it scales with the spread, and no spread detects any effect */
    EXPECT(near(stats_mde(0.026, 8, 0.05, 0.8), 0.026 * m8, 1e-9), "scale");
    EXPECT(stats_mde(0, 3, 0.05, 0.8) == 0, "sd 0");
    EXPECT(isnan(stats_mde(1, 1, 0.05, 0.8)), "n 1 has no MDE");
}

int main(void)
{
    test_interval_mde();
    test_mean_sd();
    test_paired();
    test_slope();
    test_power();
    return test_summary("test_stats");
}
