/* What a paper dir holds, as the report's loaders read it (report_load.c,
 * report_runs.c, report_results.c, report_variance.c): the runs, results,
 * corpora and issues every part of the report shows, and the loaders
 * themselves. Shared by the plain-text table (report_text.c) and the
 * LaTeX writers, which add report_latex.h; nothing here writes LaTeX. */
#ifndef MOEGAP_REPORT_DATA_H
#define MOEGAP_REPORT_DATA_H

#include "model/params.h"
#include "runs/protocol.h"
#include "train/recipe.h"
#include "runs/reference.h"
#include "report/report.h"
#include "runs/runrecord.h"
#include "claims/variance.h"
#include "train/provenance.h"
#include "util/fsutil.h"

#include <stdio.h>

enum {
    REPORT_DIR_MAX = FS_PATH_MAX, /* the folders a report reads */
    REPORT_PATH_MAX = FS_PATH_BUF, /* a file in them */
    REPORT_WHY_MAX = REPORT_PATH_MAX + 512,
    REPORT_MAX_PROTOCOLS = 32,
    REPORT_MAX_MODELS = 8,
    REPORT_MAX_TESTS = 3 * PROTOCOL_MAX_GAPS, /* best gap, slope, final per gap */
    REPORT_MAX_CORPORA = 4,
    REPORT_N_FIGURES = 3
};

typedef enum { RUN_MISSING, RUN_BROKEN, RUN_DONE } report_run_state;

/* One run folder: summary.json and metrics.tsv (run_record), provenance.json. */
typedef struct {
    int seed;
    report_run_state state;
    char why[REPORT_WHY_MAX]; /* RUN_MISSING, RUN_BROKEN: the reader's message */
    run_record rec;          /* RUN_DONE */
    provenance_record prov;  /* RUN_DONE, its provenance.json read */
} report_run;

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    int seeds[PROTOCOL_MAX_SEEDS]; /* every seed a protocol needs, increasing */
    int n_seeds;
    report_run *runs;              /* n_seeds, in seed order */
    int have_recipe;               /* from the first finished run's recipe.ini */
    recipe rec;
    params_counts counts;
    /* a dense model: the MoE count its recipe records ([run] matched), the solver's target */
    int match_moe;                 /* index into report.models, -1 none */
    int match_active;              /* 1: the MoE's active count, 0: its total */
    double mismatch;               /* (dense - target) / target */
} report_model;

typedef struct {
    char dir[RECIPE_PATH_MAX];
    int ok;                        /* corpus.json read */
    char label[RECIPE_LABEL_MAX];  /* the recipes' [run] corpus */
    char source[64], source_sha256[65], tokenizer[128], tokenizer_hash[32], spm_version[64];
    long long files, vocab;
    long long docs[2], tokens[2];  /* train, val */
} report_corpus;

typedef enum { RESULT_MISSING, RESULT_UNREADABLE, RESULT_STALE, RESULT_FRESH } report_result_state;
typedef enum { FIGURE_OK, FIGURE_MISSING, FIGURE_OLDER } report_figure_state;

/* One test of a check, as its result JSON states it. */
typedef struct {
    char gap[PROTOCOL_NAME_MAX], a[PROTOCOL_NAME_MAX], b[PROTOCOL_NAME_MAX];
    const char *what;              /* "best", "slope", "final" */
    int gate;
    char claim[16];                /* "positive", "negative", "none" */
    int n;
    double mean, sd, t, p_greater, p_less; /* t NaN: infinite (no spread) */
    char verdict[16];
    long seeds_needed;             /* INCONCLUSIVE: 0 none within reach; -1 not stated */
    double ci_level, ci_lo, ci_hi; /* the mean's confidence interval */
    double mde;                    /* NaN without a claim */
    int has_paper;
    double paper_mean, paper_sd;
    int paper_n;
} report_test;

typedef struct {
    protocol proto;
    char json_path[REPORT_PATH_MAX];
    report_result_state state;
    char why[REPORT_WHY_MAX];      /* not fresh: why */
    char verdict[16];
    int exit_status;
    report_test tests[REPORT_MAX_TESTS];
    int n_tests;
    int has_curves;                /* the check plotted curves and gaps */
    char figure[REPORT_N_FIGURES][REPORT_PATH_MAX];
    report_figure_state figure_state[REPORT_N_FIGURES];
} report_result;

/* The forest plot the report draws of every claim (report_forest.c), in
 * the paper dir's figures/ folder: forest.tsv (its numbers), forest.gp,
 * forest.pdf and .png, forest.gnuplot.log. */
typedef struct {
    char tsv[REPORT_PATH_MAX], pdf[REPORT_PATH_MAX];
    int n_rows;
    int drawn;                     /* forest.pdf is this report's */
    char why[REPORT_WHY_MAX];      /* not drawn: why */
} report_forest;

struct report {
    char paper_dir[REPORT_DIR_MAX], protocols_dir[REPORT_DIR_MAX], reference_dir[REPORT_DIR_MAX];
    char built[32];                /* when the report was made, UTC */
    reference_set ref;
    reference_setup setup;
    report_result *results;
    int n_results;
    report_model models[REPORT_MAX_MODELS];
    int n_models;
    report_corpus corpora[REPORT_MAX_CORPORA];
    int n_corpora;
    report_forest forest;
    char **issues;
    size_t n_issues;
    /* the tier's variance study, reference/variance-<tier>.tsv */
    enum { VARIANCE_NONE, VARIANCE_BAD, VARIANCE_OK } variance_state;
    char variance_path[REPORT_PATH_MAX];
    char variance_why[REPORT_WHY_MAX];
    variance_table variance;
};

/* report_paths.c: the figures of a check */
extern const char *const report_figure_kinds[REPORT_N_FIGURES]; /* curves, gaps, best */

/* report_issues.c: adds an issue (printf-style); MG_ENOMEM when it cannot. */
int report_issue_add(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_issues_free(report *r);
/* report_paths.c: a path as the report shows it: relative to the paper dir
 * when inside it (a reader gains nothing from where the paper dir happens
 * to lie), else as given. Points into `path`. */
const char *report_rel(const report *r, const char *path);

/* report_runs.c: every model's runs, recipe, counts and match; the corpora. */
int report_runs_load(report *r);
/* report_results.c: a protocol's seeds, those its result JSON says the
 * check was given (else the tier's default for its runs, else none, said
 * as an issue), before the runs are read. */
int report_result_seeds(report *r, report_result *res);
/* report_results.c: each protocol's result JSON, its freshness, its figures. */
int report_result_load(report *r, report_result *res);

/* report_text.c: "best-loss gap", "slope on log(step)", "gap at the end"
 * for a test's `what`; MISSING, UNREADABLE, STALE, FRESH. */
const char *report_test_what_text(const char *what);
const char *report_result_state_word(report_result_state s);

/* report_methods.c: every key in paper_setup.tsv's ours column is one the
 * report knows; MG_EFORMAT naming the file, line and column otherwise. */
int report_setup_validate(const report *r);

/* report_variance.c: the tier's variance study, read at load time (a
 * damaged table is an issue). */
int report_variance_load(report *r);

#endif
