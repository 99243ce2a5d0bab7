#include "commands.h"
#include "util/error.h"
#include "report/report.h"

#include <stdio.h>

static const char usage[] =
    "usage: moegap claims --paper-dir DIR [--protocols DIR] [--reference DIR]\n"
    "\n"
    "Prints the claims' table of a paper dir: for every protocol's result\n"
    "(DIR/results/<claim>.json, moegap check) one row per test that states a\n"
    "claim: the paper's mean +- std, ours (the mean of the seed-paired gap with\n"
    "its confidence interval), the one-sided p toward the claimed sign, and the\n"
    "verdict; a claim with several tests also gets the claim's verdict. The\n"
    "numbers are those the PDF report shows (moegap report reads them the same\n"
    "way). A result that is missing, unreadable or stale (its runs changed\n"
    "since the check) is said in its row.\n"
    "\n"
    CLI_PAPER_INPUTS_HELP
    "\n"
    "Exit status: 0 every claim has a fresh result, whatever its verdict; 1 a\n"
    "result is missing, unreadable or stale (the table is printed all the\n"
    "same), or the paper dir cannot be read; 2 misuse.\n";

int cmd_claims(int argc, char **argv)
{
    const char *paper_dir = NULL, *protocols = MOEGAP_SOURCE_DIR "/protocols",
               *reference = MOEGAP_SOURCE_DIR "/reference";
    cli_option opts[] = {
        {"--paper-dir", CLI_STRING, &paper_dir, 1, 0, 0, 0},
        {"--protocols", CLI_STRING, &protocols, 0, 0, 0, 0},
        {"--reference", CLI_STRING, &reference, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("claims", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;

    report_options o = {paper_dir, protocols, reference};
    report *r = NULL;
    if (report_load(&r, &o) != MG_OK) {
        fprintf(stderr, "moegap claims: %s\n", error_message());
        return 1;
    }
    int problems = report_claims_text(r, stdout);
    report_free(r);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "moegap claims: cannot write the table\n");
        return 1;
    }
    return problems ? 1 : 0;
}
