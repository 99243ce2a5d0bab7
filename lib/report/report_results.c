/* One check's result for the report: results/<claim>.json as `moegap
 * check` wrote it (lib/claims/check_report.c), read with its writer's own
 * reader (claims/check_result_read.h), whether it still describes the runs
 * (the sha256 of each run's summary.json, recorded under "runs_used",
 * recomputed here), and its figures. */
#include "report/report_data.h"
#include "claims/check_result_read.h"
#include "util/error.h"
#include "runs/tier.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One test of the file, over n seeds, as the report's tables hold it;
 * `what` is the report's name of the part ("best", "slope", "final"). */
static void add_test(report_result *res, const check_result_file_gap *g,
                     const check_result_file_test *ft, int n, const char *what)
{
    report_test *t = &res->tests[res->n_tests++];
    memset(t, 0, sizeof *t);
    snprintf(t->gap, sizeof t->gap, "%s", g->name);
    snprintf(t->a, sizeof t->a, "%s", g->a);
    snprintf(t->b, sizeof t->b, "%s", g->b);
    t->what = what;
    t->gate = ft->gate;
    snprintf(t->claim, sizeof t->claim, "%s", protocol_sign_name(ft->claim));
    t->n = n;
    t->mean = ft->mean;
    t->sd = ft->sd;
    t->t = ft->t;
    t->p_greater = ft->p_greater;
    t->p_less = ft->p_less;
    /* "-" for a part reported without a claim, as the file has it */
    snprintf(t->verdict, sizeof t->verdict, "%s", check_verdict_name(ft->verdict));
    /* the file states a seed count for an undecided part only */
    t->seeds_needed = ft->verdict == VERDICT_INCONCLUSIVE ? (long)ft->seeds_needed : -1;
    t->ci_level = ft->ci_level;
    t->ci_lo = ft->ci_lo;
    t->ci_hi = ft->ci_hi;
    t->mde = ft->mde;
}

/* The tests of each gap the protocol names, in the protocol's order and,
 * within a gap, the order the report lists them (best gap, slope, final);
 * the paper's number stands beside the best gap. */
static void take_result(report_result *res, const check_result_file *f)
{
    const protocol *p = &res->proto;
    snprintf(res->verdict, sizeof res->verdict, "%s", check_verdict_name(f->verdict));
    res->exit_status = f->exit_status;
    for (int g = 0; g < p->n_gaps; g++) {
        /* check_result_file_fits held: every gap is there */
        const check_result_file_gap *fg = check_result_file_gap_named(f, p->gaps[g].name);
        add_test(res, fg, &fg->best, f->n_seeds, "best");
        report_test *best = &res->tests[res->n_tests - 1];
        best->has_paper = fg->paper.present;
        if (fg->paper.present) {
            best->paper_mean = fg->paper.mean;
            best->paper_sd = fg->paper.sd;
            best->paper_n = fg->paper.n_seeds;
        }
        if (fg->slope.present)
            add_test(res, fg, &fg->slope, f->n_seeds, "slope");
        if (fg->final.present)
            add_test(res, fg, &fg->final, f->n_seeds, "final");
    }
    res->has_curves = f->eval_steps != NULL;
}

/* Fresh when every run the check used has the summary.json it hashed, and
 * the protocol names no run the check did not use. */
static void check_fresh(const report *r, report_result *res, const check_result_file *f)
{
    char runs_dir[REPORT_PATH_MAX + 8];
    snprintf(runs_dir, sizeof runs_dir, "%s/runs", r->paper_dir);
    res->state = check_result_file_fresh(f, &res->proto, runs_dir, report_rel(r, runs_dir),
                                         res->why, sizeof res->why)
                     ? RESULT_FRESH : RESULT_STALE;
}

static int check_figures(report *r, report_result *res, const struct stat *json_st)
{
    for (int k = 0; k < REPORT_N_FIGURES; k++) {
        if (k < 2 && !res->has_curves)
            continue; /* the check plots no curves when the runs' steps differ */
        snprintf(res->figure[k], sizeof res->figure[k], "%s/results/%s_%s.pdf", r->paper_dir,
                 res->proto.name, report_figure_kinds[k]);
        struct stat st;
        int rc = MG_OK;
        if (stat(res->figure[k], &st) != 0) {
            res->figure_state[k] = FIGURE_MISSING;
            rc = report_issue_add(r, "MISSING figure %s (moegap check without gnuplot, or with "
                                  "--no-figures?)", report_rel(r, res->figure[k]));
        } else if (st.st_mtime < json_st->st_mtime) {
            res->figure_state[k] = FIGURE_OLDER;
            rc = report_issue_add(r, "STALE figure %s: older than %s", report_rel(r, res->figure[k]),
                                  report_rel(r, res->json_path));
        }
        if (rc)
            return rc;
    }
    return MG_OK;
}

int report_result_load(report *r, report_result *res)
{
    const char *name = res->proto.name;
    snprintf(res->json_path, sizeof res->json_path, "%s/results/%s.json", r->paper_dir, name);
    struct stat st;
    if (stat(res->json_path, &st) != 0) {
        res->state = RESULT_MISSING;
        snprintf(res->why, sizeof res->why, "%s does not exist (moegap check has not written it)",
                 report_rel(r, res->json_path));
        return report_issue_add(r, "MISSING result %s: %s", name, res->why);
    }
    /* the file as the report names every file: relative to the paper dir */
    check_result_file *f = malloc(sizeof *f);
    if (!f)
        return error_set(MG_ENOMEM, "%s: out of memory", res->json_path);
    int rc = check_result_file_read(f, res->json_path, report_rel(r, res->json_path));
    if (rc == MG_ENOMEM) {
        check_result_file_free(f);
        free(f);
        return rc;
    }
    if (!rc)
        rc = check_result_file_fits(f, &res->proto);
    res->n_tests = 0;
    if (rc) {
        check_result_file_free(f);
        free(f);
        res->state = RESULT_UNREADABLE;
        snprintf(res->why, sizeof res->why, "%s", error_message());
        return report_issue_add(r, "UNREADABLE result %s: %s", name, res->why);
    }
    take_result(res, f);
    check_fresh(r, res, f);
    check_result_file_free(f);
    free(f);
    rc = MG_OK;
    if (res->state == RESULT_STALE)
        rc = report_issue_add(r, "STALE result %s: %s", name, res->why);
    return rc ? rc : check_figures(r, res, &st);
}

int report_result_seeds(report *r, report_result *res)
{
    char path[REPORT_PATH_MAX], runs[REPORT_PATH_MAX];
    snprintf(path, sizeof path, "%s/results/%s.json", r->paper_dir, res->proto.name);
    int seeds[PROTOCOL_MAX_SEEDS], n = 0;
    if (check_result_file_seeds(path, NULL, seeds, &n) == MG_OK &&
        protocol_set_seeds(&res->proto, seeds, n) == MG_OK)
        return MG_OK;
    /* no result to say them: the seeds the check would use by default */
    snprintf(runs, sizeof runs, "%s/runs", r->paper_dir);
    tier_info t;
    if (tier_of_runs_read(&t, r->protocols_dir, runs, &res->proto) == MG_OK)
        return protocol_set_seeds(&res->proto, t.seeds, t.n_seeds);
    return report_issue_add(r, "UNKNOWN seeds of %s: no result holds them, and %s; its runs are "
                            "not listed", res->proto.name, error_message());
}
