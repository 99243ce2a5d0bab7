#include "commands.h"
#include "baseline/baseline.h"
#include "util/error.h"
#include "util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: moegap baseline --results DIR --runs DIR --baseline FILE... [--accept]\n"
    "                       [--protocols DIR]\n"
    "\n"
    "The nightly regression (ci/nightly). Compares the checks' results\n"
    "(DIR/<protocol>.json from moegap check, one per protocols/*.ini) with the\n"
    "accepted baseline FILE, and prints a line per verdict, gap and model:\n"
    "old -> new -> change, the tolerance, ok or REGRESSION. It fails when a\n"
    "verdict changes, a gap's or a model's mean moves by more than the\n"
    "tolerance FILE states, or a protocol, gap or model is on one side only.\n"
    "Runs are deterministic: at the baseline's own clean commit, on the same\n"
    "kind of machine (OpenBLAS core type, OPENBLAS_CORETYPE, thread count, from\n"
    "the runs' provenance.json), every per-seed value must be reproduced\n"
    "exactly; otherwise the comparison is within tolerance, and says why.\n"
    "\n"
    "  --results DIR     the checks' result files\n"
    "  --runs DIR        the run folders behind them (recipe.ini, provenance.json)\n"
    "  --baseline FILE   the accepted baseline, e.g. reference/baseline-ci.json.\n"
    "                    May repeat, one baseline per kernel set: the results are\n"
    "                    compared with the first whose OpenBLAS core type computes\n"
    "                    as the runs' does (Zen as Haswell; rounding alone moves\n"
    "                    MoE results and can change a verdict), else with the\n"
    "                    first FILE, within tolerance\n"
    "  --accept          write FILE from the current results instead (atomically),\n"
    "                    recording the runs' commit and machine and keeping the\n"
    "                    tolerances FILE states, if it exists; refused while a\n"
    "                    result is missing\n"
    "  --protocols DIR   the protocols whose results are expected\n"
    "                    (default: FILE's folder/../protocols)\n"
    "\n"
    "Exit status: 0 ok (or accepted); 1 a regression, or a value not reproduced\n"
    "exactly where it must be; 2 misuse, or a file missing or malformed.\n";

static int accept(baseline *now, baseline *old, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        /* the tolerances were fixed before any result: a new baseline keeps them */
        if (baseline_read(old, path)) {
            fprintf(stderr, "moegap baseline: %s (fix or remove it to accept)\n",
                    error_message());
            return 2;
        }
        now->gap_tolerance = old->gap_tolerance;
        now->loss_tolerance = old->loss_tolerance;
        memcpy(now->tolerance_reason, old->tolerance_reason, sizeof now->tolerance_reason);
    }
    if (baseline_write(now, path)) {
        fprintf(stderr, "moegap baseline: %s\n", error_message());
        return 2;
    }
    printf("accepted: wrote %s\n", path);
    baseline_print(now, stdout);
    if (now->dirty || !now->commit[0])
        printf("note: the runs come from %s, so no later run can be held to exact "
               "reproduction of this baseline\n",
               now->commit[0] ? "a changed tree (or not a git tree)" : "several commits");
    return 0;
}

/* Compares now with the baseline of the runs' kernel set (baseline_choose). */
static int compare(const baseline *now, baseline *old, const char **paths, int n_paths)
{
    const char *path = NULL;
    if (baseline_choose(now, old, paths, n_paths, &path)) {
        struct stat st;
        int absent = path && stat(path, &st) != 0;
        fprintf(stderr, "moegap baseline: %s%s\n", error_message(),
                absent ? " (no baseline yet: accept one with ci/nightly --accept)" : "");
        return 2;
    }
    if (n_paths > 1)
        printf("baseline: %s (OpenBLAS core %s; the runs': %s)\n", path, old->machine.core,
               now->machine.core[0] ? now->machine.core : "none read");
    if (now->tier[0] && strcmp(now->tier, old->tier) != 0) {
        fprintf(stderr, "moegap baseline: %s: tier: '%s', but the results are of tier '%s'\n",
                path, old->tier, now->tier);
        return 2;
    }
    return baseline_compare(old, now, stdout) ? 1 : 0;
}

int cmd_baseline(int argc, char **argv)
{
    const char *results = NULL, *runs = NULL, *protocols = NULL, *paths[8];
    int do_accept = 0, n_paths = 0, n_rest = 0;
    cli_option opts[] = {
        {"--results", CLI_STRING, &results, 1, 0, 0, 0},
        {"--runs", CLI_STRING, &runs, 1, 0, 0, 0},
        {"--accept", CLI_FLAG, &do_accept, 0, 0, 0, 0},
        {"--protocols", CLI_STRING, &protocols, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    char **rest = malloc(sizeof(char *) * ((size_t)argc + 1));
    if (!rest) {
        fprintf(stderr, "moegap baseline: out of memory\n");
        return 2;
    }
    int rc = cli_take_repeated("baseline", usage, "--baseline", argc, argv, paths, 8, &n_paths,
                               rest, &n_rest);
    if (rc == CLI_OK)
        rc = cli_parse("baseline", usage, n_rest, rest, opts);
    free(rest);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    if (n_paths == 0 || (do_accept && n_paths > 1)) {
        fprintf(stderr, "moegap baseline: %s\n\n%s",
                n_paths ? "--accept writes one --baseline FILE" : "--baseline is required",
                usage);
        return CLI_ERROR;
    }
    const char *path = paths[0];
    char protocols_buf[FS_PATH_BUF];
    if (!protocols) {
        if (cli_sibling_path(protocols_buf, sizeof protocols_buf, path, "../protocols")) {
            fprintf(stderr, "moegap baseline: %s\n", error_message());
            return 2;
        }
        protocols = protocols_buf;
    }

    baseline *now = malloc(sizeof *now), *old = malloc(sizeof *old);
    int status = 2;
    if (!now || !old)
        fprintf(stderr, "moegap baseline: out of memory\n");
    else if (baseline_collect(now, results, runs, protocols))
        fprintf(stderr, "moegap baseline: %s\n", error_message());
    else
        status = do_accept ? accept(now, old, path) : compare(now, old, paths, n_paths);
    free(now);
    free(old);
    return status;
}
