/* The report's first figure: a forest plot of every claim's gated gaps, so
 * a reader sees at a glance which claims replicate. One row per gated test
 * in nats/token (a best-loss gap, or a trajectory's gap at the end), ours
 * as the mean with its confidence interval from the result JSON, the
 * paper's mean +- std beside it where it reports the same gap, coloured by
 * the row's verdict. Slopes on log(step) are in nats per unit of
 * ln(step), another axis, and stay in the claims table.
 *
 * Drawn by the report rather than by a check because it spans every
 * claim; written into the paper dir's figures/ folder as one atomic set
 * (plot.h), so its numbers, script and figures always belong together. */
#include "report/report_data.h"
#include "report/report_latex.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"
#include "util/plot.h"
#include "util/spawn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char report_forest_name[] = "fig-forest.pdf";

/* the set's members, in the order they are staged */
enum { MEMBER_TSV, MEMBER_SCRIPT, MEMBER_LOG, MEMBER_FIGURES };

/* A gated test with a claim, in nats (the best-loss or the final gap; a
 * slope on log(step) is in other units), of a result that was read. */
static int forest_row(const report_result *res, const report_test *t)
{
    return (res->state == RESULT_FRESH || res->state == RESULT_STALE) && t->gate &&
           strcmp(t->claim, "none") != 0 && strcmp(t->what, "slope") != 0;
}

static const char *row_test(const report_test *t)
{
    return strcmp(t->what, "final") == 0 ? ", at the end" : "";
}

/* One row per test; the label last, as the y axis shows it. */
static int write_tsv(const report *r, FILE *f)
{
    fputs("# row\tclaim\tgap\ttest\tverdict\tn\tmean\tci_lo\tci_hi\tci_level\tpaper_mean"
          "\tpaper_std\tlabel\n", f);
    int row = 0;
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        for (int k = 0; k < res->n_tests; k++) {
            const report_test *t = &res->tests[k];
            if (!forest_row(res, t))
                continue;
            fprintf(f, "%d\t%s\t%s\t%s\t%s\t%d", row++, res->proto.name, t->gap, t->what,
                    t->verdict, t->n);
            plot_num(f, t->mean);
            plot_num(f, t->ci_lo);
            plot_num(f, t->ci_hi);
            plot_num(f, t->ci_level);
            plot_num(f, t->has_paper ? t->paper_mean : NAN);
            plot_num(f, t->has_paper ? t->paper_sd : NAN);
            fprintf(f, "\t%s / %s%s: %s%s\n", res->proto.name, t->gap, row_test(t), t->verdict,
                    res->state == RESULT_STALE ? " (STALE)" : "");
        }
    }
    return row;
}

/* The verdicts' colours, in the TSV's words; the key names each once. */
static const char *const verdict_colour[][2] = {
    {"PASS", "#1a9850"}, {"INCONCLUSIVE", "#e08214"}, {"CONTRADICTED", "#d73027"}};

/* Rows top to bottom (a reversed y range), ours on the row, the paper's
 * just below it; the x range always holds zero, so the line is drawn. */
static void write_script(FILE *f, int n_rows)
{
    plot_script_head(f, "the forest plot of every claim's gated gaps: written by moegap report",
                     "forest");
    fputs("vc(v) = ", f);
    for (int v = 0; v < 3; v++)
        fprintf(f, "v eq '%s' ? 0x%s : ", verdict_colour[v][0], verdict_colour[v][1] + 1);
    fprintf(f, "0x000000\n"
            "set grid xtics\nset key above horizontal maxcols 3 samplen 2\nset xrange [*<0:0<*]\n"
            "set offsets graph 0.05, graph 0.05, 0, 0\nset yrange [%d.5:-0.5]\n"
            "set ytics scale 0\nset xlabel 'gap in validation loss (nats/token)'\n"
            "set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead dt 2 lc rgb 'black'\n"
            "set title 'Gated gaps: ours (mean, 95%% CI) beside the paper (mean +- std)'\n",
            n_rows - 1);
    double height = 1.6 + 0.45 * n_rows;
    for (int t = 0; t < PLOT_N_FORMATS; t++) {
        fputc('\n', f);
        plot_terminal(f, t, 6.5, height < 3 ? 3 : height);
        fprintf(f, "set output 'forest.%s'.suffix\n"
                "plot 'forest.tsv'.suffix using 7:1:8:9:(vc(strcol(5))):ytic(13) with xerrorbars "
                "pt 7 ps 1.2 lw 2 lc rgb variable title 'ours: mean, 95%% CI', \\\n"
                "     '' using 11:($1+0.3):($11-$12):($11+$12) with xerrorbars pt 5 ps 0.9 "
                "lc rgb 'gray40' title 'paper: mean +- std'", plot_ext[t]);
        for (int v = 0; v < 3; v++)
            fprintf(f, ", \\\n     keyentry with points pt 7 lc rgb '%s' title '%s'",
                    verdict_colour[v][1], verdict_colour[v][0]);
        fputs("\nunset output\n", f);
    }
}

static int member(fileio_atomic_set *set, const char *dir, const char *name, int open)
{
    char path[REPORT_PATH_MAX + 32];
    if (fs_join(path, sizeof path, dir, name))
        return MG_EINVAL;
    fileio_atomic_file *f = open ? fileio_atomic_set_open(set, path) : fileio_atomic_set_add(set, path);
    return f ? MG_OK : MG_EIO;
}

static int drop(fileio_atomic_set *set, const char *dir, const char *name)
{
    char path[REPORT_PATH_MAX + 32];
    int rc = fs_join(path, sizeof path, dir, name);
    return rc ? rc : fileio_atomic_set_drop(set, path);
}

/* The numbers and the script; the figures and gnuplot's log when gnuplot
 * can draw them, else the old ones dropped (they no longer belong to the
 * numbers) and why[] says so. */
static int stage(report *r, const char *dir, fileio_atomic_set *set)
{
    report_forest *fo = &r->forest;
    int rc = member(set, dir, "forest.tsv", 1);
    if (rc)
        return rc;
    fo->n_rows = write_tsv(r, set->file[MEMBER_TSV].f);
    if ((rc = fileio_atomic_close(&set->file[MEMBER_TSV])) ||
        (rc = member(set, dir, "forest.gp", 1)))
        return rc;
    write_script(set->file[MEMBER_SCRIPT].f, fo->n_rows);
    if ((rc = fileio_atomic_close(&set->file[MEMBER_SCRIPT])))
        return rc;
    const fileio_atomic_file *script = &set->file[MEMBER_SCRIPT];
    char probe_log[sizeof script->tmp + 16], why[1200];
    snprintf(probe_log, sizeof probe_log, "%s.probe.log", script->tmp);
    if (fo->n_rows == 0)
        snprintf(fo->why, sizeof fo->why, "no result holds a gated gap to draw");
    else if (!plot_gnuplot_ready(dir, probe_log, why, sizeof why))
        snprintf(fo->why, sizeof fo->why, "%s (Debian %s); its numbers are in %s", why,
                 spawn_package_hint("gnuplot"), report_rel(r, fo->tsv));
    if (fo->why[0]) {
        static const char *const old[] = {"forest.gnuplot.log", "forest.pdf", "forest.png"};
        for (size_t i = 0; i < sizeof old / sizeof old[0] && !rc; i++)
            rc = drop(set, dir, old[i]);
        return rc;
    }
    if ((rc = member(set, dir, "forest.gnuplot.log", 0)))
        return rc;
    const fileio_atomic_file *fig[PLOT_N_FORMATS];
    for (int t = 0; t < PLOT_N_FORMATS && !rc; t++) {
        char name[32];
        snprintf(name, sizeof name, "forest.%s", plot_ext[t]);
        rc = member(set, dir, name, 0);
        fig[t] = &set->file[MEMBER_FIGURES + t];
    }
    if (!rc)
        rc = plot_run(dir, script, &set->file[MEMBER_LOG], fig, PLOT_N_FORMATS);
    fo->drawn = !rc;
    return rc;
}

int report_forest_write(report *r)
{
    report_forest *fo = &r->forest;
    char dir[REPORT_DIR_MAX + 16];
    snprintf(dir, sizeof dir, "%s/figures", r->paper_dir);
    snprintf(fo->tsv, sizeof fo->tsv, "%s/forest.tsv", dir);
    snprintf(fo->pdf, sizeof fo->pdf, "%s/forest.pdf", dir);
    fo->drawn = 0;
    fo->why[0] = '\0';
    int rc = fs_mkdirs(dir);
    if (rc)
        return rc;
    fileio_atomic_set *set = calloc(1, sizeof *set);
    if (!set)
        return error_set(MG_ENOMEM, "report: out of memory");
    rc = stage(r, dir, set);
    if (rc)
        fileio_atomic_set_abort(set);
    else
        rc = fileio_atomic_set_commit(set);
    free(set);
    if (rc) {
        fo->drawn = 0;
        return rc;
    }
    if (!fo->drawn)
        return report_issue_add(r, "MISSING figure %s: %s", report_rel(r, fo->pdf), fo->why);
    return MG_OK;
}

/* ---- the figure in the report --------------------------------------------- */

static void put_not_drawn(const report *r, FILE *f)
{
    int any = 0;
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        if (res->state != RESULT_MISSING && res->state != RESULT_UNREADABLE)
            continue;
        fputs(any++ ? "; " : " \\problem{Not drawn, their results being unusable:} ", f);
        report_latex_textf(f, "%s (%s result)", res->proto.name,
                           res->state == RESULT_MISSING ? "MISSING" : "UNREADABLE");
    }
    if (any)
        fputs(".", f);
}

/* The seed count, interval level and alpha the rows share, or -1 / NaN
 * when they differ (then the caption says each row has its own). */
static void rows_common(const report *r, int *n, double *level, double *alpha)
{
    *n = 0;
    *level = *alpha = NAN;
    int first = 1;
    for (int i = 0; i < r->n_results; i++)
        for (int k = 0; k < r->results[i].n_tests; k++) {
            const report_test *t = &r->results[i].tests[k];
            if (!forest_row(&r->results[i], t))
                continue;
            if (first) {
                *n = t->n;
                *level = t->ci_level;
                *alpha = r->results[i].proto.alpha;
                first = 0;
            }
            if (*n != t->n)
                *n = -1;
            if (*level != t->ci_level)
                *level = NAN;
            if (*alpha != r->results[i].proto.alpha)
                *alpha = NAN;
        }
}

void report_tex_forest(const report *r, FILE *f)
{
    const report_forest *fo = &r->forest;
    fputs("\\begin{figure}[!htbp]\\centering\n", f);
    if (fo->drawn)
        fprintf(f, "\\includegraphics[width=0.9\\linewidth]{%s}\n", report_forest_name);
    else {
        fputs("\\fbox{\\parbox{0.8\\linewidth}{\\centering\\problem{MISSING figure:} ", f);
        report_latex_wrap(f, fo->why[0] ? fo->why : "the forest plot was not drawn");
        fputs("}}\n", f);
    }
    int n;
    double level, alpha;
    rows_common(r, &n, &level, &alpha);
    fputs("\\caption{Forest plot: which claims replicate. One row per gated gap of every "
          "claim, labelled claim / gap (``at the end'': a trajectory's final gap) and the "
          "row's verdict, which also sets its colour (green PASS, orange INCONCLUSIVE, red "
          "CONTRADICTED); gaps are paired by seed, in validation loss (nats/token). Ours "
          "(circle, on the row): the mean with its ", f);
    if (isnan(level))
        fputs("confidence interval (each row's level in its result)", f);
    else
        fprintf(f, "%g\\%% t-interval", 100 * level);
    fputs(", mean $\\pm t\\,s/\\sqrt{n}$ over ", f);
    if (n > 0)
        fprintf(f, "$n = %d$ seeds", n);
    else
        fputs("each row's $n$ seeds", f);
    fputs(". Paper (grey square, below it): its mean $\\pm$ 1 std over its seeds, where it "
          "reports the same gap (a row without one shows ours only). The dashed line is zero: "
          "a bar that crosses it is not decided, its sign unsettled at that confidence", f);
    if (!isnan(alpha) && !isnan(level) && 1 - 2 * alpha < level)
        fprintf(f, " (the verdicts' one-sided tests at alpha %g match a %g\\%% interval, so a "
                "PASS or CONTRADICTED bar may just reach zero)", alpha, 100 * (1 - 2 * alpha));
    fputs(". The trajectory's gates on the slope of a gap on $\\ln$(step) are in other units "
          "(nats per unit of $\\ln$ step) and are not drawn; the table below holds them.", f);
    fprintf(f, " %d row%s.", fo->n_rows, fo->n_rows == 1 ? "" : "s");
    put_not_drawn(r, f);
    if (fo->tsv[0]) {
        fputs(" Drawn by \\texttt{moegap report} (gnuplot) from ", f);
        report_latex_path(f, report_rel(r, fo->tsv));
        fputc('.', f);
    }
    fputs("}\\label{fig:forest}\n\\end{figure}\n", f);
}
