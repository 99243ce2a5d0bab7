#include "commands.h"
#include "util/error.h"
#include "util/fileio.h"
#include "runs/plan.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap plan --tier TIER [--seeds LIST] [--protocols DIR] [--reference DIR]\n"
    "                   [--tsv FILE] [--json FILE] [--write-recipes DIR] [--quiet]\n"
    "\n"
    "Computes the experiment from the protocol files and the tier: the models\n"
    "the protocols' [runs] name (each a model of protocols/tiers/TIER/tier.ini:\n"
    "a recipe, or the solver's dense match to one), every model x seed run, and\n"
    "every check with the runs it needs. Prints it with each model's parameter\n"
    "counts, tokens, evaluations and estimated core-hours per run (from the\n"
    "measured speeds of reference/speed.tsv; a model not measured is scaled by\n"
    "FLOPs per token from one that was, and said so), and the total.\n"
    "\n"
    "  --tier TIER       smoke, ci, paper, or any folder of DIR/tiers\n"
    "  --seeds LIST      N (the seeds 1..N) or a comma list (default: the tier's)\n"
    "  --protocols DIR   the protocol files (default: the source tree's)\n"
    "  --reference DIR   the folder of speed.tsv (default: the source tree's)\n"
    "  --tsv FILE        write the plan as a table, one row per run and per check\n"
    "                    (kind name model seed recipe tokens evals core_hours\n"
    "                    needs), atomically; '-' for stdout\n"
    "  --json FILE       write it as JSON, atomically\n"
    "  --write-recipes DIR  write each model's recipe, DIR/<model>.ini (a match's\n"
    "                    solved by the width solver), and DIR/recipes.tsv naming\n"
    "                    them: what the executors train from\n"
    "  --quiet           print nothing but errors\n"
    "\n"
    "Exit status: 0 planned; 1 a protocol, tier or speed file is wrong (the error\n"
    "names the file and the field); 2 misuse.\n";

static int write_tsv(const plan *pl, const char *path)
{
    if (strcmp(path, "-") == 0)
        return plan_write_tsv(pl, stdout);
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, path);
    if (rc)
        return rc;
    if ((rc = plan_write_tsv(pl, af.f))) {
        fileio_atomic_abort(&af);
        return rc;
    }
    return fileio_atomic_commit(&af);
}

int cli_plan_build(const char *cmd, plan *pl, const char *tier, const char *seed_list,
                   const char *protocols, const char *reference)
{
    int seeds[PROTOCOL_MAX_SEEDS], n_seeds = 0;
    char why[600];
    if (seed_list && !tier_seeds_parse(seed_list, seeds, &n_seeds, why, sizeof why)) {
        fprintf(stderr, "moegap %s: --seeds: %s\n", cmd, why);
        return CLI_ERROR;
    }
    if (plan_build(pl, protocols, tier, seed_list ? seeds : NULL, n_seeds, reference)) {
        fprintf(stderr, "moegap %s: %s\n", cmd, error_message());
        return 1;
    }
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    const char *tier = NULL, *seed_list = NULL, *protocols = MOEGAP_SOURCE_DIR "/protocols",
               *reference = MOEGAP_SOURCE_DIR "/reference", *tsv = NULL, *json = NULL, *recipes = NULL;
    int quiet = 0;
    cli_option opts[] = {
        {"--tier", CLI_STRING, &tier, 1, 0, 0, 0},
        {"--seeds", CLI_STRING, &seed_list, 0, 0, 0, 0},
        {"--protocols", CLI_STRING, &protocols, 0, 0, 0, 0},
        {"--reference", CLI_STRING, &reference, 0, 0, 0, 0},
        {"--tsv", CLI_STRING, &tsv, 0, 0, 0, 0},
        {"--json", CLI_STRING, &json, 0, 0, 0, 0},
        {"--write-recipes", CLI_STRING, &recipes, 0, 0, 0, 0},
        {"--quiet", CLI_FLAG, &quiet, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("plan", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    plan pl;
    if ((rc = cli_plan_build("plan", &pl, tier, seed_list, protocols, reference)))
        return rc;
    if (tsv && write_tsv(&pl, tsv))
        rc = 1;
    if (!rc && json && plan_write_json(&pl, json))
        rc = 1;
    if (!rc && recipes && plan_write_recipes(&pl, recipes))
        rc = 1;
    if (rc)
        fprintf(stderr, "moegap plan: %s\n", error_message());
    else if (!quiet && !(tsv && strcmp(tsv, "-") == 0))
        plan_print(&pl, stdout);
    plan_free(&pl);
    return rc;
}
