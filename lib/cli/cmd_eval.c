#include "commands.h"
#include "util/error.h"
#include "train/train.h"

#include <stdio.h>

static const char usage[] =
    "usage: moegap eval --run DIR [--threads N]\n"
    "\n"
    "Recomputes the validation loss (mean cross-entropy over the whole\n"
    "validation stream, nats/token) of the checkpoint in run folder DIR,\n"
    "with the recipe the folder records.\n";

int cmd_eval(int argc, char **argv)
{
    const char *run = NULL;
    unsigned long long threads = 1;
    cli_option opts[] = {
        {"--run", CLI_STRING, &run, 1, 0, 0, 0},
        {"--threads", CLI_U64, &threads, 0, 1, 256, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("eval", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    double loss;
    long step;
    if (train_eval_run(run, (int)threads, &loss, &step) != MG_OK) {
        fprintf(stderr, "moegap eval: %s\n", error_message());
        return 1;
    }
    printf("%s: validation loss %.6f at step %ld\n", run, loss, step);
    return 0;
}
