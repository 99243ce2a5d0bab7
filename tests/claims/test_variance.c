/* The variance study's arithmetic and its table:
 *  - designs whose components are known exactly: purely additive seeds
 *    (no interaction), pure interaction, and a negative estimate clipped;
 *  - variance.tsv written and read back to the printed precision, and every
 *    damaged table refused by file, line and field. */
#include "util/error.h"
#include "claims/variance.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int near(double a, double b) { return fabs(a - b) <= 1e-12 * (1 + fabs(b)); }

/* y_ij = a_i + b_j: each seed's component is the sample variance of its
 * effects, and nothing is left for the interaction. */
static void check_additive(void)
{
    const double a[3] = {0.0, 0.1, 0.2}, b[3] = {0.0, 0.0, 0.3};
    double y[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            y[i * 3 + j] = 4.0 + a[i] + b[j];
    variance_components c;
    EXPECT(variance_split(y, 3, 3, &c) == MG_OK, "%s", error_message());
    EXPECT(near(c.mean, 4.0 + 0.1 + 0.1), "additive: mean %.12g", c.mean);
    EXPECT(near(c.var_init, 0.01), "additive: var_init %.12g, expected 0.01", c.var_init);
    EXPECT(near(c.var_data, 0.03), "additive: var_data %.12g, expected 0.03", c.var_data);
    EXPECT(fabs(c.var_inter) < 1e-15, "additive: var_inter %.3g, expected 0", c.var_inter);
    EXPECT(near(c.share_init, 0.25) && near(c.share_data, 0.75),
           "additive: shares %.6f %.6f, expected 0.25 0.75", c.share_init, c.share_data);
}

/* A checkerboard has equal row and column means: all interaction, and the
 * seeds' estimates (MS - MS_inter < 0) are clipped at 0. */
static void check_interaction(void)
{
    const double y[4] = {1, -1, -1, 1};
    variance_components c;
    EXPECT(variance_split(y, 2, 2, &c) == MG_OK, "%s", error_message());
    EXPECT(c.var_init == 0 && c.var_data == 0, "checkerboard: seed components %g %g",
           c.var_init, c.var_data);
    EXPECT(near(c.ms_inter, 4.0) && near(c.var_total, 4.0) && near(c.share_inter, 1.0),
           "checkerboard: ms_inter %g, var_total %g, share %g", c.ms_inter, c.var_total,
           c.share_inter);
    EXPECT(variance_split(y, 1, 4, &c) == MG_EINVAL, "a 1 x 4 design was split");
    const double bad[4] = {1, NAN, 0, 0};
    EXPECT(variance_split(bad, 2, 2, &c) == MG_EINVAL, "a NaN cell was split");
}

static void expect_refused(const char *dir, const char *name, const char *text, const char *want)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    test_write_path(path, text);
    variance_table t;
    int rc = variance_table_read(path, &t);
    EXPECT(rc == MG_EFORMAT && strstr(error_message(), want), "%s: rc %d, '%s', expected '%s'",
           name, rc, error_message(), want);
}

#define HEAD "# moegap variance\ntier\tci\nsteps\t1000\ninit_seeds\t1,2,3\ndata_seeds\t1,2,3\n" \
             "quantity\tmean\tvar_total\tvar_init\tvar_data\tvar_inter\tshare_init\t"  \
             "share_data\tshare_inter\tms_init\tms_data\tms_inter\n"

static void check_table(const char *dir)
{
    variance_table t = {0}, back;
    snprintf(t.tier, sizeof t.tier, "ci");
    t.steps = 1800;
    t.n_init = t.n_data = 3;
    for (int i = 0; i < 3; i++)
        t.init_seeds[i] = t.data_seeds[i] = i + 1;
    const double y[9] = {4.41, 4.43, 4.40, 4.45, 4.39, 4.42, 4.40, 4.47, 4.44};
    t.n_rows = 1;
    snprintf(t.rows[0].quantity, sizeof t.rows[0].quantity, "gap moe4 - dense_total");
    EXPECT(variance_split(y, 3, 3, &t.rows[0].c) == MG_OK, "%s", error_message());
    char path[512];
    snprintf(path, sizeof path, "%s/variance.tsv", dir);
    EXPECT(variance_table_write(path, &t) == MG_OK, "%s", error_message());
    EXPECT(variance_table_read(path, &back) == MG_OK, "%s", error_message());
    const variance_components *a = &t.rows[0].c, *b = &back.rows[0].c;
    EXPECT(back.n_rows == 1 && strcmp(back.tier, "ci") == 0 && back.steps == 1800 && back.n_init == 3 &&
               back.data_seeds[2] == 3 && strcmp(back.rows[0].quantity, t.rows[0].quantity) == 0,
           "the table did not read back");
    EXPECT(fabs(a->var_total - b->var_total) <= 1e-8 * a->var_total &&
               fabs(a->share_data - b->share_data) <= 1e-6 && fabs(a->mean - b->mean) < 1e-8,
           "read back: var_total %.9g vs %.9g", a->var_total, b->var_total);

    const char *row = "moe4\t4.4\t1e-4\t4e-5\t4e-5\t2e-5\t0.4\t0.4\t0.2\t1\t1\t1\n";
    char text[2048];
    snprintf(text, sizeof text, "%s%s", HEAD, row);
    test_write_path(path, text);
    EXPECT(variance_table_read(path, &back) == MG_OK, "a good table was refused: %s",
           error_message());
    expect_refused(dir, "nohead.tsv", "tier\tci\n", "nohead.tsv:1: not a moegap variance table");
    expect_refused(dir, "notier.tsv", "# x\ntiers\tci\n", "notier.tsv:2: expected the field tier");
    expect_refused(dir, "nosteps.tsv", "# x\ntier\tci\ninit_seeds\t1,2\n",
                   "nosteps.tsv:3: expected the field steps");
    expect_refused(dir, "steps.tsv", "# x\ntier\tci\nsteps\t0\n",
                   "steps.tsv:3: steps: '0': expected a positive integer");
    expect_refused(dir, "seeds.tsv", "# x\ntier\tci\nsteps\t9\ninit_seeds\t1,x\n",
                   "seeds.tsv:4: init_seeds: '1,x': expected N (the seeds 1..N) or seeds separated by commas");
    expect_refused(dir, "twice.tsv", "# x\ntier\tci\nsteps\t9\ninit_seeds\t1,2\ndata_seeds\t2,2\n",
                   "twice.tsv:5: data_seeds: '2,2': seed 2 is listed twice");
    expect_refused(dir, "header.tsv", "# x\ntier\tci\nsteps\t9\ninit_seeds\t1,2\ndata_seeds\t1,2\nq\tm\n",
                   "header.tsv:6: expected the header");
    snprintf(text, sizeof text, "%s%s", HEAD, "moe4\t4.4\t1e-4\t4e-5\t4e-5\t2e-5\t1.4\t0.4\t0.2\t1\t1\t1\n");
    expect_refused(dir, "share.tsv", text, "share.tsv:7: share_init: 1.4 is out of range");
    snprintf(text, sizeof text, "%s%s", HEAD, "moe4\t4.4\t1e-4\t4e-5\t4e-5\t2e-5\t0.4\t0.4\n");
    expect_refused(dir, "short.tsv", text, "short.tsv:7: share_inter: missing (the row ends after share_data)");
    snprintf(text, sizeof text, "%s%s", HEAD, "moe4\t4.4\t1e-4\t4e-5\t4e-5\t2e-5\t0.4\t0.4\t0.2\t1\t1\t1\t9\n");
    expect_refused(dir, "long.tsv", text, "long.tsv:7: ms_inter: not a number (fields after the last)");
    snprintf(text, sizeof text, "%s%s%s%s%s", HEAD, row, row, row, row);
    expect_refused(dir, "rows.tsv", text, "rows.tsv:10: more than 3 rows");
    expect_refused(dir, "empty.tsv", HEAD, "empty.tsv: no rows");
}

int main(void)
{
    const char *dir = test_dir("variance");
    check_additive();
    check_interaction();
    check_table(dir);
    return test_summary("test_variance");
}
