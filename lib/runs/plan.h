/* The plan of a tier: every training run and every check the protocol
 * files need, computed from them and the tier's tier.ini and written down
 * nowhere else.
 *
 *   models  the union of the protocols' [runs] models, each a model of the
 *           tier (its recipe, or the solver's dense match to a recipe), in
 *           the tier's order;
 *   runs    every model x seed, shared by all the checks that compare it;
 *   checks  one per protocol file, needing every run of its models.
 *
 * Each run's cost is estimated from the measured speeds of
 * reference/speed.tsv: its training tokens at train_tokens_per_s, plus
 * each evaluation's validation tokens at eval_tokens_per_s, times the
 * measurement's threads, in core-hours. A model with no measurement is
 * scaled from a measured model of the same tier by FLOPs per token
 * (6 x active parameters + 12 x layers x context x d_model, the attention
 * products), and marked estimated. The validation tokens are counted from
 * the recipe's val file; when it is not there yet (no data prepared), the
 * evaluations are left out of the cost and the plan says so. */
#ifndef MOEGAP_PLAN_H
#define MOEGAP_PLAN_H

#include "runs/protocol.h"
#include "train/recipe.h"
#include "runs/tier.h"

#include <stdio.h>

enum { PLAN_MAX_PROTOCOLS = 64 };

typedef enum { PLAN_SPEED_MEASURED, PLAN_SPEED_SCALED, PLAN_SPEED_NONE } plan_speed_kind;

typedef struct {
    int tier_index;                 /* into plan.tier.models */
    recipe recipe;                  /* the tier's recipe, or its dense match */
    char derivation[160];           /* "recipe moe4.ini" or "match moe4 total" */
    size_t params_total, params_active;
    long tokens;                    /* training tokens of one run */
    long evals;                     /* evaluations of one run */
    long val_tokens;                /* tokens of the val file; -1 not there */
    double train_tokens_per_s, eval_tokens_per_s;
    int threads;                    /* of the speed measurement */
    plan_speed_kind speed;
    char speed_from[PROTOCOL_NAME_MAX]; /* SCALED: the measured model */
    double run_core_hours;          /* one run's estimate; < 0 when no speed is known */
} plan_model;

typedef struct {
    int model;                      /* into plan.models */
    int seed;
    char name[PROTOCOL_NAME_MAX + 16]; /* the run folder: <model>-s<seed> */
} plan_run;

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    char path[PROTOCOL_PATH_MAX];
    int models[PROTOCOL_MAX_MODELS]; /* into plan.models */
    int n_models;
} plan_check;

typedef struct plan {
    char tier_name[TIER_NAME_MAX];
    char tier_dir[TIER_PATH_MAX];
    tier_info tier;
    int seeds[PROTOCOL_MAX_SEEDS];
    int n_seeds;
    plan_model *models;
    int n_models;
    plan_run *runs;
    int n_runs;
    plan_check *checks;
    int n_checks;
    double core_hours;              /* all runs; < 0 when a model has no speed */
    int evals_costed;               /* 0: some val file was missing */
} plan;

/* Builds the plan of PROTOCOLS_DIR's protocol files at the tier TIER
 * (PROTOCOLS_DIR/tiers/TIER), over `seeds` (NULL: the tier's), with the
 * speeds of REFERENCE_DIR/speed.tsv. Errors name the file and the model. */
int plan_build(plan *pl, const char *protocols_dir, const char *tier, const int *seeds,
               int n_seeds, const char *reference_dir);
void plan_free(plan *pl);

/* The runs a check needs: every seed of each of its models, as indexes into
 * pl->runs, into out[PROTOCOL_MAX_MODELS * PROTOCOL_MAX_SEEDS]. */
int plan_check_runs(const plan *pl, int check, int *out);

/* Where a planned run stands in a runs folder (RUNS_DIR/<model>-s<seed>/):
 * done (summary.json written), running (a live trainer of this machine
 * holds its lock), interrupted (a checkpoint to resume from, no trainer
 * here: killed, preempted, or training on another node), started (a run
 * folder without a checkpoint yet) or missing. `step`: the last step its
 * metrics.tsv records. Whether a done run's inputs are still the plan's is
 * its executor's to judge (ci/paper-run.sh's input stamp). */
typedef enum {
    PLAN_RUN_MISSING, PLAN_RUN_STARTED, PLAN_RUN_INTERRUPTED, PLAN_RUN_RUNNING, PLAN_RUN_DONE,
    PLAN_N_STATES
} plan_run_state;

typedef struct {
    plan_run_state state;
    long step;
    long pid;   /* RUNNING: the trainer's */
} plan_run_status;

int plan_run_status_read(const plan *pl, int run, const char *runs_dir, plan_run_status *st);
const char *plan_run_state_name(plan_run_state s);

/* The plan as a table of runs and checks, tab-separated, one row each:
 *   kind  name  model  seed  recipe  tokens  evals  core_hours  needs
 * (run rows: the run folder, its model, seed, derivation, tokens,
 * evaluations and estimated core-hours; check rows: the protocol file and
 * the runs it needs, comma-separated). Read back by plan_table_read
 * (runs/plan_read.h), the one reader of the format. */
int plan_write_tsv(const plan *pl, FILE *f);
/* The same as a JSON document at `path`, written atomically. */
int plan_write_json(const plan *pl, const char *path);
/* Each model's recipe as DIR/<model>.ini (the resolved recipe: absolute
 * data paths; a match's as moegap params --match writes its values), and
 * DIR/recipes.tsv naming them (model<TAB>recipe), each file atomically;
 * DIR is made when missing. The recipes the executors train from; read
 * back by recipes_table_read (runs/plan_read.h). */
int plan_write_recipes(const plan *pl, const char *dir);
/* The wall time in hours of every run on `cores` cores at one run per
 * core (each at its measured threads' speed): runs packed longest first
 * onto the least-loaded core. < 0 when a run has no speed. */
double plan_wall_hours(const plan *pl, int cores);
/* What a person reads: the models, their counts, speeds and costs, the
 * checks, and the totals. */
void plan_print(const plan *pl, FILE *f);

#endif
