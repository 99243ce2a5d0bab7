/* moegap query: a value of plan.tsv or recipes.tsv, read by the library's
 * one reader of each (runs/plan_read.h), for scripts, so that no script
 * parses either table itself. */
#include "commands.h"
#include "util/error.h"
#include "runs/plan_read.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap query --plan FILE (--runs | --checks) [--get FIELD]\n"
    "       moegap query --plan FILE (--run NAME | --run-index I | --check NAME) [--get FIELD]\n"
    "       moegap query --recipes FILE --recipe-of MODEL\n"
    "\n"
    "Prints values of a plan (plan.tsv, moegap plan --tsv) or of a recipes.tsv\n"
    "(moegap plan --write-recipes), one a line, for scripts. Both are read\n"
    "strictly: a wrong header, column count or number, a name given twice, a\n"
    "check needing a run the plan lacks, is an error naming FILE:LINE and the\n"
    "column, whatever is asked.\n"
    "\n"
    "  --plan FILE       the plan's table\n"
    "  --runs            FIELD of every run, in the plan's order\n"
    "  --checks          FIELD of every check, in the plan's order\n"
    "  --run NAME        FIELD of the run NAME (<model>-s<seed>)\n"
    "  --run-index I     FIELD of the plan's run I, from 0 (a Slurm array task)\n"
    "  --check NAME      FIELD of the check NAME\n"
    "  --get FIELD       of a run: name, model, seed, recipe (how the model is\n"
    "                    derived), tokens, evals, core_hours ('-': no speed known);\n"
    "                    of a check: name, protocol (its file), needs (its runs,\n"
    "                    comma-separated). Default: name\n"
    "  --recipes FILE    a recipes.tsv\n"
    "  --recipe-of MODEL the recipe file recipes.tsv names for MODEL\n"
    "\n"
    "Exit status: 0 printed; 1 a malformed file, or no such run, check or model\n"
    "in it; 2 misuse.\n";

typedef enum { F_NAME, F_MODEL, F_SEED, F_RECIPE, F_TOKENS, F_EVALS, F_HOURS, F_PROTOCOL,
               F_NEEDS, N_FIELDS } field;
static const char *const field_names[N_FIELDS] = {"name",   "model",      "seed",
                                                  "recipe", "tokens",     "evals",
                                                  "core_hours", "protocol", "needs"};

static void print_run(const plan_table_run *r, field f)
{
    switch (f) {
    case F_NAME: printf("%s\n", r->name); break;
    case F_MODEL: printf("%s\n", r->model); break;
    case F_SEED: printf("%d\n", r->seed); break;
    case F_RECIPE: printf("%s\n", r->recipe); break;
    case F_TOKENS: printf("%ld\n", r->tokens); break;
    case F_EVALS: printf("%ld\n", r->evals); break;
    /* as plan_write_tsv writes it */
    case F_HOURS: r->core_hours < 0 ? printf("-\n") : printf("%.4f\n", r->core_hours); break;
    default: break;
    }
}

static void print_check(const plan_table *t, const plan_table_check *c, field f)
{
    if (f == F_NAME)
        printf("%s\n", c->name);
    else if (f == F_PROTOCOL)
        printf("%s\n", c->protocol);
    else {
        for (int i = 0; i < c->n_needs; i++)
            printf("%s%s", i ? "," : "", t->runs[c->needs[i]].name);
        printf("\n");
    }
}

static int query_recipes(const char *path, const char *model)
{
    recipes_table t;
    int rc = recipes_table_read(&t, path);
    if (rc) {
        fprintf(stderr, "moegap query: %s\n", error_message());
        recipes_table_free(&t);
        return 1;
    }
    int at = recipes_table_index(&t, model);
    if (at >= 0) {
        printf("%s\n", t.rows[at].recipe);
    } else {
        fprintf(stderr, "moegap query: %s: no model '%s' (it names", path, model);
        for (int i = 0; i < t.n; i++)
            fprintf(stderr, "%s %s", i ? "," : "", t.rows[i].model);
        fprintf(stderr, "%s)\n", t.n ? "" : " none");
    }
    recipes_table_free(&t);
    return at >= 0 ? 0 : 1;
}

int cmd_query(int argc, char **argv)
{
    const char *plan_path = NULL, *recipes = NULL, *run = NULL, *check = NULL, *get = "name",
               *recipe_of = NULL;
    int all_runs = 0, all_checks = 0;
    unsigned long long run_index = 0;
    cli_option opts[] = {
        {"--plan", CLI_STRING, &plan_path, 0, 0, 0, 0},
        {"--runs", CLI_FLAG, &all_runs, 0, 0, 0, 0},
        {"--checks", CLI_FLAG, &all_checks, 0, 0, 0, 0},
        {"--run", CLI_STRING, &run, 0, 0, 0, 0},
        {"--run-index", CLI_U64, &run_index, 0, 0, 1u << 30, 0},
        {"--check", CLI_STRING, &check, 0, 0, 0, 0},
        {"--get", CLI_STRING, &get, 0, 0, 0, 0},
        {"--recipes", CLI_STRING, &recipes, 0, 0, 0, 0},
        {"--recipe-of", CLI_STRING, &recipe_of, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    /* indexes into opts, for .given: a number or a default cannot tell "not given" */
    enum { O_PLAN, O_RUNS, O_CHECKS, O_RUN, O_RUN_INDEX, O_CHECK, O_GET, O_RECIPES, O_RECIPE_OF };
    int rc = cli_parse("query", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;

    /* one file, and of a plan one question: a script asks for one thing and
     * gets exactly it, never a guess at which of two it meant */
    if (!!plan_path + !!recipes != 1) {
        fprintf(stderr, "moegap query: give --plan FILE or --recipes FILE (one)\n\n%s", usage);
        return CLI_ERROR;
    }
    if (recipes) {
        if (!recipe_of || all_runs || all_checks || run || opts[O_RUN_INDEX].given || check ||
            opts[O_GET].given) {
            fprintf(stderr, "moegap query: --recipes takes --recipe-of MODEL, and nothing "
                    "else\n\n%s", usage);
            return CLI_ERROR;
        }
        return query_recipes(recipes, recipe_of);
    }
    int n_sel = all_runs + all_checks + !!run + opts[O_RUN_INDEX].given + !!check;
    if (n_sel != 1 || recipe_of) {
        fprintf(stderr, "moegap query: --plan takes one of --runs, --checks, --run, "
                "--run-index, --check%s\n\n%s", recipe_of ? " (--recipe-of is for --recipes)" : "",
                usage);
        return CLI_ERROR;
    }
    field f = N_FIELDS;
    for (int i = 0; i < N_FIELDS; i++)
        if (strcmp(get, field_names[i]) == 0)
            f = (field)i;
    int of_check = all_checks || check;
    if (f == N_FIELDS || (of_check && f != F_NAME && f != F_PROTOCOL && f != F_NEEDS) ||
        (!of_check && (f == F_PROTOCOL || f == F_NEEDS))) {
        fprintf(stderr, "moegap query: --get '%s': not a field of a %s (%s)\n", get,
                of_check ? "check" : "run",
                of_check ? "name, protocol, needs"
                         : "name, model, seed, recipe, tokens, evals, core_hours");
        return CLI_ERROR;
    }

    plan_table t;
    if (plan_table_read(&t, plan_path)) {
        fprintf(stderr, "moegap query: %s\n", error_message());
        plan_table_free(&t);
        return 1;
    }
    int at = 0;
    if (all_runs) {
        for (int i = 0; i < t.n_runs; i++)
            print_run(&t.runs[i], f);
    } else if (all_checks) {
        for (int i = 0; i < t.n_checks; i++)
            print_check(&t, &t.checks[i], f);
    } else if (check) {
        if ((at = plan_table_check_index(&t, check)) >= 0)
            print_check(&t, &t.checks[at], f);
        else
            fprintf(stderr, "moegap query: %s: no check '%s' (--checks lists its %d)\n",
                    plan_path, check, t.n_checks);
    } else {
        at = run ? plan_table_run_index(&t, run)
                 : run_index < (unsigned long long)t.n_runs ? (int)run_index : -1;
        if (at >= 0)
            print_run(&t.runs[at], f);
        else if (run)
            fprintf(stderr, "moegap query: %s: no run '%s' (--runs lists its %d)\n", plan_path,
                    run, t.n_runs);
        else
            fprintf(stderr, "moegap query: %s: no run %llu (it has %d, from 0)\n", plan_path,
                    run_index, t.n_runs);
    }
    rc = at < 0;
    plan_table_free(&t);
    if (!rc && (fflush(stdout) || ferror(stdout))) {
        fprintf(stderr, "moegap query: writing the answer: write error\n");
        rc = 1;
    }
    return rc;
}
