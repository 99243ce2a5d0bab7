/* The result file read back as check writes it: check results built here
 * (a trajectory with curves, an infinite t, a reported test, inconclusive
 * parts with and without a seed count; a best-loss check without curves),
 * written with check_write and read with check_result_file_read, every
 * field compared; then damaged copies refused with the file and the dotted
 * field in the message, a result from before runs_used read and called
 * stale, and a changed summary.json called stale by name. */
#include "claims/check.h"
#include "claims/check_report.h"
#include "claims/check_result_read.h"
#include "util/error.h"
#include "util/sha256.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

enum { N_SEEDS = 3, N_STEPS = 4 };

static const int seeds[N_SEEDS] = {1, 2, 5};
static long steps[N_STEPS] = {10, 20, 30, 40};
static double curve[4][N_STEPS] = {{3.1, 2.9, 2.81234567891234, 2.7},
                                   {0.01, 0.02, 0.015, 0.0125},
                                   {-0.5, 0.25, 1.0 / 3.0, 0.125},
                                   {0.001, 0.002, 0.003, 0.004}};
static const reference_paper_row paper_gap = {"active_gap", "gap", 0.0758, 0.0021, 3, "moe",
                                              "arXiv 2605.13769 (PAPER.md): a gap"};
static const reference_paper_row paper_moe = {"moe4", "model", 1.5788, 0.002, 3, "-",
                                              "arXiv 2605.13769 (PAPER.md): MoE"};

/* What a number becomes in the file: the 12 significant digits the result
 * files keep (jsonio), read back; NAN for what check writes as null. */
static double r12(double x)
{
    if (!isfinite(x))
        return NAN;
    char buf[64];
    snprintf(buf, sizeof buf, "%.12g", x);
    return strtod(buf, NULL);
}

static int same(double got, double wrote)
{
    double want = r12(wrote);
    return isnan(want) ? isnan(got) : got == want;
}

static void fill_test(check_test *t, protocol_sign claim, int gate, check_verdict v, double base)
{
    memset(t, 0, sizeof *t);
    t->claim = claim;
    t->gate = gate;
    for (int s = 0; s < N_SEEDS; s++)
        t->value[s] = base + 0.001 * s + 1e-13 * s; /* beyond 12 digits: rounded */
    t->t.n = N_SEEDS;
    t->t.mean = base + 0.001;
    t->t.sd = 0.001;
    t->t.df = N_SEEDS - 1;
    t->t.t = base * 1000 / 0.57735;
    t->t.p_greater = 0.0123456789012345;
    t->t.p_less = 1 - t->t.p_greater;
    t->verdict = v;
    t->ci_lo = t->t.mean - 0.00248;
    t->ci_hi = t->t.mean + 0.00248;
    t->mde = claim == SIGN_NONE ? NAN : 0.00321;
    if (v == VERDICT_INCONCLUSIVE) {
        t->seeds_needed = 17;
        t->needed_sign = SIGN_NEGATIVE;
    }
}

/* A trajectory check of three models and two gaps, over seeds 1, 2, 5. */
static void make_trajectory(check_result *r, const char *runs_dir)
{
    memset(r, 0, sizeof *r);
    protocol *p = &r->proto;
    snprintf(p->path, sizeof p->path, "protocols/traj.ini");
    snprintf(p->name, sizeof p->name, "traj");
    snprintf(p->text, sizeof p->text, "The gap \"grows\" \\ narrows, in UTF-8: \xc3\xa9.");
    static const char *const models[] = {"dense_active", "moe4", "dense_total"};
    for (int m = 0; m < 3; m++)
        snprintf(p->models[m], sizeof p->models[m], "%s", models[m]);
    p->n_models = 3;
    memcpy(p->seeds, seeds, sizeof seeds);
    p->n_seeds = N_SEEDS;
    p->statistic = STATISTIC_TRAJECTORY;
    p->alpha = 0.05;
    p->power = 0.8;
    p->early_share = 0.1;
    p->n_gaps = 2;
    p->gaps[0] = (protocol_gap){.name = "active", .a = 0, .b = 1, .gate = 1,
                                .slope = SIGN_POSITIVE, .final = SIGN_NONE};
    p->gaps[1] = (protocol_gap){.name = "total", .a = 1, .b = 2, .gate = 0,
                                .slope = SIGN_NEGATIVE, .final = SIGN_POSITIVE};
    snprintf(r->runs_dir, sizeof r->runs_dir, "%s", runs_dir);
    for (int m = 0; m < 3; m++) {
        check_model *cm = &r->models[m];
        for (int s = 0; s < N_SEEDS; s++) {
            cm->best[s] = 2.5 + 0.1 * m + 0.01 * s + 1.23456789e-9;
            snprintf(cm->summary_sha256[s], sizeof cm->summary_sha256[s], "%064x", m * 10 + s);
        }
        cm->best_mean = 2.51 + 0.1 * m;
        cm->best_sd = 0.01;
        cm->params_total = 525888 + m;
        cm->params_active = 329280 - m;
        cm->paper = m == 1 ? &paper_moe : NULL;
        cm->curve_mean = curve[0];
        cm->curve_sd = curve[1];
    }
    for (int g = 0; g < 2; g++) {
        check_gap *cg = &r->gaps[g];
        /* the best gap is reported in a trajectory: no claim */
        fill_test(&cg->best, SIGN_NONE, 0, VERDICT_NONE, 0.05 + g);
        cg->paper = g == 0 ? &paper_gap : NULL;
        cg->traj_mean = curve[2];
        cg->traj_sd = curve[3];
        cg->early_mean = 0.0503333333333 + g;
        cg->early_sd = 0.0011;
    }
    fill_test(&r->gaps[0].slope, SIGN_POSITIVE, 1, VERDICT_INCONCLUSIVE, 0.011);
    r->gaps[0].slope.t.t = INFINITY; /* every seed alike: written as null */
    fill_test(&r->gaps[0].final, SIGN_NONE, 0, VERDICT_NONE, 0.02);
    fill_test(&r->gaps[1].slope, SIGN_NEGATIVE, 0, VERDICT_PASS, -0.0045);
    fill_test(&r->gaps[1].final, SIGN_POSITIVE, 0, VERDICT_INCONCLUSIVE, 0.002);
    r->gaps[1].final.seeds_needed = 0; /* none within reach: null */
    r->n_steps = N_STEPS;
    r->steps = steps;
    r->total_steps = 40;
    r->warmup_steps = 2;
    r->n_fit = 4;
    r->early_step = 10;
    r->verdict = VERDICT_INCONCLUSIVE;
}

static void expect_paper(const check_result_file_paper *got, const reference_paper_row *want,
                         const char *where)
{
    EXPECT(got->present == (want != NULL), "%s: paper present %d", where, got->present);
    if (!want || !got->present)
        return;
    EXPECT(strcmp(got->name, want->name) == 0 && same(got->mean, want->mean) &&
               same(got->sd, want->sd) && got->n_seeds == want->n_seeds &&
               strcmp(got->favours, want->favours) == 0 && strcmp(got->source, want->source) == 0,
           "%s: paper %s %g %g %d %s %s", where, got->name, got->mean, got->sd, got->n_seeds,
           got->favours, got->source);
}

static void expect_test(const check_result_file_test *got, const check_test *want,
                        const char *where)
{
    EXPECT(got->present, "%s: not read", where);
    EXPECT(got->claim == want->claim && got->gate == want->gate && got->verdict == want->verdict,
           "%s: claim %d gate %d verdict %d", where, got->claim, got->gate, got->verdict);
    for (int s = 0; s < N_SEEDS; s++)
        EXPECT(same(got->per_seed[s], want->value[s]), "%s: per_seed[%d] %.17g", where, s,
               got->per_seed[s]);
    EXPECT(same(got->mean, want->t.mean) && same(got->sd, want->t.sd) && got->df == want->t.df &&
               same(got->t, want->t.t) && same(got->p_greater, want->t.p_greater) &&
               same(got->p_less, want->t.p_less),
           "%s: mean %.17g sd %.17g df %d t %.17g p %.17g %.17g", where, got->mean, got->sd,
           got->df, got->t, got->p_greater, got->p_less);
    EXPECT(got->ci_level == CHECK_CI_LEVEL && same(got->ci_lo, want->ci_lo) &&
               same(got->ci_hi, want->ci_hi) && same(got->mde, want->mde),
           "%s: ci %g [%.17g, %.17g] mde %.17g", where, got->ci_level, got->ci_lo, got->ci_hi,
           got->mde);
    if (want->verdict == VERDICT_INCONCLUSIVE)
        EXPECT(got->seeds_needed == want->seeds_needed && got->needed_sign == want->needed_sign &&
                   got->power == 0.8,
               "%s: needed %zu toward %d power %g", where, got->seeds_needed, got->needed_sign,
               got->power);
    else
        EXPECT(got->seeds_needed == 0 && got->needed_sign == SIGN_NONE && isnan(got->power),
               "%s: not inconclusive, yet needed %zu", where, got->seeds_needed);
}

/* Every field of the file against the result it was written from. */
static void expect_same(const check_result_file *f, const check_result *r)
{
    const protocol *p = &r->proto;
    EXPECT(strcmp(f->protocol, p->name) == 0 && strcmp(f->protocol_file, p->path) == 0 &&
               strcmp(f->claim, p->text) == 0 && strcmp(f->runs, r->runs_dir) == 0,
           "names: %s %s %s %s", f->protocol, f->protocol_file, f->claim, f->runs);
    EXPECT(f->statistic == p->statistic && f->alpha == p->alpha && f->power == p->power,
           "statistic %d alpha %g power %g", f->statistic, f->alpha, f->power);
    EXPECT(f->n_seeds == p->n_seeds && memcmp(f->seeds, p->seeds, sizeof seeds) == 0, "seeds");
    EXPECT(f->verdict == r->verdict && f->exit_status == check_exit_status(r->verdict),
           "verdict %d exit %d", f->verdict, f->exit_status);
    EXPECT(f->has_runs_used && f->n_runs_used == (size_t)(p->n_models * p->n_seeds),
           "runs_used %d %zu", f->has_runs_used, f->n_runs_used);
    for (size_t i = 0; i < f->n_runs_used; i++) {
        const check_result_file_run *u = &f->runs_used[i];
        int m = (int)i / p->n_seeds, s = (int)i % p->n_seeds;
        char dir[4400];
        snprintf(dir, sizeof dir, "%s/%s-s%d", r->runs_dir, p->models[m], p->seeds[s]);
        EXPECT(strcmp(u->model, p->models[m]) == 0 && u->seed == p->seeds[s] &&
                   strcmp(u->run, dir) == 0 &&
                   strcmp(u->summary_sha256, r->models[m].summary_sha256[s]) == 0,
               "runs_used[%zu]: %s %d %s %s", i, u->model, u->seed, u->run, u->summary_sha256);
    }
    EXPECT(f->n_models == p->n_models, "models %d", f->n_models);
    for (int m = 0; m < f->n_models && m < p->n_models; m++) {
        const check_result_file_model *fm = &f->models[m];
        const check_model *cm = &r->models[m];
        EXPECT(strcmp(fm->name, p->models[m]) == 0 && fm->params_active == cm->params_active &&
                   fm->params_total == cm->params_total && same(fm->mean, cm->best_mean) &&
                   same(fm->sd, cm->best_sd),
               "model %s: %lld %lld %g %g", fm->name, fm->params_active, fm->params_total,
               fm->mean, fm->sd);
        EXPECT(check_result_file_model_named(f, p->models[m]) == fm, "model by name");
        for (int s = 0; s < N_SEEDS; s++)
            EXPECT(same(fm->best[s], cm->best[s]), "model %s best[%d] %.17g", fm->name, s,
                   fm->best[s]);
        expect_paper(&fm->paper, cm->paper, fm->name);
        EXPECT((fm->curve_mean != NULL) == (r->n_steps > 0) &&
                   (fm->curve_sd != NULL) == (r->n_steps > 0), "model %s curves", fm->name);
        for (size_t i = 0; fm->curve_mean && fm->curve_sd && i < r->n_steps; i++)
            EXPECT(same(fm->curve_mean[i], cm->curve_mean[i]) &&
                       same(fm->curve_sd[i], cm->curve_sd[i]), "model %s curve[%zu]", fm->name, i);
    }
    EXPECT(f->n_eval_steps == r->n_steps && (f->eval_steps != NULL) == (r->n_steps > 0),
           "eval_steps %zu", f->n_eval_steps);
    for (size_t i = 0; f->eval_steps && i < f->n_eval_steps && i < r->n_steps; i++)
        EXPECT(f->eval_steps[i] == r->steps[i], "eval_steps[%zu] %lld", i, f->eval_steps[i]);
    EXPECT(f->n_gaps == p->n_gaps, "gaps %d", f->n_gaps);
    int traj = p->statistic == STATISTIC_TRAJECTORY;
    for (int g = 0; g < f->n_gaps && g < p->n_gaps; g++) {
        const check_result_file_gap *fg = &f->gaps[g];
        const check_gap *cg = &r->gaps[g];
        const protocol_gap *pg = &p->gaps[g];
        char where[128];
        EXPECT(strcmp(fg->name, pg->name) == 0 && strcmp(fg->a, p->models[pg->a]) == 0 &&
                   strcmp(fg->b, p->models[pg->b]) == 0 && fg->gate == pg->gate,
               "gap %s: %s - %s gate %d", fg->name, fg->a, fg->b, fg->gate);
        EXPECT(check_result_file_gap_named(f, pg->name) == fg, "gap by name");
        snprintf(where, sizeof where, "gaps.%s.best_val_loss_gap", fg->name);
        expect_test(&fg->best, &cg->best, where);
        expect_paper(&fg->paper, cg->paper, fg->name);
        EXPECT((fg->traj_mean != NULL) == (r->n_steps > 0), "gap %s trajectory", fg->name);
        for (size_t i = 0; fg->traj_mean && fg->traj_sd && i < r->n_steps; i++)
            EXPECT(same(fg->traj_mean[i], cg->traj_mean[i]) &&
                       same(fg->traj_sd[i], cg->traj_sd[i]), "gap %s trajectory[%zu]", fg->name, i);
        EXPECT(fg->slope.present == traj && fg->final.present == traj, "gap %s parts %d %d",
               fg->name, fg->slope.present, fg->final.present);
        if (!traj)
            continue;
        snprintf(where, sizeof where, "gaps.%s.slope_log_step", fg->name);
        expect_test(&fg->slope, &cg->slope, where);
        snprintf(where, sizeof where, "gaps.%s.final", fg->name);
        expect_test(&fg->final, &cg->final, where);
        EXPECT(fg->early_step == r->early_step && same(fg->early_mean, cg->early_mean) &&
                   same(fg->early_sd, cg->early_sd),
               "gap %s early %lld %.17g %.17g", fg->name, fg->early_step, fg->early_mean,
               fg->early_sd);
    }
    if (traj)
        EXPECT(f->total_steps == r->total_steps && f->warmup_steps == r->warmup_steps &&
                   f->fit_points == (long long)r->n_fit,
               "steps %lld warm-up %lld fit %lld", f->total_steps, f->warmup_steps,
               f->fit_points);
}

static char results[1024], runs[1100], json_path[1300];

/* A copy of json_path changed by `edit`, read back: refused with every
 * fragment in the message. */
static void expect_refused(const char *what, void (*edit)(json_t *), const char *frag1,
                           const char *frag2)
{
    json_error_t jerr;
    json_t *root = json_load_file(json_path, 0, &jerr);
    EXPECT(root != NULL, "%s: %s", json_path, jerr.text);
    if (!root)
        return;
    edit(root);
    char path[1400];
    snprintf(path, sizeof path, "%s/broken.json", results);
    EXPECT(json_dump_file(root, path, JSON_INDENT(1)) == 0, "%s: cannot write", path);
    json_decref(root);
    check_result_file f;
    int rc = check_result_file_read(&f, path, "results/broken.json");
    const char *msg = error_message();
    EXPECT(rc == MG_EFORMAT, "%s: read as %d: %s", what, rc, msg);
    EXPECT(strncmp(msg, "results/broken.json: ", 21) == 0, "%s: not named as shown: %s", what,
           msg);
    EXPECT(strstr(msg, frag1), "%s: message lacks '%s': %s", what, frag1, msg);
    if (frag2)
        EXPECT(strstr(msg, frag2), "%s: message lacks '%s': %s", what, frag2, msg);
    check_result_file_free(&f);
}

static json_t *at(json_t *root, const char *a, const char *b, const char *c)
{
    json_t *j = json_object_get(root, a);
    if (b)
        j = json_object_get(j, b);
    if (c)
        j = json_object_get(j, c);
    return j;
}

static void bad_verdict(json_t *r) { json_object_set_new(r, "verdict", json_string("MAYBE")); }
static void mean_string(json_t *r)
{
    json_object_set_new(at(r, "gaps", "active", "best_val_loss_gap"), "mean", json_string("0.1"));
}
static void no_best(json_t *r) { json_object_del(at(r, "models", "moe4", NULL), "best_val_loss"); }
static void short_best(json_t *r)
{
    json_array_remove(json_object_get(at(r, "models", "moe4", NULL), "best_val_loss"), 0);
}
static void part_verdict(json_t *r)
{
    json_object_set_new(at(r, "gaps", "total", "slope_log_step"), "verdict", json_string("SURE"));
}
static void none_with_claim(json_t *r)
{
    json_object_set_new(at(r, "gaps", "total", "slope_log_step"), "verdict", json_string("-"));
}
static void no_early_step(json_t *r) { json_object_del(at(r, "gaps", "total", "early"), "step"); }
static void bad_sha(json_t *r)
{
    json_object_set_new(json_array_get(json_object_get(r, "runs_used"), 1), "summary_sha256",
                        json_string("xyz"));
}
static void bad_exit(json_t *r) { json_object_set_new(r, "exit_status", json_integer(0)); }
static void twice_seed(json_t *r)
{
    json_array_set_new(json_object_get(r, "seeds"), 1, json_integer(1));
}
static void bad_claim(json_t *r)
{
    json_object_set_new(at(r, "gaps", "active", "slope_log_step"), "claim", json_string("up"));
}
static void float_needed(json_t *r)
{
    json_object_set_new(at(r, "gaps", "active", "slope_log_step"), "seeds_needed",
                        json_real(17.5));
}
static void gap_of_nothing(json_t *r)
{
    json_object_set_new(at(r, "gaps", "total", NULL), "b", json_string("moe9"));
}
static void short_curve(json_t *r)
{
    json_array_remove(json_object_get(at(r, "models", "dense_total", NULL), "curve_std"), 3);
}
static void no_trajectory_part(json_t *r) { json_object_del(at(r, "gaps", "active", NULL), "final"); }
static void no_paper(json_t *r) { json_object_del(at(r, "gaps", "active", NULL), "paper"); }
static void paper_no_source(json_t *r)
{
    json_object_del(at(r, "gaps", "active", "paper"), "source");
}
static void bad_statistic(json_t *r) { json_object_set_new(r, "statistic", json_string("vibes")); }

static void test_trajectory(void)
{
    check_result r;
    make_trajectory(&r, runs);
    char note[256];
    int rc = check_write(&r, results, 0, note, sizeof note);
    EXPECT(rc == MG_OK, "check_write: %s", error_message());
    snprintf(json_path, sizeof json_path, "%s/traj.json", results);
    check_result_file f;
    rc = check_result_file_read(&f, json_path, NULL);
    EXPECT(rc == MG_OK, "read: %s", error_message());
    if (!rc)
        expect_same(&f, &r);
    EXPECT(check_result_file_fits(&f, &r.proto) == MG_OK, "fits: %s", error_message());
    protocol other = r.proto;
    snprintf(other.name, sizeof other.name, "other");
    EXPECT(check_result_file_fits(&f, &other) == MG_EFORMAT &&
               strstr(error_message(), "traj.json: protocol: 'traj', expected 'other'"),
           "another protocol: %s", error_message());
    other = r.proto;
    snprintf(other.gaps[1].name, sizeof other.gaps[1].name, "total2");
    EXPECT(check_result_file_fits(&f, &other) == MG_EFORMAT &&
               strstr(error_message(), "traj.json: gaps.total2: missing (the protocol names"),
           "a gap the result lacks: %s", error_message());
    other = r.proto;
    other.gaps[1].b = 0;
    EXPECT(check_result_file_fits(&f, &other) == MG_EFORMAT &&
               strstr(error_message(), "gaps.total: moe4 - dense_total, but the protocol's gap "
                      "is moe4 - dense_active"),
           "a gap of other models: %s", error_message());
    check_result_file_free(&f);

    expect_refused("verdict", bad_verdict,
                   "results/broken.json: verdict: 'MAYBE': expected PASS, CONTRADICTED or "
                   "INCONCLUSIVE", NULL);
    expect_refused("a string mean", mean_string,
                   "results/broken.json: gaps.active.best_val_loss_gap.mean: missing or not a "
                   "finite number", NULL);
    expect_refused("no best losses", no_best, "results/broken.json: models.moe4.best_val_loss: "
                   "expected an array of 3 finite numbers", NULL);
    expect_refused("a seed short", short_best, "models.moe4.best_val_loss: expected an array "
                   "of 3", NULL);
    expect_refused("a part's verdict", part_verdict, "gaps.total.slope_log_step.verdict: "
                   "'SURE': expected PASS, CONTRADICTED or INCONCLUSIVE", NULL);
    expect_refused("no verdict for a claim", none_with_claim,
                   "gaps.total.slope_log_step.verdict: '-' with claim negative", NULL);
    expect_refused("no early step", no_early_step, "gaps.total.early.step: missing", NULL);
    expect_refused("a bad hash", bad_sha, "runs_used.1.summary_sha256: expected", NULL);
    expect_refused("exit status", bad_exit, "exit_status: 0, but verdict INCONCLUSIVE exits 77",
                   NULL);
    expect_refused("a seed twice", twice_seed, "results/broken.json: seeds: ", NULL);
    expect_refused("a claim", bad_claim, "gaps.active.slope_log_step.claim: 'up': expected "
                   "positive, negative or none", NULL);
    expect_refused("a fraction of a seed", float_needed,
                   "gaps.active.slope_log_step.seeds_needed: missing or not an integer", NULL);
    expect_refused("a gap of no model", gap_of_nothing,
                   "gaps.total.b: 'moe9' is none of the file's models", NULL);
    expect_refused("a curve short", short_curve, "models.dense_total.curve_std: expected an "
                   "array of 4 finite numbers (one per evaluation step)", NULL);
    expect_refused("a trajectory part", no_trajectory_part, "gaps.active.final: missing or not "
                   "an object", NULL);
    expect_refused("the paper's row", no_paper, "gaps.active.paper: missing or not an object", NULL);
    expect_refused("the paper's source", paper_no_source, "gaps.active.paper.source: missing",
                   NULL);
    expect_refused("the statistic", bad_statistic, "statistic: 'vibes': expected best_val_loss "
                   "or val_loss_trajectory", NULL);

    /* the seeds alone, whatever else is broken: the report's first read */
    int got[PROTOCOL_MAX_SEEDS], n = 0;
    char path[1400];
    snprintf(path, sizeof path, "%s/broken.json", results);
    EXPECT(check_result_file_seeds(path, NULL, got, &n) == MG_OK && n == N_SEEDS &&
               got[2] == 5, "seeds of a result with a bad statistic: %d %s", n, error_message());
    test_write_file(results, "broken.json", "{\"seeds\": [1, 2],\n \"x\": }\n");
    EXPECT(check_result_file_seeds(path, "results/broken.json", got, &n) == MG_EFORMAT &&
               strncmp(error_message(), "results/broken.json:2:", 22) == 0,
           "not JSON: %s", error_message());
    EXPECT(check_result_file_read(&f, path, "results/broken.json") == MG_EFORMAT &&
               strncmp(error_message(), "results/broken.json:2:", 22) == 0,
           "not JSON: %s", error_message());
    check_result_file_free(&f);
    snprintf(path, sizeof path, "%s/absent.json", results);
    EXPECT(check_result_file_read(&f, path, "results/absent.json") == MG_EIO &&
               strstr(error_message(), "results/absent.json: cannot open"), "absent: %s",
           error_message());
    check_result_file_free(&f);
}

/* Which runs a result describes: fresh while every summary.json hashes as
 * recorded; stale, by name, when one changed, one is not listed, or the
 * result lists none. */
static void test_fresh(void)
{
    check_result r;
    make_trajectory(&r, runs);
    protocol *p = &r.proto;
    char dir[1300], path[1400];
    mkdir(runs, 0777);
    for (int m = 0; m < p->n_models; m++)
        for (int s = 0; s < p->n_seeds; s++) {
            snprintf(dir, sizeof dir, "%s/%s-s%d", runs, p->models[m], p->seeds[s]);
            mkdir(dir, 0777);
            char text[64];
            snprintf(text, sizeof text, "{\"seed\": %d, \"m\": %d}\n", p->seeds[s], m);
            const char *sp = test_write_file(dir, "summary.json", text);
            EXPECT(sha256_file(sp, r.models[m].summary_sha256[s]) == MG_OK, "%s: %s", sp,
                   error_message());
        }
    char note[256];
    EXPECT(check_write(&r, results, 0, note, sizeof note) == MG_OK, "%s", error_message());
    check_result_file f;
    char why[2000] = "";
    EXPECT(check_result_file_read(&f, json_path, NULL) == MG_OK, "%s", error_message());
    EXPECT(check_result_file_fresh(&f, p, runs, "runs", why, sizeof why) == 1, "fresh: %s", why);
    protocol more = *p;
    more.seeds[more.n_seeds++] = 9;
    EXPECT(check_result_file_fresh(&f, &more, runs, "runs", why, sizeof why) == 0 &&
               strstr(why, "the protocol names dense_active seed 9, a run the check did not use"),
           "an unused run: %s", why);
    snprintf(dir, sizeof dir, "%s/moe4-s5", runs);
    test_write_file(dir, "summary.json", "{\"changed\": 1}\n");
    EXPECT(check_result_file_fresh(&f, p, runs, "runs", why, sizeof why) == 0 &&
               strstr(why, "runs/moe4-s5/summary.json changed since the check used it"),
           "a changed run: %s", why);
    check_result_file_free(&f);

    /* a result from before runs_used: read, and stale */
    json_error_t jerr;
    json_t *root = json_load_file(json_path, 0, &jerr);
    json_object_del(root, "runs_used");
    snprintf(path, sizeof path, "%s/old.json", results);
    json_dump_file(root, path, 0);
    json_decref(root);
    EXPECT(check_result_file_read(&f, path, NULL) == MG_OK && !f.has_runs_used &&
               f.n_runs_used == 0, "without runs_used: %s", error_message());
    EXPECT(check_result_file_fresh(&f, p, runs, "runs", why, sizeof why) == 0 &&
               strstr(why, "it does not record the runs it used"), "without runs_used: %s", why);
    check_result_file_free(&f);
}

/* A best-loss check whose runs' steps differed: no curves, no
 * trajectory parts, a PASS. */
static void test_best_loss(void)
{
    check_result r;
    make_trajectory(&r, runs);
    protocol *p = &r.proto;
    snprintf(p->name, sizeof p->name, "best");
    p->statistic = STATISTIC_BEST_VAL_LOSS;
    p->n_models = 2;
    p->n_gaps = 1;
    p->gaps[0].direction = SIGN_POSITIVE;
    fill_test(&r.gaps[0].best, SIGN_POSITIVE, 1, VERDICT_PASS, 0.07);
    r.gaps[0].best.t.t = -INFINITY;
    r.gaps[0].traj_mean = r.gaps[0].traj_sd = NULL;
    for (int m = 0; m < 2; m++)
        r.models[m].curve_mean = r.models[m].curve_sd = NULL;
    r.n_steps = 0;
    r.steps = NULL;
    r.verdict = VERDICT_PASS;
    char note[256], path[1400];
    EXPECT(check_write(&r, results, 0, note, sizeof note) == MG_OK, "%s", error_message());
    snprintf(path, sizeof path, "%s/best.json", results);
    check_result_file f;
    EXPECT(check_result_file_read(&f, path, NULL) == MG_OK, "best: %s", error_message());
    expect_same(&f, &r);
    EXPECT(f.total_steps == 0 && f.warmup_steps == 0 && f.fit_points == 0, "no schedule");
    check_result_file_free(&f);
    /* a trajectory part in a best-loss result is not read, nor needed */
}

int main(void)
{
    snprintf(results, sizeof results, "%s", test_dir("results"));
    snprintf(runs, sizeof runs, "%s/runs", results);
    test_trajectory();
    test_fresh();
    test_best_loss();
    return test_summary("test_check_result_read");
}
