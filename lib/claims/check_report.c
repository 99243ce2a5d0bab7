/* The check's report, as text (printed and written as <protocol>.txt) and
 * as JSON (<protocol>.json): the same numbers in both. */
#include "claims/check.h"
#include "claims/check_plot.h"
#include "claims/check_report.h"
#include "runs/runname.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"

#include "util/jsonio.h"
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* t is infinite when every seed agrees exactly. */
static void print_t(FILE *f, const stats_ttest *t)
{
    if (isfinite(t->t))
        fprintf(f, "t = %.3f (df %d)", t->t, t->df);
    else
        fprintf(f, "t = %sinf (df %d, no spread)", t->t > 0 ? "+" : "-", t->df);
    fprintf(f, "   p(> 0) = %.3g   p(< 0) = %.3g", t->p_greater, t->p_less);
}

static void print_verdict(FILE *f, const check_result *r, const check_test *t)
{
    if (t->verdict == VERDICT_NONE) {
        fprintf(f, "none (reported, no claim)\n");
        return;
    }
    fprintf(f, "%s%s", check_verdict_name(t->verdict), t->gate ? "" : " (not gated)");
    if (t->verdict == VERDICT_INCONCLUSIVE) {
        if (t->seeds_needed == 0)
            fprintf(f, "; no number of seeds up to %d would reach p < %g with %g%% power at the "
                    "observed mean and std", STATS_SEEDS_MAX, r->proto.alpha, 100 * r->proto.power);
        else
            fprintf(f, "; the observed mean and std would need %zu seeds to reach p < %g toward "
                    "%s (%s) with %g%% power", t->seeds_needed, r->proto.alpha,
                    protocol_sign_text(t->needed_sign),
                    t->needed_sign == t->claim ? "PASS" : "CONTRADICTED", 100 * r->proto.power);
    }
    fputc('\n', f);
}

static void print_test(FILE *f, const check_result *r, const char *what, const check_test *t,
                       const char *fmt)
{
    if (t->claim == SIGN_NONE)
        fprintf(f, "  %s [report]\n    per seed:", what);
    else
        fprintf(f, "  %s [%s; claim: %s]\n    per seed:", what, t->gate ? "gate" : "not gated",
                protocol_sign_text(t->claim));
    for (size_t s = 0; s < t->t.n; s++) {
        fprintf(f, "  s%d ", r->proto.seeds[s]);
        fprintf(f, fmt, t->value[s]);
    }
    fprintf(f, "\n    ours:  ");
    fprintf(f, fmt, t->t.mean);
    fprintf(f, " +- ");
    /* a spread has no sign: the same format without '+' */
    char sd_fmt[16];
    size_t k = 0;
    for (const char *c = fmt; *c && k + 1 < sizeof sd_fmt; c++)
        if (*c != '+')
            sd_fmt[k++] = *c;
    sd_fmt[k] = '\0';
    fprintf(f, sd_fmt, t->t.sd);
    fprintf(f, "   ");
    print_t(f, &t->t);
    fprintf(f, "\n    %g%% CI: [", 100 * CHECK_CI_LEVEL);
    fprintf(f, fmt, t->ci_lo);
    fprintf(f, ", ");
    fprintf(f, fmt, t->ci_hi);
    fprintf(f, "]");
    if (t->claim != SIGN_NONE && isfinite(t->mde)) {
        fprintf(f, "   MDE (%g%% power): ", 100 * r->proto.power);
        fprintf(f, sd_fmt, t->mde);
    }
    fprintf(f, "\n    verdict: ");
    print_verdict(f, r, t);
    if (t->verdict == VERDICT_INCONCLUSIVE) {
        /* what an undecided test still establishes */
        fprintf(f, "    it establishes: the mean lies in [");
        fprintf(f, fmt, t->ci_lo);
        fprintf(f, ", ");
        fprintf(f, fmt, t->ci_hi);
        fprintf(f, "] with %g%% confidence\n", 100 * CHECK_CI_LEVEL);
    }
}

static void print_paper(FILE *f, const reference_paper_row *p)
{
    if (p)
        fprintf(f, "%.4f +- %.4f (n %d)", p->mean, p->sd, p->n_seeds);
    else
        fprintf(f, "-");
}

static void print_models(FILE *f, const check_result *r)
{
    const protocol *p = &r->proto;
    fprintf(f, "\nmodels: best validation loss (nats/token) over %d seeds; parameters from "
            "summary.json\n", p->n_seeds);
    fprintf(f, "  %-14s %10s %10s %3s   %-20s %s\n", "model", "active", "total", "n",
            "ours (mean +- std)", "paper (mean +- std)");
    for (int m = 0; m < p->n_models; m++) {
        const check_model *cm = &r->models[m];
        fprintf(f, "  %-14s %10lld %10lld %3d   %.4f +- %.4f      ", p->models[m],
                cm->params_active, cm->params_total, p->n_seeds, cm->best_mean, cm->best_sd);
        print_paper(f, cm->paper);
        fputc('\n', f);
    }
}

static void print_trajectory_table(FILE *f, const check_result *r)
{
    const protocol *p = &r->proto;
    fprintf(f, "\nvalidation loss at every evaluation, mean +- std over seeds\n  %6s", "step");
    for (int m = 0; m < p->n_models; m++)
        fprintf(f, "  %-17s", p->models[m]);
    for (int g = 0; g < p->n_gaps; g++)
        fprintf(f, "  gap %-13s", p->gaps[g].name);
    fputc('\n', f);
    for (size_t i = 0; i < r->n_steps; i++) {
        fprintf(f, "  %6ld", r->steps[i]);
        for (int m = 0; m < p->n_models; m++)
            fprintf(f, "  %.4f +- %.4f  ", r->models[m].curve_mean[i], r->models[m].curve_sd[i]);
        for (int g = 0; g < p->n_gaps; g++)
            fprintf(f, "  %+.4f +- %.4f ", r->gaps[g].traj_mean[i], r->gaps[g].traj_sd[i]);
        fprintf(f, "%s\n", r->steps[i] <= r->warmup_steps ? "  (warm-up)" : "");
    }
    fprintf(f, "  warm-up: %ld of %ld steps; each seed's slope is fit over the %zu evaluations "
            "after it\n", r->warmup_steps, r->total_steps, r->n_fit);
}

static void print_gap(FILE *f, const check_result *r, int g)
{
    const protocol *p = &r->proto;
    const protocol_gap *pg = &p->gaps[g];
    const check_gap *cg = &r->gaps[g];
    fprintf(f, "\ngap %s: g = L(%s) - L(%s), paired by seed\n", pg->name, p->models[pg->a],
            p->models[pg->b]);
    print_test(f, r, "best validation loss gap", &cg->best, "%.4f");
    fprintf(f, "    paper: ");
    print_paper(f, cg->paper);
    if (cg->paper)
        fprintf(f, ", favours %s (%s)", cg->paper->favours, cg->paper->source);
    fputc('\n', f);
    if (p->statistic != STATISTIC_TRAJECTORY)
        return;
    print_test(f, r, "slope of g on log(step) after warm-up", &cg->slope, "%+.5f");
    fprintf(f, "  g at step %ld (nearest %g%% of training) [report]: %+.4f +- %.4f\n",
            r->early_step, 100 * p->early_share, cg->early_mean, cg->early_sd);
    char what[64];
    snprintf(what, sizeof what, "g at the end (step %ld)", r->steps[r->n_steps - 1]);
    print_test(f, r, what, &cg->final, "%+.4f");
}

void check_report_text(const check_result *r, FILE *f)
{
    const protocol *p = &r->proto;
    fprintf(f, "moegap check: %s (%s)\nclaim: %s\nruns: %s, seeds", p->name, p->path, p->text,
            r->runs_dir);
    for (int s = 0; s < p->n_seeds; s++)
        fprintf(f, "%s%d", s ? ", " : " ", p->seeds[s]);
    fprintf(f, "\nrule: %s; gaps paired by seed; one-sided t-tests at alpha %g; "
            "PASS = claim's sign significant, CONTRADICTED = opposite sign significant, "
            "else INCONCLUSIVE\n", p->statistic == STATISTIC_TRAJECTORY
                                       ? "slopes of each gap on log(step) over the evaluations "
                                         "after warm-up, and the final gap's mean"
                                       : "best validation loss", p->alpha);
    print_models(f, r);
    if (p->statistic == STATISTIC_TRAJECTORY)
        print_trajectory_table(f, r);
    for (int g = 0; g < p->n_gaps; g++)
        print_gap(f, r, g);
    fprintf(f, "\nverdict: %s\n", check_verdict_name(r->verdict));
}

/* ---- JSON ---------------------------------------------------------------- */

/* JSON has no infinity or NaN: those become null. */
static json_t *jnum(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *jpaper(const reference_paper_row *p)
{
    if (!p)
        return json_null();
    return json_pack("{s:s, s:o, s:o, s:i, s:s, s:s}", "name", p->name, "mean", jnum(p->mean),
                     "std", jnum(p->sd), "n_seeds", p->n_seeds, "favours", p->favours, "source",
                     p->source);
}

static json_t *jtest(const check_result *r, const check_test *t)
{
    json_t *vals = json_array();
    for (size_t s = 0; s < t->t.n; s++)
        json_array_append_new(vals, jnum(t->value[s]));
    json_t *j = json_pack("{s:o, s:s, s:b, s:o, s:o, s:i, s:o, s:o, s:o, s:s}", "per_seed",
                          vals, "claim", protocol_sign_name(t->claim), "gate", t->gate,
                          "mean", jnum(t->t.mean), "std",
                          jnum(t->t.sd), "df", t->t.df, "t", jnum(t->t.t), "p_greater",
                          jnum(t->t.p_greater), "p_less", jnum(t->t.p_less), "verdict",
                          check_verdict_name(t->verdict));
    if (j) {
        json_object_set_new(j, "ci_level", json_real(CHECK_CI_LEVEL));
        json_object_set_new(j, "ci", json_pack("[o, o]", jnum(t->ci_lo), jnum(t->ci_hi)));
        json_object_set_new(j, "mde", jnum(t->mde));
    }
    if (j && t->verdict == VERDICT_INCONCLUSIVE) {
        json_object_set_new(j, "seeds_needed",
                            t->seeds_needed ? json_integer((json_int_t)t->seeds_needed) : json_null());
        json_object_set_new(j, "seeds_needed_toward", json_string(protocol_sign_name(t->needed_sign)));
        json_object_set_new(j, "power", json_real(r->proto.power));
    }
    return j;
}

static json_t *jseries(const double *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, jnum(x[i]));
    return a;
}

/* Every run folder the numbers came from, with the hash of its
 * summary.json as read: `moegap report` recomputes the hashes to tell a
 * result that still describes its runs from a stale one. */
static json_t *jruns_used(const check_result *r)
{
    const protocol *p = &r->proto;
    json_t *a = json_array();
    for (int m = 0; m < p->n_models; m++)
        for (int s = 0; s < p->n_seeds; s++) {
            char dir[FS_PATH_BUF];
            if (runname_dir(dir, sizeof dir, r->runs_dir, p->models[m], p->seeds[s]) != MG_OK) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:s}", "model", p->models[m],
                                               "seed", p->seeds[s], "run", dir, "summary_sha256",
                                               r->models[m].summary_sha256[s]));
        }
    return a;
}

json_t *check_report_json(const check_result *r)
{
    const protocol *p = &r->proto;
    json_t *root = json_object();
    json_object_set_new(root, "protocol", json_string(p->name));
    json_object_set_new(root, "protocol_file", json_string(p->path));
    json_object_set_new(root, "claim", json_string(p->text));
    json_object_set_new(root, "runs", json_string(r->runs_dir));
    json_object_set_new(root, "statistic", json_string(protocol_statistic_name(p->statistic)));
    json_object_set_new(root, "test", json_string("paired_t_one_sided"));
    json_object_set_new(root, "alpha", json_real(p->alpha));
    json_object_set_new(root, "power", json_real(p->power));
    json_t *seeds = json_array();
    for (int s = 0; s < p->n_seeds; s++)
        json_array_append_new(seeds, json_integer(p->seeds[s]));
    json_object_set_new(root, "seeds", seeds);
    json_object_set_new(root, "runs_used", jruns_used(r));
    json_t *models = json_object();
    for (int m = 0; m < p->n_models; m++) {
        const check_model *cm = &r->models[m];
        json_t *j = json_pack("{s:I, s:I, s:i, s:o, s:o, s:o, s:o}", "params_active",
                              (json_int_t)cm->params_active, "params_total",
                              (json_int_t)cm->params_total, "n", p->n_seeds, "best_val_loss",
                              jseries(cm->best, (size_t)p->n_seeds), "mean", jnum(cm->best_mean),
                              "std", jnum(cm->best_sd), "paper", jpaper(cm->paper));
        if (j && cm->curve_mean) {
            json_object_set_new(j, "curve_mean", jseries(cm->curve_mean, r->n_steps));
            json_object_set_new(j, "curve_std", jseries(cm->curve_sd, r->n_steps));
        }
        json_object_set_new(models, p->models[m], j);
    }
    json_object_set_new(root, "models", models);
    if (r->n_steps) {
        json_t *st = json_array();
        for (size_t i = 0; i < r->n_steps; i++)
            json_array_append_new(st, json_integer(r->steps[i]));
        json_object_set_new(root, "eval_steps", st);
    }
    json_t *gaps = json_object();
    for (int g = 0; g < p->n_gaps; g++) {
        const protocol_gap *pg = &p->gaps[g];
        const check_gap *cg = &r->gaps[g];
        json_t *j = json_pack("{s:s, s:s, s:b, s:o, s:o}", "a", p->models[pg->a], "b",
                              p->models[pg->b], "gate", pg->gate, "best_val_loss_gap",
                              jtest(r, &cg->best), "paper", jpaper(cg->paper));
        if (j && cg->traj_mean) {
            json_object_set_new(j, "trajectory_mean", jseries(cg->traj_mean, r->n_steps));
            json_object_set_new(j, "trajectory_std", jseries(cg->traj_sd, r->n_steps));
        }
        if (j && p->statistic == STATISTIC_TRAJECTORY) {
            json_object_set_new(j, "slope_log_step", jtest(r, &cg->slope));
            json_object_set_new(j, "final", jtest(r, &cg->final));
            json_object_set_new(j, "early", json_pack("{s:I, s:o, s:o}", "step",
                                                      (json_int_t)r->early_step, "mean",
                                                      jnum(cg->early_mean), "std",
                                                      jnum(cg->early_sd)));
        }
        json_object_set_new(gaps, pg->name, j);
    }
    json_object_set_new(root, "gaps", gaps);
    if (p->statistic == STATISTIC_TRAJECTORY) {
        json_object_set_new(root, "steps", json_integer(r->total_steps));
        json_object_set_new(root, "warmup_steps", json_integer(r->warmup_steps));
        json_object_set_new(root, "fit_points", json_integer((json_int_t)r->n_fit));
    }
    json_object_set_new(root, "verdict", json_string(check_verdict_name(r->verdict)));
    json_object_set_new(root, "exit_status", json_integer(check_exit_status(r->verdict)));
    return root;
}

/* The text and the JSON into the set, each closed at once so a failure
 * names the first file that does not fit. */
static int stage_report(const check_result *r, const char *out_dir, fileio_atomic_set *set)
{
    char path[FS_PATH_BUF];
    int rc = fs_pathf(path, sizeof path, "%s/%s.txt", out_dir, r->proto.name);
    if (rc)
        return rc;
    fileio_atomic_file *af = fileio_atomic_set_open(set, path);
    if (!af)
        return MG_EIO;
    check_report_text(r, af->f);
    rc = fileio_atomic_close(af);
    if (!rc)
        rc = fs_pathf(path, sizeof path, "%s/%s.json", out_dir, r->proto.name);
    if (!rc && !(af = fileio_atomic_set_open(set, path)))
        rc = MG_EIO;
    if (!rc)
        rc = jsonio_dump(af, check_report_json(r));
    return rc ? rc : fileio_atomic_close(af);
}

int check_write(const check_result *r, const char *out_dir, int figures, char *note,
                size_t note_size)
{
    note[0] = '\0';
    int rc = fs_mkdirs(out_dir);
    if (rc)
        return rc;
    fileio_atomic_set *set = calloc(1, sizeof *set);
    if (!set)
        return error_set(MG_ENOMEM, "%s: out of memory", out_dir);
    rc = stage_report(r, out_dir, set);
    if (!rc && figures)
        rc = check_plot(r, out_dir, set, note, note_size);
    if (rc)
        fileio_atomic_set_abort(set);
    else
        rc = fileio_atomic_set_commit(set);
    free(set);
    return rc;
}
