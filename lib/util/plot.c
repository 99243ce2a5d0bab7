/* gnuplot plumbing for every figure moegap draws (see plot.h): found on
 * PATH at run time and run by fork/exec, no shell. */
#include "util/plot.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/spawn.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

const char *const plot_ext[PLOT_N_FORMATS] = {"pdf", "png"};

void plot_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "\t%.8g", x);
    else
        fputs("\tNaN", f);
}

void plot_terminal(FILE *f, int t, double width_in, double height_in)
{
    if (t == 0)
        fprintf(f, "set terminal pdfcairo noenhanced size %gin,%gin font 'sans,9'\n", width_in,
                height_in);
    else
        fprintf(f, "set terminal pngcairo noenhanced size %d,%d font 'sans,12'\n",
                (int)lround(200 * width_in), (int)lround(200 * height_in));
}

void plot_script_head(FILE *f, const char *what, const char *base)
{
    /* moegap runs it with suffix set to its temporary names (read and
     * written) and renames the figures once they are complete */
    fprintf(f, "# %s; run in this folder: gnuplot %s.gp\n"
            "if (!exists('suffix')) suffix = ''\n"
            "set datafile separator '\\t'\n", what, base);
}

/* Setting an unknown terminal is an error, so the exit status says;
 * gnuplot writes no file for it. */
int plot_gnuplot_ready(const char *dir, const char *probe_log, char *why, size_t why_size)
{
    if (!spawn_on_path("gnuplot")) {
        snprintf(why, why_size, "gnuplot is not on PATH");
        return 0;
    }
    const char *argv[] = {"gnuplot", "-e", "set terminal pdfcairo; set terminal pngcairo", NULL};
    int rc = spawn_run(argv, dir, probe_log);
    if (rc)
        snprintf(why, why_size, "this gnuplot lacks the pdfcairo/pngcairo terminals (%s)",
                 error_message());
    remove(probe_log);
    return rc == MG_OK;
}

/* gnuplot's cairo terminals may exit 0 having lost a write on a full
 * disk: a figure counts as complete only if it ends as its format must
 * (a PDF with %%EOF, a PNG with its IEND chunk); synced like the rest. */
static int figure_complete(const fileio_atomic_file *af)
{
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    size_t len = strlen(af->path);
    int png = len > 4 && strcmp(af->path + len - 4, ".png") == 0;
    FILE *f = fopen(af->tmp, "rb");
    if (!f)
        return error_set(MG_EIO, "%s: gnuplot did not write it: %s", af->path, strerror(errno));
    unsigned char tail[32] = {0};
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    size_t n = size >= (long)sizeof tail ? sizeof tail : 0;
    int ok = n && fseek(f, -(long)n, SEEK_END) == 0 && fread(tail, 1, n, f) == n;
    if (ok && png)
        ok = memcmp(tail + n - sizeof iend, iend, sizeof iend) == 0;
    else if (ok) {
        char text[sizeof tail + 1] = {0};
        memcpy(text, tail, n);
        ok = strstr(text + n - 7, "%%EOF") != NULL;
    }
    int synced = fsync(fileno(f)) == 0;
    fclose(f);
    if (!ok)
        return error_set(MG_EIO, "%s: gnuplot wrote an incomplete %s (%ld bytes; disk full?)",
                         af->path, png ? "PNG" : "PDF", size);
    if (!synced)
        return error_set(MG_EIO, "%s: write failed: %s", af->path, strerror(errno));
    return MG_OK;
}

int plot_run(const char *dir, const fileio_atomic_file *script, const fileio_atomic_file *log,
             const fileio_atomic_file *const *figures, size_t n_figures)
{
    char suffix[256], script_name[FS_PATH_BUF];
    snprintf(suffix, sizeof suffix, "suffix = '%s'", script->tmp + strlen(script->path));
    const char *name = strrchr(script->tmp, '/');
    snprintf(script_name, sizeof script_name, "%s", name ? name + 1 : script->tmp);
    const char *argv[] = {"gnuplot", "-e", suffix, script_name, NULL};
    int rc = spawn_run(argv, dir, log->tmp);
    if (rc)
        return error_prefix(MG_EIO, "%s: ", script->path);
    for (size_t i = 0; i < n_figures && !rc; i++)
        if (figures[i])
            rc = figure_complete(figures[i]);
    return rc;
}
