/* How the report names a paper dir's files: the kinds of figure a check
 * draws, and paths shown relative to the paper dir. */
#include "report/report_data.h"

#include <string.h>

const char *const report_figure_kinds[REPORT_N_FIGURES] = {"curves", "gaps", "best"};

const char *report_rel(const report *r, const char *path)
{
    size_t n = strlen(r->paper_dir);
    while (n > 1 && r->paper_dir[n - 1] == '/')
        n--;
    if (n && strncmp(path, r->paper_dir, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}
