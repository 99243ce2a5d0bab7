/* The check's figures: the plotted numbers as TSV, a gnuplot script, and
 * gnuplot run on it (fork/exec, no shell) for PDF and PNG. gnuplot is found
 * on PATH at run time; without it, or without its cairo terminals, the
 * numbers are still written and the caller is told why there are no
 * figures. */
#include "moegap/check.h"
#include "moegap/error.h"
#include "moegap/fileio.h"
#include "spawn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const figures[] = {"curves", "gaps", "best"};
enum { N_FIGURES = 3 };
static const char *const formats[][2] = {
    /* extension, terminal; noenhanced keeps model names' underscores */
    {"pdf", "pdfcairo noenhanced size 6in,4in font 'sans,9'"},
    {"png", "pngcairo noenhanced size 1200,800 font 'sans,12'"},
};

static void num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "\t%.8g", x);
    else
        fputs("\tNaN", f); /* gnuplot skips the point */
}

static int write_tsv(const check_result *r, const char *path, int which)
{
    const protocol *p = &r->proto;
    atomic_file af;
    int rc = atomic_open(&af, path);
    if (rc)
        return rc;
    FILE *f = af.f;
    if (which == 2) {
        fprintf(f, "# index\tmodel\tours_mean\tours_std\tpaper_mean\tpaper_std\n");
        for (int m = 0; m < p->n_models; m++) {
            const check_model *cm = &r->models[m];
            fprintf(f, "%d\t%s", m, p->models[m]);
            num(f, cm->best_mean);
            num(f, cm->best_sd);
            num(f, cm->paper ? cm->paper->mean : NAN);
            num(f, cm->paper ? cm->paper->sd : NAN);
            fputc('\n', f);
        }
        return atomic_commit(&af);
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
            num(f, which == 0 ? r->models[i].curve_mean[k] : r->gaps[i].traj_mean[k]);
            num(f, which == 0 ? r->models[i].curve_sd[k] : r->gaps[i].traj_sd[k]);
        }
        fputc('\n', f);
    }
    return atomic_commit(&af);
}

/* Bands (mean +- 1 std) and lines of each series in a step table. */
static void plot_series(FILE *f, const char *name, const char *base, int n,
                        const char *const *titles)
{
    char tsv[200];
    snprintf(tsv, sizeof tsv, "%s_%s.tsv", base, name);
    fprintf(f, "plot ");
    for (int i = 0; i < n; i++) {
        int c = 2 + 2 * i;
        fprintf(f, "%s'%s' using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent solid "
                "0.2 noborder lc %d notitle, \\\n     '%s' using 1:%d with linespoints pt 7 ps "
                "0.4 lc %d title '%s'", i ? ", \\\n     " : "", tsv, c, c + 1, c, c + 1, i + 1,
                tsv, c, i + 1, titles[i]);
    }
    if (strcmp(name, "gaps") == 0)
        fprintf(f, ", \\\n     0 with lines dt 2 lc rgb 'black' notitle");
    fputc('\n', f);
}

static int write_script(const check_result *r, const char *path, const char *base)
{
    const protocol *p = &r->proto;
    atomic_file af;
    int rc = atomic_open(&af, path);
    if (rc)
        return rc;
    FILE *f = af.f;
    const char *gap_titles[PROTOCOL_MAX_GAPS], *model_titles[PROTOCOL_MAX_MODELS];
    char gap_buf[PROTOCOL_MAX_GAPS][200];
    for (int g = 0; g < p->n_gaps; g++) {
        snprintf(gap_buf[g], sizeof gap_buf[g], "%s: %s - %s", p->gaps[g].name,
                 p->models[p->gaps[g].a], p->models[p->gaps[g].b]);
        gap_titles[g] = gap_buf[g];
    }
    for (int m = 0; m < p->n_models; m++)
        model_titles[m] = p->models[m];
    fprintf(f, "# %s: written by moegap check; run in this folder: gnuplot %s.gp\n"
            "set datafile separator '\\t'\nset grid\nset key top right\n", p->name, base);
    for (int t = 0; t < 2; t++) {
        const char *ext = formats[t][0];
        fprintf(f, "\nset terminal %s\n", formats[t][1]);
        /* written under a temporary name, renamed by moegap once gnuplot succeeds */
        if (r->n_steps) {
            fprintf(f, "set output '%s_curves.%s.tmp'\nset title '%s: validation loss, mean +- 1 "
                    "std over %d seeds'\nset xlabel 'step'\nset ylabel 'validation loss "
                    "(nats/token)'\nset logscale x\n", base, ext, p->name, p->n_seeds);
            plot_series(f, "curves", base, p->n_models, model_titles);
            fprintf(f, "set output '%s_gaps.%s.tmp'\nset title '%s: gaps, paired by seed, mean "
                    "+- 1 std'\nset ylabel 'gap in validation loss (nats/token)'\n", base, ext,
                    p->name);
            plot_series(f, "gaps", base, p->n_gaps, gap_titles);
            fprintf(f, "unset logscale x\n");
        }
        fprintf(f, "set output '%s_best.%s.tmp'\nset title '%s: best validation loss, mean +- 1 "
                "std (ours left axis, paper right axis: other data)'\nset xlabel ''\n"
                "set ylabel 'ours (nats/token)'\nset y2label 'paper (nats/token)'\n"
                "set ytics nomirror\nset y2tics\nset xrange [-0.5:%d.5]\n"
                "plot '%s_best.tsv' using ($1-0.1):3:4:xtic(2) with yerrorbars pt 7 lc 1 "
                "title 'ours', \\\n     '%s_best.tsv' using ($1+0.1):5:6 axes x1y2 with "
                "yerrorbars pt 5 lc 2 title 'paper'\nunset y2tics\nunset y2label\n"
                "set ytics mirror\nset xrange [*:*]\nunset output\n", base, ext, p->name,
                p->n_models - 1, base, base);
    }
    return atomic_commit(&af);
}

/* The TSV tables the figures plot, then the script. */
static int write_data(const check_result *r, const char *out_dir, const char *base)
{
    char path[4400];
    int rc = MG_OK;
    if (r->n_steps) {
        snprintf(path, sizeof path, "%s/%s_curves.tsv", out_dir, base);
        rc = write_tsv(r, path, 0);
        snprintf(path, sizeof path, "%s/%s_gaps.tsv", out_dir, base);
        if (!rc)
            rc = write_tsv(r, path, 1);
    }
    snprintf(path, sizeof path, "%s/%s_best.tsv", out_dir, base);
    if (!rc)
        rc = write_tsv(r, path, 2);
    snprintf(path, sizeof path, "%s/%s.gp", out_dir, base);
    if (!rc)
        rc = write_script(r, path, base);
    return rc;
}

/* Does this gnuplot have both cairo terminals? It lists its terminals on
 * `set terminal` (into the log, with stdout and stderr there). */
static int has_cairo(const char *out_dir, const char *log)
{
    const char *argv[] = {"gnuplot", "-e", "set terminal", NULL};
    if (spawn_run(argv, out_dir, log) != MG_OK)
        return 0;
    FILE *f = fopen(log, "r");
    if (!f)
        return 0;
    char line[512];
    int pdf = 0, png = 0;
    while (fgets(line, sizeof line, f)) {
        pdf |= strstr(line, "pdfcairo") != NULL;
        png |= strstr(line, "pngcairo") != NULL;
    }
    fclose(f);
    return pdf && png;
}

int check_plot(const check_result *r, const char *out_dir, char *note, size_t note_size)
{
    const char *base = r->proto.name;
    note[0] = '\0';
    int rc = write_data(r, out_dir, base);
    if (rc)
        return rc;
    if (!spawn_on_path("gnuplot")) {
        snprintf(note, note_size, "gnuplot is not on PATH: no figures (Debian package "
                 "gnuplot-nox); the plotted numbers and %s.gp are in %s", base, out_dir);
        return MG_OK;
    }
    char log[4400];
    snprintf(log, sizeof log, "%s/%s.gnuplot.log", out_dir, base);
    if (!has_cairo(out_dir, log)) {
        snprintf(note, note_size, "this gnuplot lacks the pdfcairo/pngcairo terminals (see %s): "
                 "no figures; the plotted numbers and %s.gp are in %s", log, base, out_dir);
        return MG_OK;
    }
    char script[256];
    snprintf(script, sizeof script, "%s.gp", base);
    const char *argv[] = {"gnuplot", script, NULL};
    if (spawn_run(argv, out_dir, log) != MG_OK) {
        snprintf(note, note_size, "gnuplot failed, no figures: %s", error_message());
        return MG_OK;
    }
    for (int i = 0; i < N_FIGURES; i++)
        for (int t = 0; t < 2; t++) {
            if (i < 2 && !r->n_steps)
                continue;
            char from[4500], to[4400];
            snprintf(to, sizeof to, "%s/%s_%s.%s", out_dir, base, figures[i], formats[t][0]);
            snprintf(from, sizeof from, "%s.tmp", to);
            if (rename(from, to) != 0)
                return error_set(MG_EIO, "%s: gnuplot did not write it", from);
        }
    if (!r->n_steps)
        snprintf(note, note_size, "the runs' evaluation steps differ: no curve or gap figures");
    return MG_OK;
}
