/* The report's "where the variance comes from" subsection: the tier's
 * variance study (reference/variance-<tier>.tsv, bench/variance_study.sh),
 * read by its one reader. */
#include "report/report_data.h"
#include "report/report_latex.h"
#include "util/error.h"
#include "claims/variance.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

/* The tier of the report's runs: the first finished run's recipe names it. */
static const char *report_tier(const report *r)
{
    for (int m = 0; m < r->n_models; m++)
        if (r->models[m].have_recipe && r->models[m].rec.tier[0])
            return r->models[m].rec.tier;
    return NULL;
}

static void put_seed_list(FILE *f, const int *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? ", " : "", s[i]);
}

static void put_table(FILE *f, const variance_table *t)
{
    fputs("\\begin{center}\\small\\begin{tabular}{lrrrrr}\n\\toprule\n"
          "quantity & mean & sd & init & data & interaction \\\\\n\\midrule\n", f);
    for (size_t i = 0; i < t->n_rows; i++) {
        const variance_components *c = &t->rows[i].c;
        report_latex_text(f, t->rows[i].quantity);
        fprintf(f, " & %.4f & %.4f & %.0f\\%% & %.0f\\%% & %.0f\\%% \\\\\n", c->mean,
                sqrt(c->var_total), 100 * c->share_init, 100 * c->share_data,
                100 * c->share_inter);
    }
    fputs("\\bottomrule\n\\end{tabular}\\end{center}\n", f);
}

int report_variance_load(report *r)
{
    const char *tier = report_tier(r);
    r->variance_state = VARIANCE_NONE;
    if (!tier)
        return MG_OK;
    snprintf(r->variance_path, sizeof r->variance_path, "%s/variance-%s.tsv", r->reference_dir,
             tier);
    struct stat st;
    if (stat(r->variance_path, &st) != 0)
        return MG_OK;
    if (variance_table_read(r->variance_path, &r->variance) != MG_OK)
        snprintf(r->variance_why, sizeof r->variance_why, "%s", error_message());
    else if (strcmp(r->variance.tier, tier) != 0)
        snprintf(r->variance_why, sizeof r->variance_why, "%s: tier: '%s', but the runs are of "
                 "the %s tier", r->variance_path, r->variance.tier, tier);
    else {
        r->variance_state = VARIANCE_OK;
        return MG_OK;
    }
    r->variance_state = VARIANCE_BAD;
    return report_issue_add(r, "%s", r->variance_why);
}

void report_tex_variance(const report *r, FILE *f)
{
    fputs("\\subsection{Where the variance comes from}\n", f);
    if (r->variance_state == VARIANCE_NONE) {
        fputs("No variance study is recorded for this tier (\\texttt{bench/variance\\_study.sh} "
              "writes one; the report reads \\texttt{reference/variance-<tier>.tsv}).\n\n", f);
        return;
    }
    if (r->variance_state == VARIANCE_BAD) {
        fputs("\\problem{The variance study could not be read:} ", f);
        report_latex_wrap(f, r->variance_why);
        fputs("\n\n", f);
        return;
    }
    const variance_table *t = &r->variance;
    fputs("The seed-to-seed spread of the best validation loss, split by a two-way "
          "random-effects ANOVA over a crossed design: initialisation seeds ", f);
    put_seed_list(f, t->init_seeds, t->n_init);
    fputs(" by data-order seeds ", f);
    put_seed_list(f, t->data_seeds, t->n_data);
    fputs(" (\\texttt{moegap train --init-seed --data-seed}), one run per cell (", f);
    /* it lies in the reference folder, not the paper dir: its name says enough */
    const char *slash = strrchr(r->variance_path, '/');
    report_latex_path(f, slash ? slash + 1 : r->variance_path);
    fprintf(f, " of the reference folder), every run %ld steps long. sd is that of one run "
               "drawn with both seeds new; the shares are of its variance. A share estimated "
               "below zero is shown as 0.", t->steps);
    /* the study stays a measurement of the design it was made on */
    for (int m = 0; m < r->n_models; m++)
        if (r->models[m].have_recipe && r->models[m].rec.steps != t->steps) {
            fprintf(f, " This report's runs are %ld steps long: the study measured another "
                       "design of the tier.", r->models[m].rec.steps);
            break;
        }
    fputs("\n", f);
    put_table(f, t);
    if (t->n_rows == 3) {
        double unpaired = t->rows[0].c.var_total + t->rows[1].c.var_total;
        fprintf(f, "Pairing by seed leaves the gap %.0f\\%% of the variance two independent "
                   "runs' difference would have.\n\n",
                unpaired > 0 ? 100 * t->rows[2].c.var_total / unpaired : 0.0);
    }
}
