/* The claims' table as plain text (`moegap claims`), from the same reading
 * of a paper dir as the PDF's table (report_load), so the two cannot
 * disagree: one row per test that states a claim, with the paper's value,
 * ours with its confidence interval, the one-sided p toward the claimed
 * sign and the test's verdict. A claim without a readable result gets a
 * row saying why, never a gap in the table. */
#include "report/report_data.h"

#include <math.h>
#include <string.h>

const char *report_test_what_text(const char *what)
{
    return strcmp(what, "slope") == 0   ? "slope on log(step)"
           : strcmp(what, "final") == 0 ? "gap at the end"
                                        : "best-loss gap";
}

const char *report_result_state_word(report_result_state s)
{
    return s == RESULT_MISSING      ? "MISSING"
           : s == RESULT_UNREADABLE ? "UNREADABLE"
           : s == RESULT_STALE      ? "STALE"
                                    : "FRESH";
}

/* The tier the runs recorded: one word when they agree, else "mixed". */
static const char *runs_tier(const report *r)
{
    const char *tier = NULL;
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        if (!rm->have_recipe)
            continue;
        if (tier && strcmp(tier, rm->rec.tier) != 0)
            return "mixed";
        tier = rm->rec.tier;
    }
    return tier && tier[0] ? tier : "not recorded";
}

/* One row of the table; every row goes through here so the columns align. */
static void put_row(FILE *f, const char *claim, const char *test, const char *paper,
                    const char *ours, const char *p, const char *verdict)
{
    fprintf(f, "%-15s %-30s %-19s %-30s %-8s %s\n", claim, test, paper, ours, p, verdict);
}

static int claimed(const report_test *t)
{
    return strcmp(t->claim, "positive") == 0 || strcmp(t->claim, "negative") == 0;
}

static void put_test(FILE *f, const char *claim_col, const report_test *t)
{
    /* slopes are per log(step), smaller than losses: one more digit */
    int digits = strcmp(t->what, "slope") == 0 ? 5 : 4;
    int positive = strcmp(t->claim, "positive") == 0;
    char test[96], paper[64], ours[96], p[16], verdict[40];
    snprintf(test, sizeof test, "%s %s %s", t->gap, report_test_what_text(t->what),
             positive ? "> 0" : "< 0");
    if (t->has_paper)
        snprintf(paper, sizeof paper, "%.4f +- %.4f", t->paper_mean, t->paper_sd);
    else
        snprintf(paper, sizeof paper, "not reported");
    snprintf(ours, sizeof ours, "%.*f [%.*f, %.*f]", digits, t->mean, digits, t->ci_lo, digits,
             t->ci_hi);
    /* NaN: no spread, so the t statistic is infinite and has no p */
    double pv = positive ? t->p_greater : t->p_less;
    if (isnan(pv))
        snprintf(p, sizeof p, "n/a");
    else
        snprintf(p, sizeof p, "%.3g", pv);
    snprintf(verdict, sizeof verdict, "%s%s", t->verdict, t->gate ? "" : " (not gated)");
    put_row(f, claim_col, test, paper, ours, p, verdict);
}

int report_claims_text(const report *r, FILE *f)
{
    int problems = 0;
    double level = NAN;
    fprintf(f, "claims of %s (tier %s)\n", r->paper_dir, runs_tier(r));
    put_row(f, "claim", "test", "paper (mean +- std)", "ours: mean [CI]", "p", "verdict");
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        const char *name = res->proto.name;
        if (res->state == RESULT_MISSING || res->state == RESULT_UNREADABLE) {
            fprintf(f, "%-15s %s: %s\n", name, report_result_state_word(res->state), res->why);
            problems++;
            continue;
        }
        int rows = 0;
        for (int k = 0; k < res->n_tests; k++) {
            const report_test *t = &res->tests[k];
            if (!claimed(t))
                continue;
            put_test(f, rows++ ? "" : name, t);
            if (isnan(level))
                level = t->ci_level;
        }
        /* one test: its verdict is the claim's; several: the claim's is said */
        if (rows != 1)
            put_row(f, rows ? "" : name, "the claim", "", "", "", res->verdict);
        if (res->state == RESULT_STALE) {
            fprintf(f, "%-15s STALE: %s\n", "", res->why);
            problems++;
        }
    }
    fputs("\npaper: the paper's mean +- std over its seeds.\n"
          "ours:  the mean over our seeds of the gap paired by seed, g_s = L(A, s) - L(B, s)\n"
          "       (nats/token), with its ", f);
    if (isnan(level))
        fputs("confidence interval.\n", f);
    else
        fprintf(f, "%g%% confidence interval.\n", 100 * level);
    fputs("p:     the one-sided paired t-test's p toward the claimed sign.\n"
          "PASS: the claimed sign with p below the protocol's alpha; CONTRADICTED: the\n"
          "opposite sign with p below alpha; INCONCLUSIVE: neither.\n", f);
    if (problems)
        fprintf(f, "%d claim%s without a fresh result (see above)\n", problems,
                problems == 1 ? "" : "s");
    return problems;
}
