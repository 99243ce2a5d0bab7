/* The check's figures: the plotted numbers as TSV, a gnuplot script, and
 * gnuplot run on it (plot.h) for PDF and PNG. Without gnuplot, or without
 * its cairo terminals, the numbers are still written and the caller is
 * told why there are no figures. */
#include "claims/check.h"
#include "claims/check_plot.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"
#include "util/plot.h"
#include "util/spawn.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const figures[] = {"curves", "gaps", "best"};
enum { N_FIGURES = 3 };

static void write_tsv(const check_result *r, FILE *f, int which)
{
    const protocol *p = &r->proto;
    if (which == 2) {
        fprintf(f, "# index\tmodel\tours_mean\tours_std\tpaper_mean\tpaper_std\n");
        for (int m = 0; m < p->n_models; m++) {
            const check_model *cm = &r->models[m];
            fprintf(f, "%d\t%s", m, p->models[m]);
            plot_num(f, cm->best_mean);
            plot_num(f, cm->best_sd);
            plot_num(f, cm->paper ? cm->paper->mean : NAN);
            plot_num(f, cm->paper ? cm->paper->sd : NAN);
            fputc('\n', f);
        }
        return;
    }
    int n = which == 0 ? p->n_models : p->n_gaps;
    fprintf(f, "# step");
    for (int i = 0; i < n; i++) {
        const char *name = which == 0 ? p->models[i] : p->gaps[i].name;
        fprintf(f, "\t%s_mean\t%s_std", name, name);
    }
    fputc('\n', f);
    for (size_t k = 0; k < r->n_steps; k++) {
        fprintf(f, "%ld", r->steps[k]);
        for (int i = 0; i < n; i++) {
            plot_num(f, which == 0 ? r->models[i].curve_mean[k] : r->gaps[i].traj_mean[k]);
            plot_num(f, which == 0 ? r->models[i].curve_sd[k] : r->gaps[i].traj_sd[k]);
        }
        fputc('\n', f);
    }
}

/* Bands (mean +- 1 std) and lines of each series in a step table. */
static void plot_series(FILE *f, const char *name, const char *base, int n,
                        const char *const *titles)
{
    char tsv[256];
    snprintf(tsv, sizeof tsv, "'%s_%s.tsv'.suffix", base, name);
    fprintf(f, "plot ");
    for (int i = 0; i < n; i++) {
        int c = 2 + 2 * i;
        fprintf(f, "%s%s using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent solid "
                "0.2 noborder lc %d notitle, \\\n     %s using 1:%d with linespoints pt 7 ps "
                "0.4 lc %d title '%s'", i ? ", \\\n     " : "", tsv, c, c + 1, c, c + 1, i + 1,
                tsv, c, i + 1, titles[i]);
    }
    if (strcmp(name, "gaps") == 0)
        fprintf(f, ", \\\n     0 with lines dt 2 lc rgb 'black' notitle");
    fputc('\n', f);
}

static void write_script(const check_result *r, FILE *f, const char *base)
{
    const protocol *p = &r->proto;
    const char *gap_titles[PROTOCOL_MAX_GAPS], *model_titles[PROTOCOL_MAX_MODELS];
    char gap_buf[PROTOCOL_MAX_GAPS][200];
    for (int g = 0; g < p->n_gaps; g++) {
        snprintf(gap_buf[g], sizeof gap_buf[g], "%s: %s - %s", p->gaps[g].name,
                 p->models[p->gaps[g].a], p->models[p->gaps[g].b]);
        gap_titles[g] = gap_buf[g];
    }
    bool has_paper = false;
    for (int m = 0; m < p->n_models; m++) {
        model_titles[m] = p->models[m];
        has_paper = has_paper || r->models[m].paper;
    }
    char what[PROTOCOL_NAME_MAX + 32];
    snprintf(what, sizeof what, "%s: written by moegap check", p->name);
    plot_script_head(f, what, base);
    fputs("set grid\nset key top right\n", f);
    for (int t = 0; t < PLOT_N_FORMATS; t++) {
        const char *ext = plot_ext[t];
        fputc('\n', f);
        plot_terminal(f, t, 6, 4);
        if (r->n_steps) {
            fprintf(f, "set output '%s_curves.%s'.suffix\nset title '%s: validation loss, mean +- 1 "
                    "std over %d seeds'\nset xlabel 'step'\nset ylabel 'validation loss "
                    "(nats/token)'\nset logscale x\n", base, ext, p->name, p->n_seeds);
            plot_series(f, "curves", base, p->n_models, model_titles);
            fprintf(f, "set output '%s_gaps.%s'.suffix\nset title '%s: gaps, paired by seed, mean "
                    "+- 1 std'\nset ylabel 'gap in validation loss (nats/token)'\n", base, ext,
                    p->name);
            plot_series(f, "gaps", base, p->n_gaps, gap_titles);
            fprintf(f, "unset logscale x\n");
        }
        /* a new claim may give no paper numbers: then only ours, on one axis
         * (gnuplot refuses a series with no point) */
        fprintf(f, "set output '%s_best.%s'.suffix\nset xlabel ''\nset ylabel 'ours (nats/token)'\n"
                "set xrange [-0.5:%d.5]\n", base, ext, p->n_models - 1);
        if (has_paper)
            fprintf(f, "set title '%s: best validation loss, mean +- 1 std (ours left axis, paper "
                    "right axis: other data)'\nset y2label 'paper (nats/token)'\n"
                    "set ytics nomirror\nset y2tics\n"
                    "plot '%s_best.tsv'.suffix using ($1-0.1):3:4:xtic(2) with yerrorbars pt 7 lc 1 "
                    "title 'ours', \\\n     '%s_best.tsv'.suffix using ($1+0.1):5:6 axes x1y2 with "
                    "yerrorbars pt 5 lc 2 title 'paper'\nunset y2tics\nunset y2label\n"
                    "set ytics mirror\n", p->name, base, base);
        else
            fprintf(f, "set title '%s: best validation loss, mean +- 1 std (the protocol gives no "
                    "paper numbers)'\nplot '%s_best.tsv'.suffix using 1:3:4:xtic(2) with "
                    "yerrorbars pt 7 lc 1 title 'ours'\n", p->name, base);
        fputs("set xrange [*:*]\nunset output\n", f);
    }
}


/* The TSV tables the figures plot, then the script, each closed at once so
 * a failure names the first file that does not fit. Without evaluation
 * steps there are no curve or gap tables: old ones leave with the set. */
static int stage_data(const check_result *r, const char *out_dir, const char *base,
                      fileio_atomic_set *set, fileio_atomic_file **script)
{
    static const char *const tables[] = {"curves", "gaps", "best"};
    char path[FS_PATH_BUF];
    int rc = MG_OK;
    for (int i = 0; i < 3 && !rc; i++) {
        if ((rc = fs_pathf(path, sizeof path, "%s/%s_%s.tsv", out_dir, base, tables[i])))
            break;
        if (i < 2 && !r->n_steps) {
            rc = fileio_atomic_set_drop(set, path);
            continue;
        }
        fileio_atomic_file *af = fileio_atomic_set_open(set, path);
        if (!af)
            return MG_EIO;
        write_tsv(r, af->f, i);
        rc = fileio_atomic_close(af);
    }
    if (!rc)
        rc = fs_pathf(path, sizeof path, "%s/%s.gp", out_dir, base);
    if (!rc && !(*script = fileio_atomic_set_open(set, path)))
        rc = MG_EIO;
    if (rc)
        return rc;
    write_script(r, (*script)->f, base);
    return fileio_atomic_close(*script);
}

static int figure_path(char *dst, size_t n, const char *out_dir, const char *base, int i, int t)
{
    int w = snprintf(dst, n, "%s/%s_%s.%s", out_dir, base, figures[i], plot_ext[t]);
    if (w < 0 || (size_t)w >= n)
        return error_set(MG_EINVAL, "%s/%s_%s: path too long", out_dir, base, figures[i]);
    return MG_OK;
}

/* When no figures are made, the old ones (and gnuplot's old log) no
 * longer belong to the set's numbers. */
static int drop_figures(const check_result *r, const char *out_dir, const char *base,
                        fileio_atomic_set *set, int with_log)
{
    char path[FS_PATH_BUF];
    int rc = MG_OK;
    for (int i = 0; i < N_FIGURES && !rc; i++)
        for (int t = 0; t < PLOT_N_FORMATS && !rc; t++)
            if (!(rc = figure_path(path, sizeof path, out_dir, base, i, t)) &&
                (with_log || (i < 2 && !r->n_steps)))
                rc = fileio_atomic_set_drop(set, path);
    if (!rc && with_log &&
        !(rc = fs_pathf(path, sizeof path, "%s/%s.gnuplot.log", out_dir, base)))
        rc = fileio_atomic_set_drop(set, path);
    return rc;
}

/* gnuplot writes every figure and its log at the set's temporary names
 * (the script's `suffix`); each must be complete before the set commits. */
static int run_gnuplot(const check_result *r, const char *out_dir, const char *base,
                       fileio_atomic_set *set, const fileio_atomic_file *script)
{
    char path[FS_PATH_BUF];
    int rc = fs_pathf(path, sizeof path, "%s/%s.gnuplot.log", out_dir, base);
    if (rc)
        return rc;
    fileio_atomic_file *log = fileio_atomic_set_add(set, path);
    if (!log)
        return MG_EIO;
    /* in gnuplot's order, so the first incomplete one is where the disk filled */
    const fileio_atomic_file *fig[PLOT_N_FORMATS][N_FIGURES] = {{NULL}};
    for (int t = 0; t < PLOT_N_FORMATS; t++)
        for (int i = r->n_steps ? 0 : 2; i < N_FIGURES; i++)
            if (figure_path(path, sizeof path, out_dir, base, i, t) ||
                !(fig[t][i] = fileio_atomic_set_add(set, path)))
                return MG_EIO;
    return plot_run(out_dir, script, log, &fig[0][0], PLOT_N_FORMATS * N_FIGURES);
}

int check_plot(const check_result *r, const char *out_dir, fileio_atomic_set *set, char *note,
               size_t note_size)
{
    const char *base = r->proto.name;
    note[0] = '\0';
    fileio_atomic_file *script = NULL;
    int rc = stage_data(r, out_dir, base, set, &script);
    if (rc)
        return rc;
    char probe_log[FS_PATH_BUF], why[1200];
    if ((rc = fs_pathf(probe_log, sizeof probe_log, "%s.probe.log", script->tmp)))
        return rc;
    if (!plot_gnuplot_ready(out_dir, probe_log, why, sizeof why)) {
        snprintf(note, note_size, "%s: no figures (Debian %s); the plotted numbers and %s.gp "
                 "are in %s", why, spawn_package_hint("gnuplot"), base, out_dir);
        return drop_figures(r, out_dir, base, set, 1);
    }
    rc = run_gnuplot(r, out_dir, base, set, script);
    if (!rc)
        rc = drop_figures(r, out_dir, base, set, 0);
    if (!rc && !r->n_steps)
        snprintf(note, note_size, "the runs' evaluation steps differ: no curve or gap figures");
    return rc;
}
