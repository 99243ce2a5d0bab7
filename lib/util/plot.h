/* gnuplot figures as moegap draws them, shared by `moegap check`
 * (check_plot.c) and `moegap report` (report_forest.c): every figure is
 * written as PDF and PNG by the cairo terminals, from a script staged in
 * an fileio_atomic_set whose `suffix` variable names the set's temporary files,
 * and counts only once it ends as its format must. */
#ifndef MOEGAP_PLOT_H
#define MOEGAP_PLOT_H

#include "util/fileio.h"

#include <stddef.h>
#include <stdio.h>

enum { PLOT_N_FORMATS = 2 };
/* The formats' file extensions, in the order scripts write them: pdf, png. */
extern const char *const plot_ext[PLOT_N_FORMATS];

/* A TSV cell: a tab then the number, or NaN (gnuplot skips the point). */
void plot_num(FILE *f, double x);

/* "set terminal ..." for format `t`, width by height inches (PNG at 200
 * pixels an inch). noenhanced keeps names' underscores as they are. */
void plot_terminal(FILE *f, int t, double width_in, double height_in);

/* The script's first lines: what wrote it, how to rerun it, and the
 * `suffix` default for a reader who runs it by hand. */
void plot_script_head(FILE *f, const char *what, const char *base);

/* 1 when gnuplot is on PATH with both cairo terminals; else 0 with why[]
 * saying what is missing. The probe writes its log at probe_log (in
 * `dir`), read only for the error and removed. */
int plot_gnuplot_ready(const char *dir, const char *probe_log, char *why, size_t why_size);

/* Runs gnuplot in `dir` on `script` (a closed member of the set), with
 * stdout and stderr at log->tmp, then checks each figure member (NULL
 * entries skipped) is complete, in the order given. An error names the
 * script and quotes gnuplot's last lines, or names the incomplete figure. */
int plot_run(const char *dir, const fileio_atomic_file *script, const fileio_atomic_file *log,
             const fileio_atomic_file *const *figures, size_t n_figures);

#endif
