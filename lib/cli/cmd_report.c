#include "commands.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "report/report.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap report --paper-dir DIR [--protocols DIR] [--reference DIR]\n"
    "                     [--out FILE.pdf] [--strict]\n"
    "\n"
    "Builds one PDF (pdflatex) from a paper dir's results: provenance of the\n"
    "runs (commit, tier, corpus, tokenizer, machine, OpenBLAS, dates, compute),\n"
    "a forest plot of every claim's gated gaps (the first figure), every\n"
    "claim's tests and verdict beside the paper's values, every model's\n"
    "parameters by component, the checks' figures, the methods (every recipe\n"
    "key, every protocol rule) and the paper's setup beside ours\n"
    "(paper_setup.tsv). Writes FILE.pdf and the FILE.tex it was built from,\n"
    "atomically.\n"
    "\n"
    "The forest plot (gnuplot) has a row per gated gap: ours, the mean and its\n"
    "95% CI; the paper's mean +- std. It is written first, as one set, into\n"
    "DIR/figures/: forest.pdf, forest.png, forest.tsv (its numbers), forest.gp.\n"
    "\n"
    "A missing run, result or figure, and a stale result (a run's summary.json\n"
    "changed since the check used it, or a result that does not record the\n"
    "runs it used), is said in the PDF, at the top and where it applies, and\n"
    "here on stderr.\n"
    "\n"
    CLI_PAPER_INPUTS_HELP
    "  --out FILE.pdf    the report (default: DIR/report.pdf)\n"
    "  --strict          exit 1 when anything is missing or stale (the PDF is\n"
    "                    still written)\n"
    "\n"
    "Exit status: 0 the PDF is written; 1 it is not (or --strict found\n"
    "problems); 2 misuse.\n";

int cmd_report(int argc, char **argv)
{
    const char *paper_dir = NULL, *protocols = MOEGAP_SOURCE_DIR "/protocols",
               *reference = MOEGAP_SOURCE_DIR "/reference", *out = NULL;
    int strict = 0;
    cli_option opts[] = {
        {"--paper-dir", CLI_STRING, &paper_dir, 1, 0, 0, 0},
        {"--protocols", CLI_STRING, &protocols, 0, 0, 0, 0},
        {"--reference", CLI_STRING, &reference, 0, 0, 0, 0},
        {"--out", CLI_STRING, &out, 0, 0, 0, 0},
        {"--strict", CLI_FLAG, &strict, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("report", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    char out_buf[FS_PATH_BUF];
    if (!out) {
        if (fs_join(out_buf, sizeof out_buf, paper_dir, "report.pdf") != MG_OK) {
            fprintf(stderr, "moegap report: %s\n", error_message());
            return 1;
        }
        out = out_buf;
    }

    report_options o = {paper_dir, protocols, reference};
    report *r = NULL;
    if (report_load(&r, &o) != MG_OK) {
        fprintf(stderr, "moegap report: %s\n", error_message());
        return 1;
    }
    /* before the issues are said: a forest plot that cannot be drawn is one */
    if (report_forest_write(r) != MG_OK) {
        fprintf(stderr, "moegap report: %s\n", error_message());
        report_free(r);
        return 1;
    }
    size_t n = report_issue_count(r);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "moegap report: %s\n", report_issue(r, i));
    fprintf(stderr, "moegap report: read %s (protocols %s, reference %s); running pdflatex\n",
            paper_dir, protocols, reference);
    int status = 0;
    if (report_write(r, out) != MG_OK) {
        fprintf(stderr, "moegap report: %s\n", error_message());
        status = 1;
    } else {
        fprintf(stderr, "moegap report: wrote %s and its LaTeX source beside it", out);
        if (n)
            fprintf(stderr, "; it says what is missing or stale (%zu problem%s)%s", n,
                    n == 1 ? "" : "s", strict ? ": exit 1 (--strict)" : "");
        fputc('\n', stderr);
        status = strict && n ? 1 : 0;
    }
    report_free(r);
    return status;
}
