/* moegap: the command-line front of the library. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap <command> [options]\n"
    "\n"
    "commands:\n"
    "  prepare turn a corpus into token files and a tokenizer (SentencePiece)\n"
    "  train   train one model from a recipe and a seed into a run folder\n"
    "  eval    recompute a run folder's validation loss from its checkpoint\n"
    "  synth   write a synthetic token stream (for tests)\n"
    "  params  count a recipe's parameters; match a dense model to an MoE\n"
    "  check   check one of the paper's claims over the runs of several seeds\n"
    "  report  build the PDF report of a paper dir's results (pdflatex)\n"
    "  baseline compare the checks' results with the accepted baseline (nightly)\n"
    "  claims  print the claims' table of a paper dir's results\n"
    "  progress print how far a paper dir's training runs have got, with an ETA\n"
    "  variance split the seed-to-seed variance into its sources (variance study)\n"
    "  tier    print the seeds of a tier (its tier.ini) or of a seed list\n"
    "  recipe  print a recipe resolved, or one of its values (for scripts)\n"
    "  plan    the runs and checks the protocols need at a tier, with their cost\n"
    "  status  where each run of a tier's plan stands: done, running, interrupted\n"
    "  query   a value of a plan.tsv or recipes.tsv (for scripts)\n"
    "\n"
    "'moegap <command> --help' describes each command.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "prepare") == 0)
        return cmd_prepare(argc - 1, argv + 1);
    if (strcmp(argv[1], "train") == 0)
        return cmd_train(argc - 1, argv + 1);
    if (strcmp(argv[1], "eval") == 0)
        return cmd_eval(argc - 1, argv + 1);
    if (strcmp(argv[1], "synth") == 0)
        return cmd_synth(argc - 1, argv + 1);
    if (strcmp(argv[1], "params") == 0)
        return cmd_params(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    if (strcmp(argv[1], "baseline") == 0)
        return cmd_baseline(argc - 1, argv + 1);
    if (strcmp(argv[1], "claims") == 0)
        return cmd_claims(argc - 1, argv + 1);
    if (strcmp(argv[1], "progress") == 0)
        return cmd_progress(argc - 1, argv + 1);
    if (strcmp(argv[1], "variance") == 0)
        return cmd_variance(argc - 1, argv + 1);
    if (strcmp(argv[1], "tier") == 0)
        return cmd_tier(argc - 1, argv + 1);
    if (strcmp(argv[1], "recipe") == 0)
        return cmd_recipe(argc - 1, argv + 1);
    if (strcmp(argv[1], "plan") == 0)
        return cmd_plan(argc - 1, argv + 1);
    if (strcmp(argv[1], "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    if (strcmp(argv[1], "query") == 0)
        return cmd_query(argc - 1, argv + 1);
    fprintf(stderr, "moegap: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
