/* A check's result file (results/<claim>.json) read back: the one reader of
 * what check_report_json writes (claims/check_report.c), for every program
 * that reads results (the report, the nightly baseline), so none keeps a
 * reader of its own that could drift from the writer.
 *
 * Every field is checked (util/jsonread.h): an error names the file and
 * the dotted field ("results/total_gap.json: gaps.total.best_val_loss_gap.
 * mean: ..."). Numbers check writes as null (JSON has no infinity or NaN)
 * read as NAN where check may write null: a test's t (infinite when every
 * seed agrees) and mde (none without a claim). Only "runs_used" may be
 * absent (a result written before check recorded its runs): has_runs_used
 * says so, and check_result_file_fresh calls such a result stale. */
#ifndef MOEGAP_CHECK_RESULT_READ_H
#define MOEGAP_CHECK_RESULT_READ_H

#include "claims/check.h"
#include "runs/protocol.h"
#include "runs/reference.h"
#include "util/fsutil.h"

#include <stddef.h>

enum {
    CHECK_RESULT_FILE_PATH_MAX = FS_PATH_BUF + 64, /* the file's name as messages give it */
    CHECK_RESULT_FILE_RUN_MAX = FS_PATH_BUF  /* a run folder, runs_dir/<model>-s<seed> */
};

/* A row of reference/paper.tsv as the result restates it (its kind is not
 * written: a model's row or a gap's, by where it stands). */
typedef struct {
    int present; /* 0: null, the paper has no such number */
    char name[64];
    double mean, sd;
    int n_seeds;
    char favours[64];
    char source[REFERENCE_FIELD_MAX];
} check_result_file_paper;

/* One test ("best_val_loss_gap", "slope_log_step", "final"), check_test's
 * fields as written. */
typedef struct {
    int present;           /* slope and final: trajectory results only */
    protocol_sign claim;   /* SIGN_NONE: reported without a claim */
    int gate;
    double per_seed[PROTOCOL_MAX_SEEDS]; /* one per seed of the file */
    double mean, sd;
    int df;
    double t;              /* NAN: infinite (no spread), null in the file */
    double p_greater, p_less;
    check_verdict verdict; /* VERDICT_NONE: "-" */
    double ci_level, ci_lo, ci_hi;
    double mde;            /* NAN: null, no claim */
    /* INCONCLUSIVE only (else 0, SIGN_NONE, NAN) */
    size_t seeds_needed;   /* 0: none within STATS_SEEDS_MAX (null) */
    protocol_sign needed_sign;
    double power;
} check_result_file_test;

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    long long params_active, params_total;
    double best[PROTOCOL_MAX_SEEDS]; /* best validation loss, one per seed */
    double mean, sd;
    check_result_file_paper paper;
    double *curve_mean, *curve_sd;   /* n_eval_steps each; NULL without eval_steps */
} check_result_file_model;

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    char a[PROTOCOL_NAME_MAX], b[PROTOCOL_NAME_MAX]; /* g = L(a) - L(b), models of the file */
    int gate;
    check_result_file_test best, slope, final;      /* slope, final: trajectory only */
    check_result_file_paper paper;
    double *traj_mean, *traj_sd;     /* n_eval_steps each; NULL without eval_steps */
    /* trajectory only: g at the evaluation nearest early_share of training */
    long long early_step;
    double early_mean, early_sd;
} check_result_file_gap;

/* One entry of "runs_used": a run folder and the summary.json it had. */
typedef struct {
    char model[PROTOCOL_NAME_MAX];
    int seed;
    char run[CHECK_RESULT_FILE_RUN_MAX];
    char summary_sha256[65];
} check_result_file_run;

typedef struct {
    char path[CHECK_RESULT_FILE_PATH_MAX]; /* the file, as every message names it */
    char protocol[PROTOCOL_NAME_MAX];
    char protocol_file[PROTOCOL_PATH_MAX];
    char claim[PROTOCOL_TEXT_MAX];
    char runs[FS_PATH_MAX];
    protocol_statistic statistic;
    double alpha, power;
    int seeds[PROTOCOL_MAX_SEEDS];   /* the seeds the check was given, in its order */
    int n_seeds;
    int has_runs_used;               /* 0: written before check recorded them */
    check_result_file_run *runs_used;
    size_t n_runs_used;
    check_result_file_model models[PROTOCOL_MAX_MODELS]; /* in the file's order */
    int n_models;
    long long *eval_steps;           /* NULL, 0: the runs' steps differed, no curves */
    size_t n_eval_steps;
    check_result_file_gap gaps[PROTOCOL_MAX_GAPS];       /* in the file's order */
    int n_gaps;
    /* trajectory only */
    long long total_steps, warmup_steps, fit_points;
    check_verdict verdict;           /* never VERDICT_NONE */
    int exit_status;                 /* check_exit_status(verdict) */
} check_result_file;

/* Reads `path` into *f (free with check_result_file_free, also after an
 * error). Messages name the file as `shown` (NULL: as `path`), so a caller
 * that shows paths relative to a folder gets them so. */
int check_result_file_read(check_result_file *f, const char *path, const char *shown);
void check_result_file_free(check_result_file *f);

/* Only the result's "seeds", held to the rules of every seed list
 * (tier_seeds_valid), for a caller that needs them before the runs are
 * read, whatever else the file holds. */
int check_result_file_seeds(const char *path, const char *shown, int *seeds, int *n);

/* Whether the result is of protocol `p`: its name, each of p's models and
 * each of p's gaps with the same two models. MG_EFORMAT naming the file
 * and the field otherwise (a result of an older version of the protocol). */
int check_result_file_fits(const check_result_file *f, const protocol *p);

/* The model or gap of that name; NULL when the file has none. */
const check_result_file_model *check_result_file_model_named(const check_result_file *f,
                                                             const char *name);
const check_result_file_gap *check_result_file_gap_named(const check_result_file *f,
                                                         const char *name);

/* Whether the result still describes the runs of `p` under `runs_dir`:
 * every run the protocol names is in its runs_used with the SHA-256 of the
 * summary.json there now. 1 when fresh; 0 when stale, with why[] saying
 * which run and how, naming run folders under `shown_runs_dir`. */
int check_result_file_fresh(const check_result_file *f, const protocol *p, const char *runs_dir,
                            const char *shown_runs_dir, char *why, size_t n);

#endif
