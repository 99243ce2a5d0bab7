/* The PDF report of a paper dir (`moegap report`): one document, built with
 * pdflatex, from the results of the last protocol runs and nothing else.
 *
 * A paper dir holds runs/<model>-s<seed>/ (recipe.ini, provenance.json,
 * metrics.tsv, summary.json) and results/<claim>.json with its figures
 * (`moegap check`). The report holds a title block with the runs'
 * provenance, a table of every claim's tests and verdicts, a table of
 * every model's parameters by component, every check's figures, the
 * methods (every recipe key, every protocol rule) and the paper's setup
 * (reference/paper_setup.tsv) beside ours.
 *
 * What is missing or stale is said, in the PDF and as issues the caller
 * prints, never skipped: a missing run or result or figure, a result whose
 * runs changed since the check used them (the sha256 of each run's
 * summary.json, recorded in the result's "runs_used"), and a result from
 * before that record (stale: which runs it used cannot be told). */
#ifndef MOEGAP_REPORT_H
#define MOEGAP_REPORT_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *paper_dir;     /* runs/ and results/ */
    const char *protocols_dir; /* the claims' protocols, <claim>.ini (not the sub-folders) */
    const char *reference_dir; /* paper.tsv, paper_setup.tsv */
} report_options;

typedef struct report report;

/* Reads everything the report shows. Missing and stale inputs become
 * issues; an error only for what makes a report impossible (no protocols,
 * an unreadable reference or protocol file), naming the file. */
int report_load(report **out, const report_options *o);
void report_free(report *r);

/* What the report says is missing or stale, one sentence each. */
size_t report_issue_count(const report *r);
const char *report_issue(const report *r, size_t i);

/* Draws the forest plot of every claim's gated gaps (one row each: ours,
 * the mean and its confidence interval; the paper's mean +- std beside it)
 * into the paper dir's figures/ folder: forest.tsv (the plotted numbers),
 * forest.gp (the gnuplot script), forest.pdf and forest.png, replaced
 * together. Call it after report_load and before report_tex or
 * report_write, whose first figure it is. Without gnuplot or its cairo
 * terminals, or with no row to draw, the numbers are still written, old
 * figures removed, and an issue says why; an error only when a file
 * cannot be written or gnuplot fails, naming the file. */
int report_forest_write(report *r);
/* The claims' table as text: a row per test that states a claim (the
 * paper's mean +- std, ours with its confidence interval, the one-sided p
 * toward the claimed sign, the verdict), a row per claim whose result is
 * missing or unreadable saying why, a line under a stale one, and what the
 * columns mean. Returns the number of claims without a fresh result. */
int report_claims_text(const report *r, FILE *f);

/* The LaTeX source. Figures are named fig-<claim>-<kind>.pdf, the names
 * report_write gives them in pdflatex's folder. */
int report_tex(const report *r, FILE *f);

/* Writes out_pdf and, beside it, the .tex it was built from (out_pdf must
 * end in .pdf), both atomically: pdflatex runs in a temporary folder next
 * to out_pdf and the PDF is renamed into place only when it succeeds. A
 * failure leaves no PDF and an error quoting pdflatex's error lines; the
 * .tex is still written, so the lines it names can be looked up. */
int report_write(const report *r, const char *out_pdf);

#endif
