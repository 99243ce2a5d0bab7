/* The readers of the two tables moegap plan writes (runs/plan.h), so that
 * each format has one reader, beside its writer, instead of one per script:
 *
 *   plan.tsv     plan_write_tsv: the run rows, then the check rows;
 *   recipes.tsv  plan_write_recipes: model<TAB>recipe, one row per model.
 *
 * `moegap query` hands their values to the scripts (ci/slurm-*.sh,
 * ci/paper-run.sh, bench/variance_study.sh), runs/progress.c reads
 * recipes.tsv through it.
 *
 * Both are strict, as they are written by a program: the header must be
 * the writer's, every row has its column count and ends in a newline (a
 * file cut short is no plan), every number is a number, every name is
 * given once, a check needs only runs of the plan. Errors name FILE:LINE
 * and the column. */
#ifndef MOEGAP_PLAN_READ_H
#define MOEGAP_PLAN_READ_H

#include "runs/protocol.h"
#include "runs/tier.h"

/* The header lines, the writer's and the readers' alike. */
#define PLAN_TSV_HEADER "kind\tname\tmodel\tseed\trecipe\ttokens\tevals\tcore_hours\tneeds"
#define PLAN_RECIPES_HEADER "model\trecipe"

enum { PLAN_TABLE_MAX_NEEDS = PROTOCOL_MAX_MODELS * PROTOCOL_MAX_SEEDS };

typedef struct {
    char name[PROTOCOL_NAME_MAX + 16]; /* the run folder: <model>-s<seed> */
    char model[PROTOCOL_NAME_MAX];
    int seed;
    char recipe[160];                  /* the derivation: "recipe moe4.ini", "match moe4 total" */
    long tokens, evals;
    double core_hours;                 /* < 0: not known ('-') */
    long line;
} plan_table_run;

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    char protocol[TIER_PATH_MAX];      /* the recipe column of a check row */
    int needs[PLAN_TABLE_MAX_NEEDS];   /* into plan_table.runs */
    int n_needs;
    long line;
} plan_table_check;

typedef struct {
    char path[TIER_PATH_MAX];
    plan_table_run *runs;              /* in the file's order: a Slurm array's task ids */
    int n_runs;
    plan_table_check *checks;
    int n_checks;
} plan_table;

/* Reads plan.tsv at `path`. Free with plan_table_free (also after an error). */
int plan_table_read(plan_table *t, const char *path);
void plan_table_free(plan_table *t);
/* The index of the run or check called `name`; -1 when the plan has none. */
int plan_table_run_index(const plan_table *t, const char *name);
int plan_table_check_index(const plan_table *t, const char *name);

typedef struct {
    char model[PROTOCOL_NAME_MAX];
    char recipe[TIER_PATH_MAX];
    long line;
} recipes_table_row;

typedef struct {
    char path[TIER_PATH_MAX];
    recipes_table_row *rows;
    int n;
} recipes_table;

/* Reads recipes.tsv at `path`. Free with recipes_table_free (also after an error). */
int recipes_table_read(recipes_table *t, const char *path);
void recipes_table_free(recipes_table *t);
/* The row of `model`; -1 when the file names none. */
int recipes_table_index(const recipes_table *t, const char *model);

#endif
