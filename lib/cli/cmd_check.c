#include "commands.h"
#include "moegap/check.h"
#include "moegap/error.h"
#include "moegap/protocol.h"
#include "moegap/reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: moegap check --protocol FILE --runs DIR [--reference DIR] [--out DIR]\n"
    "                    [--no-figures]\n"
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
    "  --reference DIR   paper.tsv, the paper's numbers\n"
    "                    (default: the protocol's folder/../reference)\n"
    "  --out DIR         where results go (default: DIR/../results)\n"
    "  --no-figures      write no figure data and run no gnuplot\n"
    "\n"
    "Exit status: the verdict, as CTest reads it: 0 PASS (passed), 77\n"
    "INCONCLUSIVE (skipped: not decided), 1 CONTRADICTED (failed); 1 also for\n"
    "a failure, which writes no result; 2 misuse.\n";

int cmd_check(int argc, char **argv)
{
    const char *protocol_path = NULL, *runs = NULL, *ref_dir = NULL, *out_dir = NULL;
    int no_figures = 0;
    cli_option opts[] = {
        {"--protocol", CLI_STRING, &protocol_path, 1, 0, 0, 0},
        {"--runs", CLI_STRING, &runs, 1, 0, 0, 0},
        {"--reference", CLI_STRING, &ref_dir, 0, 0, 0, 0},
        {"--out", CLI_STRING, &out_dir, 0, 0, 0, 0},
        {"--no-figures", CLI_FLAG, &no_figures, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("check", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;

    char ref_buf[4200], out_buf[4200], runs_buf[4200];
    /* a trailing slash on --runs would make DIR/../results DIR/results */
    snprintf(runs_buf, sizeof runs_buf, "%s", runs);
    for (size_t n = strlen(runs_buf); n > 1 && runs_buf[n - 1] == '/'; n--)
        runs_buf[n - 1] = '\0';
    if (!ref_dir) {
        cli_sibling_path(ref_buf, sizeof ref_buf, protocol_path, "../reference");
        ref_dir = ref_buf;
    }
    if (!out_dir) {
        cli_sibling_path(out_buf, sizeof out_buf, runs_buf, "results");
        out_dir = out_buf;
    }

    protocol *p = malloc(sizeof *p);
    check_result *r = malloc(sizeof *r);
    reference_set ref;
    memset(&ref, 0, sizeof ref);
    int status = 1;
    if (!p || !r) {
        fprintf(stderr, "moegap check: out of memory\n");
        goto done;
    }
    if (protocol_read(p, protocol_path) || reference_load(&ref, ref_dir)) {
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
