/* One check's result for the report: results/<claim>.json as `moegap
 * check` wrote it (lib/claims/check_report.c), whether it still describes the
 * runs (the sha256 of each run's summary.json, recorded under "runs_used",
 * recomputed here), and its figures. */
#include "report/report_data.h"
#include "baseline/baseline.h"
#include "util/error.h"
#include "runs/runrecord.h"
#include "runs/tier.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

/* A JSON number, or NaN for null (JSON has no infinity: check writes one
 * as null). */
static int jnum(json_t *obj, const char *key, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_null(v)) {
        *out = NAN;
        return 1;
    }
    *out = json_number_value(v);
    return json_is_number(v);
}

static int jstring(json_t *obj, const char *key, char *dst, size_t n)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || strlen(json_string_value(v)) >= n)
        return 0;
    memcpy(dst, json_string_value(v), strlen(json_string_value(v)) + 1);
    return 1;
}

/* An array of two numbers. */
static int jpair(json_t *obj, const char *key, double *a, double *b)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
        !json_is_number(json_array_get(v, 1)))
        return 0;
    *a = json_number_value(json_array_get(v, 0));
    *b = json_number_value(json_array_get(v, 1));
    return 1;
}

/* Reads one test object ("best_val_loss_gap", "slope_log_step", "final");
 * 0 with the field in *bad when it is not as check writes it. */
static int read_test(json_t *j, report_test *t, const char **bad)
{
    json_t *per_seed = json_object_get(j, "per_seed");
    json_t *gate = json_object_get(j, "gate");
    json_t *needed = json_object_get(j, "seeds_needed");
    *bad = !json_is_array(per_seed)                      ? "per_seed"
           : !json_is_boolean(gate)                      ? "gate"
           : !jstring(j, "claim", t->claim, sizeof t->claim) ? "claim"
           : !jnum(j, "mean", &t->mean)                  ? "mean"
           : !jnum(j, "std", &t->sd)                     ? "std"
           : !jnum(j, "t", &t->t)                        ? "t"
           : !jnum(j, "p_greater", &t->p_greater)        ? "p_greater"
           : !jnum(j, "p_less", &t->p_less)              ? "p_less"
           : !jnum(j, "ci_level", &t->ci_level)          ? "ci_level"
           : !jpair(j, "ci", &t->ci_lo, &t->ci_hi)       ? "ci"
           : !jnum(j, "mde", &t->mde)                    ? "mde"
           : !jstring(j, "verdict", t->verdict, sizeof t->verdict) ? "verdict"
           /* "-": a part reported without a claim */
           : strcmp(t->verdict, "-") != 0 && !baseline_verdict_known(t->verdict) ? "verdict"
                                                         : NULL;
    if (*bad)
        return 0;
    t->n = (int)json_array_size(per_seed);
    t->gate = json_is_true(gate);
    t->seeds_needed = json_is_integer(needed) ? (long)json_integer_value(needed)
                      : json_is_null(needed)  ? 0 : -1;
    return 1;
}

/* The tests of one gap, in the order the report lists them. */
static int read_gap(report_result *res, const char *name, json_t *g, char *why, size_t n)
{
    static const char *const parts[][2] = {
        {"best_val_loss_gap", "best"}, {"slope_log_step", "slope"}, {"final", "final"}};
    char a[PROTOCOL_NAME_MAX], b[PROTOCOL_NAME_MAX];
    if (!jstring(g, "a", a, sizeof a) || !jstring(g, "b", b, sizeof b)) {
        snprintf(why, n, "gaps.%s: a, b: missing", name);
        return 0;
    }
    for (int k = 0; k < 3; k++) {
        json_t *j = json_object_get(g, parts[k][0]);
        if (!j && k > 0)
            continue;
        report_test *t = &res->tests[res->n_tests];
        const char *bad = "the object";
        if (res->n_tests == REPORT_MAX_TESTS || !j || !read_test(j, t, &bad)) {
            snprintf(why, n, "gaps.%s.%s: %s: missing or malformed", name, parts[k][0], bad);
            return 0;
        }
        snprintf(t->gap, sizeof t->gap, "%s", name);
        snprintf(t->a, sizeof t->a, "%s", a);
        snprintf(t->b, sizeof t->b, "%s", b);
        t->what = parts[k][1];
        json_t *paper = json_object_get(g, "paper");
        if (k == 0 && json_is_object(paper)) {
            json_t *pn = json_object_get(paper, "n_seeds");
            /* an integer seed count, never a number cast blindly */
            t->has_paper = jnum(paper, "mean", &t->paper_mean) &&
                           jnum(paper, "std", &t->paper_sd) && json_is_integer(pn) &&
                           json_integer_value(pn) >= 1 && json_integer_value(pn) <= 1000000;
            t->paper_n = t->has_paper ? (int)json_integer_value(pn) : 0;
        }
        res->n_tests++;
    }
    return 1;
}

/* Every field the report shows; 0 with why[] naming the first one amiss. */
static int read_result(report_result *res, json_t *root, char *why, size_t n)
{
    const protocol *p = &res->proto;
    char name[PROTOCOL_NAME_MAX];
    if (!jstring(root, "protocol", name, sizeof name) || strcmp(name, p->name) != 0) {
        snprintf(why, n, "protocol: not '%s'", p->name);
        return 0;
    }
    json_t *exit_status = json_object_get(root, "exit_status");
    if (!jstring(root, "verdict", res->verdict, sizeof res->verdict) ||
        !json_is_integer(exit_status)) {
        snprintf(why, n, "verdict, exit_status: missing");
        return 0;
    }
    if (!baseline_verdict_known(res->verdict)) {
        snprintf(why, n, "verdict: '%s': expected PASS, CONTRADICTED or INCONCLUSIVE",
                 res->verdict);
        return 0;
    }
    res->exit_status = (int)json_integer_value(exit_status);
    json_t *gaps = json_object_get(root, "gaps");
    for (int g = 0; g < p->n_gaps; g++) {
        json_t *j = json_object_get(gaps, p->gaps[g].name);
        if (!json_is_object(j)) {
            snprintf(why, n, "gaps.%s: missing (the protocol names this gap)", p->gaps[g].name);
            return 0;
        }
        if (!read_gap(res, p->gaps[g].name, j, why, n))
            return 0;
    }
    res->has_curves = json_is_array(json_object_get(root, "eval_steps"));
    return 1;
}

/* Fresh when every run the check used has the summary.json it hashed, and
 * the protocol names no run the check did not use. */
static void check_fresh(const report *r, report_result *res, json_t *root)
{
    char runs_dir[REPORT_PATH_MAX + 8];
    snprintf(runs_dir, sizeof runs_dir, "%s/runs", r->paper_dir);
    res->state = run_record_result_fresh(root, &res->proto, runs_dir, report_rel(r, runs_dir),
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
    json_error_t jerr;
    json_t *root = json_load_file(res->json_path, JSON_REJECT_DUPLICATES, &jerr);
    char why[600] = "";
    if (!root)
        snprintf(why, sizeof why, "line %d: %s", jerr.line, jerr.text);
    else
        read_result(res, root, why, sizeof why);
    if (why[0]) {
        json_decref(root);
        res->state = RESULT_UNREADABLE;
        res->n_tests = 0;
        snprintf(res->why, sizeof res->why, "%s: %s", report_rel(r, res->json_path), why);
        return report_issue_add(r, "UNREADABLE result %s: %s", name, res->why);
    }
    check_fresh(r, res, root);
    json_decref(root);
    int rc = MG_OK;
    if (res->state == RESULT_STALE)
        rc = report_issue_add(r, "STALE result %s: %s", name, res->why);
    return rc ? rc : check_figures(r, res, &st);
}

int report_result_seeds(report *r, report_result *res)
{
    char path[REPORT_PATH_MAX], runs[REPORT_PATH_MAX];
    snprintf(path, sizeof path, "%s/results/%s.json", r->paper_dir, res->proto.name);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    int rc = root ? run_record_result_seeds(root, path, &res->proto) : MG_EIO;
    json_decref(root);
    if (!rc)
        return MG_OK;
    /* no result to say them: the seeds the check would use by default */
    snprintf(runs, sizeof runs, "%s/runs", r->paper_dir);
    tier_info t;
    if (tier_of_runs_read(&t, r->protocols_dir, runs, &res->proto) == MG_OK)
        return protocol_set_seeds(&res->proto, t.seeds, t.n_seeds);
    return report_issue_add(r, "UNKNOWN seeds of %s: no result holds them, and %s; its runs are "
                            "not listed", res->proto.name, error_message());
}
