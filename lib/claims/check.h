/* A claim's check: a protocol (runs/protocol.h) applied to the runs over
 * seeds in a runs folder (run folders `<model>-s<seed>`), with the paper's
 * numbers beside ours (runs/reference.h).
 *
 * Every gap is paired by seed: g_s = L(A, seed s) - L(B, seed s). A test
 * reaches one of three verdicts at the protocol's level alpha:
 *   PASS          the claim's direction, one-sided t-test p < alpha;
 *   CONTRADICTED  the opposite direction, its one-sided p < alpha;
 *   INCONCLUSIVE  neither: then the seeds the observed mean and std would
 *                 need for the protocol's power (stats_seeds_needed).
 * A trajectory's "final" part holds on the sign of the mean alone (the
 * protocol's rule), and is contradicted by a significant opposite sign.
 * The check's verdict combines its gates: PASS when every gate passes,
 * CONTRADICTED when any is contradicted, INCONCLUSIVE otherwise. */
#ifndef MOEGAP_CHECK_H
#define MOEGAP_CHECK_H

#include "runs/protocol.h"
#include "runs/reference.h"
#include "claims/stats.h"
#include "util/fsutil.h"

#include <stdio.h>

typedef enum { VERDICT_NONE, VERDICT_PASS, VERDICT_CONTRADICTED, VERDICT_INCONCLUSIVE } check_verdict;

typedef struct {
    protocol_sign claim;   /* SIGN_NONE: reported without a claim */
    int gate;              /* decides the check's verdict */
    double value[PROTOCOL_MAX_SEEDS]; /* per seed, in protocol seed order */
    stats_ttest t;
    check_verdict verdict; /* VERDICT_NONE without a claim */
    size_t seeds_needed;   /* INCONCLUSIVE only: 0 = none within STATS_SEEDS_MAX */
    protocol_sign needed_sign; /* the observed sign more seeds would establish */
    double ci_lo, ci_hi;   /* the mean's CHECK_CI_LEVEL t confidence interval */
    /* with a claim: the smallest true mean the test detects at the
     * protocol's alpha with its power, at the observed std and n (the
     * minimum detectable effect); NAN without a claim */
    double mde;
} check_test;

/* The level of every confidence interval a check states. */
#define CHECK_CI_LEVEL 0.95

typedef struct {
    double best[PROTOCOL_MAX_SEEDS];  /* best validation loss per seed */
    double best_mean, best_sd;
    long long params_total, params_active;
    const reference_paper_row *paper; /* NULL: the paper has no such model */
    double *curve_mean, *curve_sd;    /* per evaluation step; NULL without curves */
    /* per seed, of the summary.json the numbers came from: the record that
     * lets a later reader tell whether a run changed since the check */
    char summary_sha256[PROTOCOL_MAX_SEEDS][65];
} check_model;

typedef struct {
    check_test best;             /* the gap in best validation loss */
    const reference_paper_row *paper;
    /* trajectories (every protocol when the runs share evaluation steps) */
    double *traj_mean, *traj_sd; /* per evaluation step */
    /* val_loss_trajectory only */
    check_test slope;            /* per-seed slope of g on log(step) after warm-up */
    check_test final;            /* g at the last evaluation */
    double early_mean, early_sd; /* g at the evaluation nearest early_share of training */
} check_gap;

typedef struct {
    protocol proto;
    char runs_dir[FS_PATH_MAX];
    check_model models[PROTOCOL_MAX_MODELS];
    check_gap gaps[PROTOCOL_MAX_GAPS];
    size_t n_steps;              /* evaluation steps every run shares; 0: no curves */
    long *steps;
    long total_steps, warmup_steps; /* trajectory: from the runs' recipe.ini */
    size_t n_fit;                /* evaluations after warm-up, in the slope fits */
    long early_step;
    check_verdict verdict;
} check_result;

/* Runs the check. Every run the protocol names must be finished: a missing
 * or unfinished one is an error naming its folder. `ref` must outlive `out`
 * (out points at its rows). */
int check_run(const protocol *p, const char *runs_dir, const reference_set *ref,
              check_result *out);
void check_result_free(check_result *r);

const char *check_verdict_name(check_verdict v);
/* The inverse, for the files that record a verdict (results, baselines):
 * PASS, CONTRADICTED or INCONCLUSIVE, as check_verdict_name writes them;
 * anything else (the "-" of VERDICT_NONE included: no file records it) is
 * MG_EFORMAT, "'X': expected PASS, CONTRADICTED or INCONCLUSIVE", for the
 * caller to prefix with the file and the field. */
int check_verdict_parse(const char *name, check_verdict *out);

/* The verdict as an exit status, so that CTest's outcome is the verdict:
 * PASS 0 (passed), INCONCLUSIVE CHECK_EXIT_INCONCLUSIVE (the check test's
 * SKIP_RETURN_CODE: not decided), CONTRADICTED 1 (failed). Errors exit 1
 * too, and write no result. */
enum { CHECK_EXIT_INCONCLUSIVE = 77 };
int check_exit_status(check_verdict v);

#endif
