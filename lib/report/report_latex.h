/* What only the report's LaTeX needs (report_tex.c, report_methods.c,
 * report_forest.c, report_variance.c, report_pdf.c): the helpers of
 * report_latex.c that put text from files into LaTeX escaped, the file
 * names pdflatex sees for the figures, and the sections the document is
 * made of. The data they show is report_data.h's. */
#ifndef MOEGAP_REPORT_LATEX_H
#define MOEGAP_REPORT_LATEX_H

#include "report/report_data.h"

#include <stddef.h>
#include <stdio.h>

/* Writes s with every LaTeX special character escaped; characters outside
 * ASCII that the T1 fonts lack become '?', so no input stops pdflatex. */
void report_latex_text(FILE *f, const char *s);
/* The same after printf-style formatting. */
void report_latex_textf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, breakable after every '/' and '-' (messages naming paths). */
void report_latex_wrap(FILE *f, const char *s);
/* A path or hash, in typewriter type, breakable after every '/' and '-'. */
void report_latex_path(FILE *f, const char *s);
/* An integer with thousands separators: 1,234,567. */
void report_latex_count(FILE *f, long long n);
/* Opens a small tabular with one right-aligned column per model after the
 * leading columns `lead_spec` headed `lead_head`, and writes its header. */
void report_latex_model_columns(const report *r, FILE *f, const char *lead_spec,
                                const char *lead_head);
/* The same as text, into buf[n], for a caller that adds to it. */
void report_count_text(char *buf, size_t n, long long v);
/* The figure file name pdflatex sees: fig-<claim>-<kind>.pdf. */
void report_figure_name(char *buf, size_t n, const char *claim, int kind);
/* The same for the forest plot (report_forest.c). */
extern const char report_forest_name[];

/* The sections (report_tex.c, report_methods.c). */
void report_tex_title(const report *r, FILE *f);
void report_tex_summary(const report *r, FILE *f);
/* The forest plot as a figure, with its caption (report_forest.c). */
void report_tex_forest(const report *r, FILE *f);
void report_tex_params(const report *r, FILE *f);
void report_tex_figures(const report *r, FILE *f);
void report_tex_runs(const report *r, FILE *f);
void report_tex_methods(const report *r, FILE *f);

/* The methods' subsection on the tier's variance study (report_variance.c). */
void report_tex_variance(const report *r, FILE *f);
/* The paper's setup beside ours (keys checked by report_setup_validate). */
void report_tex_setup(const report *r, FILE *f);

#endif
