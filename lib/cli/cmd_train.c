#include "commands.h"
#include "util/error.h"
#include "train/train.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap train --recipe FILE --seed N --out DIR [--resume | --force] [--threads N]\n"
    "                    [--init-seed N] [--data-seed N] [--quiet]\n"
    "\n"
    "Trains the model of a recipe (an INI file) from seed N and writes the run\n"
    "folder DIR: recipe.ini, provenance.json, metrics.tsv, checkpoint.bin\n"
    "(at every evaluation) and, once finished, summary.json. SIGINT or SIGTERM\n"
    "saves a checkpoint and stops; --resume then goes on bit for bit. One\n"
    "process at a time trains into DIR (it holds DIR/.lock); a second is refused\n"
    "with the first one's pid.\n"
    "Prints the best validation loss (mean cross-entropy, nats/token).\n"
    "\n"
    "  --recipe FILE   the recipe; its [data] paths are relative to its folder\n"
    "  --seed N        seeds the initial weights and the data order\n"
    "  --init-seed N   seeds the initial weights instead (default: --seed)\n"
    "  --data-seed N   seeds the order of the training windows instead (default:\n"
    "                  --seed); the two set apart tell their shares of the\n"
    "                  seed-to-seed spread apart (bench/variance_study.sh)\n"
    "  --out DIR       the run folder, created if missing\n"
    "  --resume        go on from DIR/checkpoint.bin (same recipe, seed and\n"
    "                  thread count); without one, start afresh\n"
    "  --force         start afresh even when DIR holds a finished or interrupted\n"
    "                  run, discarding it (without --resume or --force such a\n"
    "                  folder is refused; one with only other files is not a run)\n"
    "  --threads N     threads of the run (default 1): OpenBLAS's, and as many\n"
    "                  of the layers' own for the work around it\n"
    "  --quiet         no progress on stderr\n";

int cmd_train(int argc, char **argv)
{
    const char *recipe_path = NULL, *out = NULL;
    unsigned long long seed = 0, threads = 1, init_seed = 0, data_seed = 0;
    int quiet = 0, resume = 0, force = 0;
    cli_option opts[] = {
        {"--recipe", CLI_STRING, &recipe_path, 1, 0, 0, 0},
        {"--seed", CLI_U64, &seed, 1, 0, ~0ULL, 0},
        {"--out", CLI_STRING, &out, 1, 0, 0, 0},
        {"--threads", CLI_U64, &threads, 0, 1, 256, 0},
        {"--init-seed", CLI_U64, &init_seed, 0, 0, ~0ULL >> 1, 0},
        {"--data-seed", CLI_U64, &data_seed, 0, 0, ~0ULL >> 1, 0},
        {"--quiet", CLI_FLAG, &quiet, 0, 0, 0, 0},
        {"--resume", CLI_FLAG, &resume, 0, 0, 0, 0},
        {"--force", CLI_FLAG, &force, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("train", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    recipe r;
    if (recipe_read(&r, recipe_path) || recipe_require_data(&r, recipe_path)) {
        fprintf(stderr, "moegap train: %s\n", error_message());
        return 1;
    }
    if (resume && force) {
        fprintf(stderr, "moegap train: --resume and --force: choose one (go on with the run in "
                "%s, or discard it)\n", out);
        return CLI_ERROR;
    }
    uint64_t init = init_seed, data = data_seed;
    train_options o = {&r, seed, (int)threads, out, !quiet, resume, NULL, NULL, force,
                       opts[4].given ? &init : NULL, opts[5].given ? &data : NULL};
    train_result res;
    if ((rc = train_run(&o, &res)) != MG_OK) {
        fprintf(stderr, "moegap train: %s\n", error_message());
        return rc == MG_EINTR ? 130 : 1;
    }
    if (res.resumed_from > 0)
        fprintf(stderr, "moegap train: resumed from step %ld\n", res.resumed_from);
    printf("%s: best validation loss %.4f at step %ld (final %.4f), %zu parameters, %.1f s\n",
           out, res.best_val, res.best_step, res.final_val, res.n_params, res.wall_s);
    return 0;
}
