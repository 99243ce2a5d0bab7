#include "commands.h"
#include "claims/check.h"
#include "claims/check_report.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "runs/protocol.h"
#include "runs/reference.h"
#include "runs/tier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: moegap check --protocol FILE --runs DIR [--seeds LIST | --tier DIR]\n"
    "                    [--reference DIR] [--out DIR] [--no-figures]\n"
    "\n"
    "Checks one claim of the paper over seeds: reads the protocol (one INI file\n"
    "per claim, protocols/<claim>.ini), the finished run folders it names\n"
    "(DIR/<model>-s<seed>), and the paper's numbers; pairs every gap by seed,\n"
    "g_s = L(A, seed s) - L(B, seed s), and tests it one-sided:\n"
    "  PASS          the claim's sign, p < alpha\n"
    "  CONTRADICTED  the opposite sign, p < alpha\n"
    "  INCONCLUSIVE  neither (with the seeds the observed effect would need)\n"
    "Writes OUT/<claim>.txt and .json, the plotted numbers (TSV), a gnuplot\n"
    "script and, with gnuplot on PATH, PDF and PNG figures, then prints the\n"
    "report. The files replace the old ones together once all are complete: a\n"
    "file that cannot be written is an error naming it, and leaves the old\n"
    "set. A missing or unfinished run is an error naming its folder.\n"
    "\n"
    "  --protocol FILE   the claim's protocol\n"
    "  --runs DIR        the folder holding the run folders\n"
    "  --seeds LIST      the seeds to compare: N (the seeds 1..N) or a comma list\n"
    "                    (1,2,5); each 1..1000000, distinct, 2..64 of them\n"
    "  --tier DIR        a tier folder: the seeds of its tier.ini\n"
    "                    (protocols/tiers/<tier>/)\n"
    "  --reference DIR   paper.tsv, the paper's numbers\n"
    "                    (default: the protocol's folder/../reference)\n"
    "  --out DIR         where results go (default: DIR/../results)\n"
    "  --no-figures      write no figure data and run no gnuplot\n"
    "\n"
    "The seeds are a tier's, in one place: protocols/tiers/<tier>/tier.ini\n"
    "([tier] seeds). Without --seeds or --tier, the tier is the one the runs\n"
    "name (the [run] tier of DIR/<model>-s<N>/recipe.ini of the protocol's\n"
    "models), read from the tiers/ folder beside the protocol. The paper label\n"
    "passes --seeds (cmake -DMOEGAP_SEEDS, default the tier's).\n"
    "\n"
    "Exit status: the verdict, as CTest reads it: 0 PASS (passed), 77\n"
    "INCONCLUSIVE (skipped: not decided), 1 CONTRADICTED (failed); 1 also for\n"
    "a failure, which writes no result; 2 misuse.\n";

/* The seeds to compare, from --seeds (already parsed into t), --tier, or
 * the tier the runs name; printed with where they came from. */
static int check_seeds(const protocol *p, tier_info *t, const char *seeds_opt,
                       const char *tier_opt, const char *runs)
{
    int rc = MG_OK;
    if (tier_opt) {
        rc = tier_read(t, tier_opt);
    } else if (!seeds_opt) {
        /* the protocol's own folder, whose tiers/ the runs' tier names */
        char protocols_dir[FS_PATH_MAX];
        protocol_dir(p, protocols_dir, sizeof protocols_dir);
        rc = tier_of_runs_read(t, protocols_dir, runs, p);
    }
    if (rc)
        return rc;
    char text[PROTOCOL_MAX_SEEDS * 8];
    tier_seeds_text(text, sizeof text, t->seeds, t->n_seeds);
    printf("seeds: %s (%s%s)\n", text, seeds_opt ? "--seeds" : "the tier's, ",
           seeds_opt ? "" : t->path);
    return MG_OK;
}

int cmd_check(int argc, char **argv)
{
    const char *protocol_path = NULL, *runs = NULL, *ref_dir = NULL, *out_dir = NULL;
    const char *seeds_opt = NULL, *tier_opt = NULL;
    int no_figures = 0;
    cli_option opts[] = {
        {"--protocol", CLI_STRING, &protocol_path, 1, 0, 0, 0},
        {"--runs", CLI_STRING, &runs, 1, 0, 0, 0},
        {"--seeds", CLI_STRING, &seeds_opt, 0, 0, 0, 0},
        {"--tier", CLI_STRING, &tier_opt, 0, 0, 0, 0},
        {"--reference", CLI_STRING, &ref_dir, 0, 0, 0, 0},
        {"--out", CLI_STRING, &out_dir, 0, 0, 0, 0},
        {"--no-figures", CLI_FLAG, &no_figures, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("check", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    /* two sources of seeds could disagree; which one wins is not ours to guess */
    if (seeds_opt && tier_opt) {
        fprintf(stderr, "moegap check: --seeds and --tier: give one of them\n\n%s", usage);
        return CLI_ERROR;
    }
    tier_info tier;
    memset(&tier, 0, sizeof tier);
    char why[600];
    if (seeds_opt && !tier_seeds_parse(seeds_opt, tier.seeds, &tier.n_seeds, why, sizeof why)) {
        fprintf(stderr, "moegap check: --seeds: %s\n\n%s", why, usage);
        return CLI_ERROR;
    }

    char ref_buf[FS_PATH_BUF], out_buf[FS_PATH_BUF], runs_buf[FS_PATH_MAX];
    /* a trailing slash on --runs would make DIR/../results DIR/results */
    if (fs_pathf(runs_buf, sizeof runs_buf, "%s", runs)) {
        fprintf(stderr, "moegap check: --runs: %s\n", error_message());
        return 1;
    }
    for (size_t n = strlen(runs_buf); n > 1 && runs_buf[n - 1] == '/'; n--)
        runs_buf[n - 1] = '\0';
    if ((!ref_dir && cli_sibling_path(ref_buf, sizeof ref_buf, protocol_path, "../reference")) ||
        (!out_dir && cli_sibling_path(out_buf, sizeof out_buf, runs_buf, "results"))) {
        fprintf(stderr, "moegap check: %s\n", error_message());
        return 1;
    }
    ref_dir = ref_dir ? ref_dir : ref_buf;
    out_dir = out_dir ? out_dir : out_buf;

    protocol *p = malloc(sizeof *p);
    check_result *r = malloc(sizeof *r);
    reference_set ref;
    memset(&ref, 0, sizeof ref);
    int status = 1;
    if (!p || !r) {
        fprintf(stderr, "moegap check: out of memory\n");
        goto done;
    }
    if (protocol_read(p, protocol_path) || reference_load(&ref, ref_dir) ||
        check_seeds(p, &tier, seeds_opt, tier_opt, runs_buf) ||
        protocol_set_seeds(p, tier.seeds, tier.n_seeds)) {
        fprintf(stderr, "moegap check: %s\n", error_message());
        goto done;
    }
    if (check_run(p, runs_buf, &ref, r)) {
        fprintf(stderr, "moegap check: %s: %s\n", p->name, error_message());
        goto done;
    }
    /* the files first: a verdict is printed only once it is on disk */
    char note[5000] = "";
    if (check_write(r, out_dir, !no_figures, note, sizeof note)) {
        fprintf(stderr, "moegap check: %s: results not written, no verdict: %s\n", p->name,
                error_message());
        check_result_free(r);
        goto done;
    }
    check_report_text(r, stdout);
    printf("\nwrote %s/%s.txt and .json\n", out_dir, p->name);
    if (note[0])
        printf("figures: %s\n", note);
    else if (!no_figures)
        printf("figures: %s/%s_{curves,gaps,best}.{pdf,png}\n", out_dir, p->name);
    status = check_exit_status(r->verdict);
    printf("exit status %d: %s\n", status, check_verdict_name(r->verdict));
    check_result_free(r);
done:
    reference_free(&ref);
    free(p);
    free(r);
    return status;
}
