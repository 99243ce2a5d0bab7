/* Checks of the paper's claims on fake run folders written here (no
 * training): every verdict of active_gap and of gap_trajectory, with the
 * repository's own protocol files; missing and unfinished runs refused by
 * name; malformed protocols refused with file:line:key.
 * usage: test_check PROTOCOLS_DIR REFERENCE_DIR */
#include "claims/check.h"
#include "util/error.h"
#include "runs/protocol.h"
#include "runs/reference.h"
#include "runs/runrecord.h"
#include "testutil.h"

#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N_SEEDS = 3, N_EVAL = 10, STEPS = 1000 };

static const char *protocols_dir;
static reference_set ref;

/* The [model] keys that make each model what its name says, at the ci
 * tier's sizes, so the parameter counts below are the recipe's. */
static const char *model_section(const char *model_name)
{
    static const char *const sections[][2] = {
        {"moe4", "n_experts = 4\ntop_k = 2\nexpert_hidden = 128\n"},
        {"moe8", "n_experts = 8\ntop_k = 2\nexpert_hidden = 128\n"},
        {"dense_active", "ffn_hidden = 257\n"},
        {"dense_total", "ffn_hidden = 513\n"},
        {"dense8_total", "ffn_hidden = 1027\n"},
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        if (strcmp(model_name, sections[i][0]) == 0)
            return sections[i][1];
    return "";
}

/* One finished run: eval rows at 100, 200, ... 1000 with the given losses. */
static void fake_run(const char *runs, const char *model_name, int seed, const double *loss,
                     long long total, long long active)
{
    char dir[1200], path[1300];
    snprintf(dir, sizeof dir, "%s/%s-s%d", runs, model_name, seed);
    mkdir(runs, 0777);
    mkdir(dir, 0777);
    double best = loss[0];
    long best_step = 100;
    for (int i = 1; i < N_EVAL; i++)
        if (loss[i] < best)
            best = loss[i], best_step = 100L * (i + 1);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"seed\": %d, \"best_val_loss\": %.9g, \"best_step\": %ld, \"final_val_loss\": "
            "%.9g, \"params_total\": %lld, \"params_active\": %lld}\n", seed, best, best_step,
            loss[N_EVAL - 1], total, active);
    fclose(f);
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    f = fopen(path, "w");
    fprintf(f, "kind\tstep\ttokens\tlr\ttrain_ce\tval_ce\n");
    for (int i = 0; i < N_EVAL; i++) {
        for (int k = 100 * i + 1; k <= 100 * i + 3; k++) /* a few train rows between */
            fprintf(f, "train\t%d\t%d\t0.003\t%.6f\t\n", k, 4096 * k, loss[i] + 0.1);
        fprintf(f, "eval\t%d\t%d\t\t\t%.9g\n", 100 * (i + 1), 409600 * (i + 1), loss[i]);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/recipe.ini", dir);
    f = fopen(path, "w");
    fprintf(f, "[model]\nvocab_size = 1024\nd_model = 64\nn_layers = 4\nn_heads = 4\n"
            "seq_len = 128\n%s[train]\nsteps = %d\nwarmup = 0.05\neval_every = 100\n"
            "[run]\ntier = ci\n",
            model_section(model_name), STEPS);
    fclose(f);
}

/* The active and total gaps per seed as lines in log(step):
 *   g(s, t) = c_s + k_s (log t - log 100);
 * the MoE's loss falls with log(step), the dense models sit at the gaps. */
typedef struct {
    double ca[N_SEEDS], ka[N_SEEDS], ct[N_SEEDS], kt[N_SEEDS];
} scenario;

static void write_scenario(const char *runs, const scenario *sc)
{
    for (int s = 0; s < N_SEEDS; s++) {
        double moe[N_EVAL], da[N_EVAL], dt[N_EVAL];
        for (int i = 0; i < N_EVAL; i++) {
            double t = 100.0 * (i + 1), u = log(t) - log(100.0);
            moe[i] = 3 - 0.3 * log(t) + 0.002 * s;
            da[i] = moe[i] + sc->ca[s] + sc->ka[s] * u;
            dt[i] = moe[i] - (sc->ct[s] + sc->kt[s] * u);
        }
        fake_run(runs, "moe4", s + 1, moe, 525888, 329280);
        fake_run(runs, "dense_active", s + 1, da, 329024, 329024);
        fake_run(runs, "dense_total", s + 1, dt, 525632, 525632);
    }
}

/* The PASS scenario of both claims; cases below change one part. */
static const scenario base = {
    .ca = {0.05, 0.052, 0.049}, .ka = {0.010, 0.012, 0.011},
    .ct = {0.03, 0.031, 0.029}, .kt = {-0.004, -0.005, -0.0045},
};

static int run_check(const char *name, const char *runs, check_result *r)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.ini", protocols_dir, name);
    protocol p;
    static const int seeds[] = {1, 2, 3};
    int rc = protocol_read(&p, path);
    if (!rc)
        rc = protocol_set_seeds(&p, seeds, 3);
    EXPECT(rc == MG_OK, "%s: %s", path, error_message());
    if (rc)
        return rc;
    rc = check_run(&p, runs, &ref, r);
    return rc;
}

static check_verdict verdict_of(const char *protocol_name, const char *case_name,
                                const scenario *sc, check_result *r)
{
    const char *runs = test_dir(case_name);
    write_scenario(runs, sc);
    int rc = run_check(protocol_name, runs, r);
    EXPECT(rc == MG_OK, "%s on %s: %s", protocol_name, case_name, error_message());
    return rc ? VERDICT_NONE : r->verdict;
}

static void test_active_gap(void)
{
    check_result r;
    check_verdict v = verdict_of("active_gap", "ag_pass", &base, &r);
    EXPECT(v == VERDICT_PASS, "active_gap pass: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        /* best gap = c + k log(10), per seed */
        double want = 0.05 + 0.010 * log(10.0);
        EXPECT(fabs(r.gaps[0].best.value[0] - want) < 1e-7, "gap s1 %.9g want %.9g",
               r.gaps[0].best.value[0], want);
        EXPECT(r.models[0].params_active == 329024 && r.models[1].params_total == 525888,
               "params %lld %lld", r.models[0].params_active, r.models[1].params_total);
        EXPECT(r.gaps[0].paper && fabs(r.gaps[0].paper->mean - 0.0758) < 1e-12, "paper row");
        EXPECT(r.models[1].paper && fabs(r.models[1].paper->mean - 1.5788) < 1e-12, "paper moe4");
        EXPECT(check_exit_status(r.verdict) == 0, "exit %d", check_exit_status(r.verdict));
        /* the interval and the MDE come from the same t statistics */
        const check_test *bt = &r.gaps[0].best;
        double half = 4.302653 * bt->t.sd / sqrt(3.0); /* t_{0.975, 2} */
        EXPECT(fabs(bt->ci_lo - (bt->t.mean - half)) < 1e-6 &&
                   fabs(bt->ci_hi - (bt->t.mean + half)) < 1e-6,
               "CI [%g, %g] around %g", bt->ci_lo, bt->ci_hi, bt->t.mean);
        EXPECT(bt->mde == stats_mde(bt->t.sd, 3, 0.05, 0.8), "MDE %g", bt->mde);
        check_result_free(&r);
    }

    scenario sc = base;
    for (int s = 0; s < N_SEEDS; s++)
        sc.ca[s] = -base.ca[s], sc.ka[s] = -base.ka[s];
    v = verdict_of("active_gap", "ag_contra", &sc, &r);
    EXPECT(v == VERDICT_CONTRADICTED, "active_gap contradicted: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        EXPECT(check_exit_status(r.verdict) == 1, "exit %d", check_exit_status(r.verdict));
        check_result_free(&r);
    }

    sc = base;
    double ca[N_SEEDS] = {0.01, -0.012, 0.004};
    for (int s = 0; s < N_SEEDS; s++)
        sc.ca[s] = ca[s], sc.ka[s] = 0;
    v = verdict_of("active_gap", "ag_inconc", &sc, &r);
    EXPECT(v == VERDICT_INCONCLUSIVE, "active_gap inconclusive: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        /* mean 0.000667, sd 0.01137: d = 0.0586, far beyond 3 seeds */
        const check_test *t = &r.gaps[0].best;
        EXPECT(t->seeds_needed > 1000 && t->needed_sign == SIGN_POSITIVE, "needed %zu",
               t->seeds_needed);
        EXPECT(t->seeds_needed == stats_seeds_needed(t->t.mean, t->t.sd, 0.05, 0.8), "needed");
        /* CTest's SKIP_RETURN_CODE: an undecided claim is a skipped test */
        EXPECT(check_exit_status(r.verdict) == 77, "exit %d", check_exit_status(r.verdict));
        check_result_free(&r);
    }
}

static void test_trajectory(void)
{
    check_result r;
    check_verdict v = verdict_of("gap_trajectory", "tr_pass", &base, &r);
    EXPECT(v == VERDICT_PASS, "trajectory pass: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        EXPECT(r.n_steps == N_EVAL && r.warmup_steps == 50 && r.n_fit == N_EVAL,
               "steps %zu warmup %ld fit %zu", r.n_steps, r.warmup_steps, r.n_fit);
        EXPECT(r.early_step == 100, "early step %ld", r.early_step);
        /* exact lines: the fitted slopes are the k's */
        EXPECT(fabs(r.gaps[0].slope.t.mean - 0.011) < 1e-8, "active slope %.10g",
               r.gaps[0].slope.t.mean);
        EXPECT(fabs(r.gaps[1].slope.t.mean + 0.0045) < 1e-8, "total slope %.10g",
               r.gaps[1].slope.t.mean);
        EXPECT(fabs(r.gaps[1].final.t.mean - (0.03 - 0.0045 * log(10.0))) < 1e-7, "final %.9g",
               r.gaps[1].final.t.mean);
        EXPECT(fabs(r.gaps[0].early_mean - 0.05033333333) < 1e-7, "early %.9g",
               r.gaps[0].early_mean);
        EXPECT(r.gaps[1].final.verdict == VERDICT_PASS, "final part");
        EXPECT(r.gaps[0].final.verdict == VERDICT_NONE, "active final has no claim");
        check_result_free(&r);
    }

    scenario sc = base; /* the active advantage shrinks, significantly */
    for (int s = 0; s < N_SEEDS; s++)
        sc.ka[s] = -base.ka[s];
    v = verdict_of("gap_trajectory", "tr_contra", &sc, &r);
    EXPECT(v == VERDICT_CONTRADICTED, "trajectory contradicted: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        EXPECT(r.gaps[0].slope.verdict == VERDICT_CONTRADICTED &&
                   r.gaps[1].slope.verdict == VERDICT_PASS, "parts %d %d",
               r.gaps[0].slope.verdict, r.gaps[1].slope.verdict);
        check_result_free(&r);
    }

    sc = base; /* the active slopes disagree across seeds */
    double ka[N_SEEDS] = {0.01, -0.008, 0.003};
    for (int s = 0; s < N_SEEDS; s++)
        sc.ka[s] = ka[s];
    v = verdict_of("gap_trajectory", "tr_inconc", &sc, &r);
    EXPECT(v == VERDICT_INCONCLUSIVE, "trajectory inconclusive: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        EXPECT(r.gaps[0].slope.verdict == VERDICT_INCONCLUSIVE && r.gaps[0].slope.seeds_needed > 3,
               "slope part %d, needed %zu", r.gaps[0].slope.verdict, r.gaps[0].slope.seeds_needed);
        check_result_free(&r);
    }

    sc = base; /* the total gap crosses zero: final significantly negative */
    for (int s = 0; s < N_SEEDS; s++)
        sc.ct[s] = base.ct[s] - 0.04;
    v = verdict_of("gap_trajectory", "tr_final", &sc, &r);
    EXPECT(v == VERDICT_CONTRADICTED, "trajectory final < 0: %s", check_verdict_name(v));
    if (v != VERDICT_NONE) {
        EXPECT(r.gaps[1].final.verdict == VERDICT_CONTRADICTED, "final part %d",
               r.gaps[1].final.verdict);
        check_result_free(&r);
    }

    sc = base; /* the final total gap is <= 0 in the mean, not significantly */
    double fin[N_SEEDS] = {0.004, -0.006, -0.001};
    for (int s = 0; s < N_SEEDS; s++)
        sc.ct[s] = fin[s] - base.kt[s] * log(10.0);
    v = verdict_of("gap_trajectory", "tr_final0", &sc, &r);
    EXPECT(v == VERDICT_INCONCLUSIVE, "trajectory final ~ 0: %s", check_verdict_name(v));
    if (v != VERDICT_NONE)
        check_result_free(&r);

    sc = base; /* positive in the mean, not significantly: a gate is a test */
    double pos[N_SEEDS] = {0.05, -0.01, 0.03};
    for (int s = 0; s < N_SEEDS; s++)
        sc.ct[s] = pos[s] - base.kt[s] * log(10.0);
    v = verdict_of("gap_trajectory", "tr_final_mean", &sc, &r);
    EXPECT(v == VERDICT_INCONCLUSIVE, "trajectory final > 0 in the mean only: %s",
           check_verdict_name(v));
    if (v != VERDICT_NONE) {
        EXPECT(r.gaps[1].final.verdict == VERDICT_INCONCLUSIVE && r.gaps[1].final.t.p_greater > 0.05,
               "final part %d, p %g", r.gaps[1].final.verdict, r.gaps[1].final.t.p_greater);
        check_result_free(&r);
    }
}

static void test_other_protocols(void)
{
    check_result r;
    check_verdict v = verdict_of("total_gap", "tg_pass", &base, &r);
    EXPECT(v == VERDICT_PASS, "total_gap: %s", check_verdict_name(v));
    if (v != VERDICT_NONE)
        check_result_free(&r);

    /* eight experts: moe8 beats dense8_total: the paper's prediction fails */
    const char *runs = test_dir("e8");
    write_scenario(runs, &base);
    for (int s = 0; s < N_SEEDS; s++) {
        double m8[N_EVAL], d8[N_EVAL];
        for (int i = 0; i < N_EVAL; i++) {
            m8[i] = 2.9 - 0.3 * log(100.0 * (i + 1)) + 0.001 * s;
            d8[i] = m8[i] + 0.02 + 0.001 * s;
        }
        fake_run(runs, "moe8", s + 1, m8, 920128, 330304);
        fake_run(runs, "dense8_total", s + 1, d8, 920384, 920384);
    }
    int rc = run_check("eight_experts", runs, &r);
    EXPECT(rc == MG_OK, "eight_experts: %s", error_message());
    if (!rc) {
        EXPECT(r.verdict == VERDICT_CONTRADICTED, "eight_experts: %s",
               check_verdict_name(r.verdict));
        EXPECT(r.gaps[1].best.verdict == VERDICT_NONE && r.gaps[1].best.t.n == N_SEEDS,
               "reported gap");
        check_result_free(&r);
    }
}

static void test_missing_runs(void)
{
    const char *runs = test_dir("missing");
    write_scenario(runs, &base);
    char path[1200];
    snprintf(path, sizeof path, "%s/moe4-s2/summary.json", runs);
    unlink(path);
    check_result r;
    int rc = run_check("active_gap", runs, &r);
    EXPECT(rc != MG_OK && strstr(error_message(), "moe4-s2") &&
               strstr(error_message(), "summary.json"), "unfinished run: %d %s", rc,
           error_message());
    snprintf(path, sizeof path, "%s/moe4-s2/metrics.tsv", runs);
    unlink(path);
    snprintf(path, sizeof path, "%s/moe4-s2/recipe.ini", runs);
    unlink(path);
    snprintf(path, sizeof path, "%s/moe4-s2", runs);
    rmdir(path);
    rc = run_check("active_gap", runs, &r);
    EXPECT(rc != MG_OK && strstr(error_message(), "moe4-s2") &&
               strstr(error_message(), "does not exist"), "missing run: %d %s", rc,
           error_message());
}

/* summary.json's best loss is the lowest evaluation row to the precision
 * the row prints (train writes val_ce with 6 decimals, the summary with 12
 * digits): within half the row's last digit it holds, beyond it not. */
static void test_printed_precision(void)
{
    static const double best_ok[] = {2.3456784, 2.3456776}, best_bad[] = {2.3456786, 2.34567};
    const char *dir = test_dir("precision");
    char summary[300];
    test_write_file(dir, "metrics.tsv", "kind\tstep\tval_ce\neval\t100\t2.400000\n"
                    "eval\t200\t2.345678\n");
    test_write_file(dir, "recipe.ini", "[model]\nvocab_size = 1024\nd_model = 64\nn_layers = 4\n"
                    "n_heads = 4\nseq_len = 128\nffn_hidden = 257\n[train]\nsteps = 200\n"
                    "eval_every = 100\n");
    for (int k = 0; k < 4; k++) {
        double best = k < 2 ? best_ok[k] : best_bad[k - 2];
        snprintf(summary, sizeof summary, "{\"seed\": 7, \"best_val_loss\": %.12g, \"best_step\": "
                 "200, \"final_val_loss\": %.12g, \"params_total\": 329024, "
                 "\"params_active\": 329024}\n", best, best);
        test_write_file(dir, "summary.json", summary);
        run_record r;
        int rc = run_record_load(&r, dir, 7);
        if (k < 2) {
            EXPECT(rc == MG_OK, "best %.12g: %s", best, error_message());
            if (!rc)
                run_record_free(&r);
        } else {
            EXPECT(rc != MG_OK && strstr(error_message(), "best_val_loss"), "best %.12g: %d %s",
                   best, rc, error_message());
        }
    }
}

/* A protocol refused with a message holding frag (file:line and key). */
static void expect_bad(const char *text, const char *frag1, const char *frag2)
{
    const char *dir = test_dir("bad");
    const char *path = test_write_file(dir, "bad.ini", text);
    protocol p;
    int rc = protocol_read(&p, path);
    const char *msg = error_message();
    EXPECT(rc != MG_OK, "accepted: %s", text);
    EXPECT(strstr(msg, frag1), "message lacks '%s': %s", frag1, msg);
    if (frag2)
        EXPECT(strstr(msg, frag2), "message lacks '%s': %s", frag2, msg);
}

#define HEAD "[claim]\nname = bad\ntext = t\n[runs]\nmodels = dense_active, moe4\n"
#define CHECK "[check]\nstatistic = best_val_loss\ntest = paired_t_one_sided\nalpha = 0.05\npower = 0.8\n"
#define GAP "[gap a]\ngap = dense_active - moe4\nrole = gate\ndirection = positive\n"

static void test_bad_protocols(void)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/active_gap.ini", protocols_dir);
    protocol p;
    EXPECT(protocol_read(&p, path) == MG_OK, "active_gap.ini: %s", error_message());
    EXPECT(strstr(p.text, "lower best validation loss than the dense model matched"),
           "continued text: %s", p.text);

    const char *good = test_write_file(test_dir("bad"), "bad.ini", HEAD CHECK GAP);
    EXPECT(protocol_read(&p, good) == MG_OK && p.n_gaps == 1 && p.gaps[0].a == 0 &&
               p.gaps[0].b == 1 && p.n_seeds == 0 && p.alpha == 0.05,
           "the minimal protocol: %s", error_message());
    expect_bad(HEAD "[check]\nstatistic = best_val_loss\nalhpa = 0.05\n" GAP,
               "bad.ini:8: [check] alhpa: unknown key", NULL);
    expect_bad(HEAD "[check]\nalpha = 0.7\n", "bad.ini:7: [check] alpha:", "0.7");
    /* which models exist is the tier's to say; a protocol holds names */
    expect_bad("[runs]\nmodels = dense_active, Moe-5\n", "bad.ini:2: [runs] models:", "Moe-5");
    /* found by fuzz_protocol: any valid name counts now, so the count is bounded */
    expect_bad("[runs]\nmodels = m1, m2, m3, m4, m5, m6\n", "bad.ini:2: [runs] models:",
               "'m6': more than 5 models");
    /* the seeds are the tier's now: a protocol that still names them is told where */
    expect_bad(HEAD "seeds = 1, 2\n" CHECK GAP, "bad.ini:6: [runs] seeds: not a protocol key",
               "tier.ini");
    expect_bad(HEAD CHECK "[gap a]\ngap = dense_total - moe4\nrole = gate\ndirection = positive\n",
               "bad.ini:12: [gap a] gap: model 'dense_total' is not in [runs] models", NULL);
    expect_bad(HEAD CHECK "[gap a]\ngap = dense_active + moe4\n", "bad.ini:12: [gap a] gap:",
               NULL);
    expect_bad(HEAD "[check]\nstatistic = best_val_loss\nalpha = 0.05\npower = 0.8\n" GAP,
               "bad.ini: [check] test: missing", NULL);
    expect_bad(HEAD CHECK "early_share = 0.1\n" GAP, "bad.ini:11: [check] early_share: applies "
               "only", NULL);
    expect_bad(HEAD CHECK "[gap a]\ngap = dense_active - moe4\nrole = gate\n",
               "bad.ini: [gap a] direction: missing", NULL);
    expect_bad(HEAD CHECK GAP "slope = positive\n", "bad.ini:15: [gap a] slope: does not apply",
               NULL);
    expect_bad(HEAD CHECK GAP "role = report\n", "bad.ini:15: [gap a] role: key given twice",
               NULL);
    /* a [gap] without a name is no gap (it once indexed gap -1) */
    expect_bad(HEAD CHECK "[gap]\nrole = gate\n", "bad.ini:12: [gap] role: unknown key", NULL);
    expect_bad(HEAD CHECK "[gap]\ngap = dense_active - moe4\n", "bad.ini:12: [gap] gap: unknown key",
               NULL);
    expect_bad("[claim]\nname = other\ntext = t\n[runs]\nmodels = dense_active, moe4\n"
               CHECK GAP, "bad.ini:2: [claim] name: 'other' differs", NULL);
    expect_bad(HEAD "this is no key\n", "bad.ini:6: malformed line", NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* The fake runs of a passing test are removed; a failing one keeps them. */
static void remove_test_dirs(void)
{
    static const char *const names[] = {"ag_pass", "ag_contra", "ag_inconc", "tr_pass",
                                        "tr_contra", "tr_inconc", "tr_final", "tr_final0",
                                        "tg_pass", "e8", "missing", "precision", "bad"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        nftw(test_dir(names[i]), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_check PROTOCOLS_DIR REFERENCE_DIR\n");
        return 2;
    }
    protocols_dir = argv[1];
    if (reference_load(&ref, argv[2]) != MG_OK) {
        printf("FAIL: %s\n", error_message());
        return 1;
    }
    test_active_gap();
    test_trajectory();
    test_other_protocols();
    test_missing_runs();
    test_printed_precision();
    test_bad_protocols();
    reference_free(&ref);
    if (!test_failures)
        remove_test_dirs();
    return test_summary("test_check");
}
