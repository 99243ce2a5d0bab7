/* The report's issue list: what a loader found missing, stale or damaged.
 * Loaders add to it; the report prints it on its first page. */
#include "report/report_data.h"
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int report_issue_add(report *r, const char *fmt, ...)
{
    char **grown = realloc(r->issues, (r->n_issues + 1) * sizeof *grown);
    if (!grown)
        return error_set(MG_ENOMEM, "report: out of memory");
    r->issues = grown;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return error_set(MG_ENOMEM, "report: out of memory");
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    r->issues[r->n_issues++] = s;
    return MG_OK;
}

size_t report_issue_count(const report *r)
{
    return r->n_issues;
}

const char *report_issue(const report *r, size_t i)
{
    return i < r->n_issues ? r->issues[i] : NULL;
}

void report_issues_free(report *r)
{
    for (size_t i = 0; i < r->n_issues; i++)
        free(r->issues[i]);
    free(r->issues);
    r->issues = NULL;
    r->n_issues = 0;
}
