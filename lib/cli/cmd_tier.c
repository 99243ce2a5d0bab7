#include "commands.h"
#include "util/error.h"
#include "runs/tier.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap tier --dir DIR\n"
    "       moegap tier --seeds LIST\n"
    "\n"
    "Prints the seeds a tier's runs and checks use, as one line\n"
    "'seeds 1,2,3': those of DIR/tier.ini (DIR a tier folder,\n"
    "protocols/tiers/<tier>/), or those a seed list stands for (N: the seeds\n"
    "1..N; or a comma list).\n"
    "\n"
    "  --dir DIR      a tier folder; its tier.ini is read strictly (errors\n"
    "                 name the file, the line and the key)\n"
    "  --seeds LIST   a seed list, checked as moegap check --seeds checks it\n"
    "\n"
    "Exit status: 0 printed; 1 a bad tier.ini or list; 2 misuse.\n";

int cmd_tier(int argc, char **argv)
{
    const char *dir = NULL, *list = NULL;
    cli_option opts[] = {
        {"--dir", CLI_STRING, &dir, 0, 0, 0, 0},
        {"--seeds", CLI_STRING, &list, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("tier", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    if (!dir == !list) {
        fprintf(stderr, "moegap tier: give one of --dir and --seeds\n\n%s", usage);
        return CLI_ERROR;
    }
    tier_info t;
    memset(&t, 0, sizeof t);
    char why[600];
    if (dir && tier_read(&t, dir)) {
        fprintf(stderr, "moegap tier: %s\n", error_message());
        return 1;
    }
    if (list && !tier_seeds_parse(list, t.seeds, &t.n_seeds, why, sizeof why)) {
        fprintf(stderr, "moegap tier: --seeds: %s\n", why);
        return 1;
    }
    char text[PROTOCOL_MAX_SEEDS * 8];
    tier_seeds_text(text, sizeof text, t.seeds, t.n_seeds);
    printf("seeds %s\n", text);
    return 0;
}
