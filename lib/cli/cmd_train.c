#include "commands.h"
#include "moegap/error.h"
#include "moegap/train.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap train --recipe FILE --seed N --out DIR [--threads N] [--quiet]\n"
    "\n"
    "Trains the model of a recipe (an INI file) from seed N and writes the run\n"
    "folder DIR: recipe.ini, metrics.tsv and, once finished, summary.json.\n"
    "Prints the best validation loss (mean cross-entropy, nats/token).\n"
    "\n"
    "  --recipe FILE   the recipe; its [data] paths are relative to its folder\n"
    "  --seed N        seeds the initial weights and the data order\n"
    "  --out DIR       the run folder, created if missing\n"
    "  --threads N     OpenBLAS threads (default 1)\n"
    "  --quiet         no progress on stderr\n";

int cmd_train(int argc, char **argv)
{
    const char *recipe_path = NULL, *out = NULL;
    unsigned long long seed = 0, threads = 1;
    int have_seed = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--recipe") == 0 && v) {
            recipe_path = argv[++i];
        } else if (strcmp(a, "--out") == 0 && v) {
            out = argv[++i];
        } else if (strcmp(a, "--seed") == 0 && v) {
            if (!cli_parse_u64(a, argv[++i], ~0ULL, &seed))
                return 2;
            have_seed = 1;
        } else if (strcmp(a, "--threads") == 0 && v) {
            if (!cli_parse_u64(a, argv[++i], 256, &threads) || threads == 0) {
                fprintf(stderr, "moegap train: --threads: expected 1..256\n");
                return 2;
            }
        } else {
            fprintf(stderr, "moegap train: unknown or incomplete option '%s'\n\n%s", a, usage);
            return 2;
        }
    }
    if (!recipe_path || !out || !have_seed) {
        fprintf(stderr, "moegap train: --recipe, --seed and --out are required\n\n%s", usage);
        return 2;
    }
    recipe r;
    if (recipe_read(&r, recipe_path)) {
        fprintf(stderr, "moegap train: %s\n", error_message());
        return 1;
    }
    train_options o = {&r, seed, (int)threads, out, !quiet, NULL, NULL};
    train_result res;
    if (train_run(&o, &res)) {
        fprintf(stderr, "moegap train: %s\n", error_message());
        return 1;
    }
    printf("%s: best validation loss %.4f at step %ld (final %.4f), %zu parameters, %.1f s\n",
           out, res.best_val, res.best_step, res.final_val, res.n_params, res.wall_s);
    return 0;
}
