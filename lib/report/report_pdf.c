/* The report as a PDF: the LaTeX into a temporary folder beside the
 * output, with the figures linked in under plain names (a path with a
 * space, '%' or '#' cannot be given to \includegraphics safely), pdflatex
 * there (no shell, no shell escape), then the PDF renamed into place. A
 * failed pdflatex leaves the old PDF, or none, never half of one. */
#include "report/report_data.h"
#include "report/report_latex.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"
#include "util/spawn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the temporary folder: the output's folder and name, and a suffix */
enum { REPORT_BUILD_MAX = 2 * REPORT_PATH_MAX + 32 };

static int write_file(const char *path, const char *text, size_t len)
{
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, path);
    if (rc)
        return rc;
    fwrite(text, 1, len, af.f);
    return fileio_atomic_commit(&af);
}

static int link_figure(const char *figure, const char *build, const char *name)
{
    char link[REPORT_BUILD_MAX + 256];
    int rc = fs_join(link, sizeof link, build, name);
    if (rc)
        return rc;
    char *target = realpath(figure, NULL);
    int ok = target && symlink(target, link) == 0;
    int saved = errno;
    free(target);
    if (!ok)
        return error_set(MG_EIO, "%s: cannot link it into %s: %s", figure, build,
                         strerror(saved));
    return MG_OK;
}

static int link_figures(const report *r, const char *build)
{
    if (r->forest.drawn) {
        int rc = link_figure(r->forest.pdf, build, report_forest_name);
        if (rc)
            return rc;
    }
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        if (res->state == RESULT_MISSING || res->state == RESULT_UNREADABLE)
            continue;
        for (int k = 0; k < REPORT_N_FIGURES; k++) {
            if (!res->figure[k][0] || res->figure_state[k] == FIGURE_MISSING)
                continue;
            char name[256];
            report_figure_name(name, sizeof name, res->proto.name, k);
            int rc = link_figure(res->figure[k], build, name);
            if (rc)
                return rc;
        }
    }
    return MG_OK;
}

/* pdflatex's own account of a failure: its "! ..." lines and the "l.N"
 * lines that place them in report.tex. */
static void log_errors(const char *build, char *out, size_t cap)
{
    char path[REPORT_BUILD_MAX + 32];
    out[0] = '\0';
    if (fs_join(path, sizeof path, build, "report.log") != MG_OK)
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    size_t len = 0;
    int lines = 0;
    while (fgets(line, sizeof line, f) && lines < 8) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '!' && strncmp(line, "l.", 2) != 0)
            continue;
        int w = snprintf(out + len, cap - len, "%s%s", len ? " | " : "", line);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
        lines++;
    }
    fclose(f);
}

/* Whether the log asks for another pass (references, outlines). */
static int wants_rerun(const char *build)
{
    char path[REPORT_BUILD_MAX + 32];
    if (fs_join(path, sizeof path, build, "report.log") != MG_OK)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512];
    int rerun = 0;
    while (!rerun && fgets(line, sizeof line, f))
        rerun = strstr(line, "Rerun") != NULL || strstr(line, "may have changed") != NULL;
    fclose(f);
    return rerun;
}

static int run_pdflatex(const char *build)
{
    const char *argv[] = {"pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "report.tex", NULL};
    char log[REPORT_BUILD_MAX + 32];
    int rc = fs_join(log, sizeof log, build, "pdflatex.out");
    if (rc)
        return rc;
    for (int pass = 0; pass < 3; pass++) {
        if (spawn_run(argv, build, log) != MG_OK) {
            char errors[900];
            log_errors(build, errors, sizeof errors);
            return error_set(MG_EIO, "pdflatex failed: %s", errors[0] ? errors : error_message());
        }
        if (!wants_rerun(build))
            break;
    }
    return MG_OK;
}

int report_write(const report *r, const char *out_pdf)
{
    size_t len = strlen(out_pdf);
    if (len < 5 || strcmp(out_pdf + len - 4, ".pdf") != 0 || len >= REPORT_PATH_MAX)
        return error_set(MG_EINVAL, "%s: the report's file name must end in .pdf", out_pdf);
    if (!spawn_on_path("pdflatex"))
        return error_set(MG_EINVAL, "pdflatex is not on PATH (Debian %s)",
                         spawn_package_hint("pdflatex"));
    char out_tex[REPORT_PATH_MAX], dir[REPORT_PATH_MAX], build[REPORT_BUILD_MAX];
    snprintf(out_tex, sizeof out_tex, "%.*s.tex", (int)(len - 4), out_pdf);
    const char *slash = strrchr(out_pdf, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out_pdf) + (slash == out_pdf) : 1,
             slash ? out_pdf : ".");
    int rc = fs_mkdirs(dir);
    if (rc)
        return rc;

    char *tex = NULL;
    size_t tex_len = 0;
    FILE *mem = open_memstream(&tex, &tex_len);
    if (!mem)
        return error_set(MG_ENOMEM, "report: out of memory");
    rc = report_tex(r, mem);
    if (fclose(mem) != 0 && !rc)
        rc = error_set(MG_ENOMEM, "report: out of memory");
    if (rc) {
        free(tex);
        return rc;
    }

    /* beside the output, so the finished PDF is renamed, not copied */
    rc = fs_pathf(build, sizeof build, "%s/.%s.build-XXXXXX", dir, slash ? slash + 1 : out_pdf);
    if (rc) {
        free(tex);
        return rc;
    }
    if (!mkdtemp(build)) {
        rc = error_set(MG_EIO, "%s: cannot create: %s", build, strerror(errno));
        free(tex);
        return rc;
    }
    char path[REPORT_BUILD_MAX + 32];
    rc = fs_join(path, sizeof path, build, "report.tex");
    if (!rc)
        rc = link_figures(r, build);
    if (!rc)
        rc = write_file(path, tex, tex_len);
    if (!rc && (rc = run_pdflatex(build)))
        rc = error_prefix(rc, "%s: ", out_tex);
    /* the source is kept either way: a failure's l.N lines refer to it */
    int rc_tex = write_file(out_tex, tex, tex_len);
    free(tex);
    if (!rc && !(rc = rc_tex) && !(rc = fs_join(path, sizeof path, build, "report.pdf")) &&
        rename(path, out_pdf) != 0)
        rc = error_set(MG_EIO, "%s: cannot rename into place: %s", out_pdf, strerror(errno));
    fs_remove_dir(build);
    return rc;
}
