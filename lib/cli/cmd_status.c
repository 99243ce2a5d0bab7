#include "commands.h"
#include "util/error.h"
#include "runs/plan.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap status --tier TIER --runs DIR [--seeds LIST] [--protocols DIR]\n"
    "                     [--reference DIR]\n"
    "\n"
    "Where each run of the tier's plan (moegap plan) stands in the runs folder\n"
    "DIR (DIR/<model>-s<seed>/), whichever executor trains it (CTest or Slurm):\n"
    "  done         summary.json written\n"
    "  running      a live trainer of this machine holds the folder's lock\n"
    "  interrupted  a checkpoint to resume from and no trainer here (killed,\n"
    "               preempted, or training on another node)\n"
    "  started      a run folder without a checkpoint yet\n"
    "  missing      no run folder\n"
    "with the last step each metrics.tsv records, then the count of each state.\n"
    "\n"
    "  --tier TIER       the tier whose plan it is\n"
    "  --runs DIR        the runs folder (a paper dir's runs/)\n"
    "  --seeds LIST      N or a comma list (default: the tier's)\n"
    "  --protocols DIR   the protocol files (default: the source tree's)\n"
    "  --reference DIR   the folder of speed.tsv (default: the source tree's)\n"
    "\n"
    "Exit status: 0 every run done; 3 some run not done; 1 a file could not be\n"
    "read; 2 misuse.\n";

enum { EXIT_NOT_DONE = 3 };

int cmd_status(int argc, char **argv)
{
    const char *tier = NULL, *runs = NULL, *seed_list = NULL,
               *protocols = MOEGAP_SOURCE_DIR "/protocols",
               *reference = MOEGAP_SOURCE_DIR "/reference";
    cli_option opts[] = {
        {"--tier", CLI_STRING, &tier, 1, 0, 0, 0},
        {"--runs", CLI_STRING, &runs, 1, 0, 0, 0},
        {"--seeds", CLI_STRING, &seed_list, 0, 0, 0, 0},
        {"--protocols", CLI_STRING, &protocols, 0, 0, 0, 0},
        {"--reference", CLI_STRING, &reference, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("status", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    plan pl;
    if ((rc = cli_plan_build("status", &pl, tier, seed_list, protocols, reference)))
        return rc;
    int count[PLAN_N_STATES] = {0};
    printf("%-22s %-12s %s\n", "run", "state", "step");
    for (int i = 0; i < pl.n_runs && !rc; i++) {
        plan_run_status st;
        if (plan_run_status_read(&pl, i, runs, &st)) {
            fprintf(stderr, "moegap status: %s\n", error_message());
            rc = 1;
            break;
        }
        count[st.state]++;
        long steps = pl.models[pl.runs[i].model].recipe.steps;
        printf("%-22s %-12s %ld of %ld", pl.runs[i].name, plan_run_state_name(st.state), st.step,
               steps);
        if (st.pid)
            printf(" (pid %ld)", st.pid);
        printf("\n");
    }
    if (!rc) {
        printf("\n%d runs:", pl.n_runs);
        for (int s = PLAN_N_STATES - 1; s >= 0; s--)
            printf(" %d %s%s", count[s], plan_run_state_name((plan_run_state)s), s ? "," : "\n");
        rc = count[PLAN_RUN_DONE] == pl.n_runs ? 0 : EXIT_NOT_DONE;
    }
    plan_free(&pl);
    return rc;
}
