#include "commands.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "runs/runrecord.h"
#include "claims/variance.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: moegap variance --runs DIR --models A,B --init-seeds L --data-seeds L --tier T\n"
    "                       --out FILE\n"
    "\n"
    "Splits the seed-to-seed variance of the best validation loss into the\n"
    "initialisation's share, the data order's share and their interaction\n"
    "(two-way random-effects ANOVA over a crossed design, one run per cell),\n"
    "for models A and B and for their paired gap A - B over the same cells.\n"
    "Reads the run folders DIR/<model>-i<init>-d<data>/ that\n"
    "bench/variance_study.sh trains (moegap train --init-seed --data-seed), and\n"
    "writes the table FILE (TSV, atomically) and a readable copy on stdout.\n"
    "\n"
    "  --runs DIR        the study's run folders\n"
    "  --models A,B      two models; the gap is A - B\n"
    "  --init-seeds L    comma-separated initialisation seeds (2 to 16)\n"
    "  --data-seeds L    comma-separated data-order seeds (2 to 16)\n"
    "  --tier T          the tier every run's recipe must name\n"
    "  --out FILE        the table (variance.tsv)\n";

enum { N_MODELS = 2 };

static int split_models(const char *text, char names[N_MODELS][32])
{
    const char *comma = strchr(text, ',');
    if (!comma || strchr(comma + 1, ',') || comma == text || !comma[1] ||
        (size_t)(comma - text) >= 32 || strlen(comma + 1) >= 32)
        return error_set(MG_EINVAL, "--models: '%s': expected two models, A,B", text);
    snprintf(names[0], 32, "%.*s", (int)(comma - text), text);
    snprintf(names[1], 32, "%s", comma + 1);
    if (strcmp(names[0], names[1]) == 0)
        return error_set(MG_EINVAL, "--models: '%s': the two models are one", text);
    return MG_OK;
}

/* One cell's best loss, from a folder that must be the run of that cell. */
static int cell_loss(const char *runs, const char *model_name, int init, int data, const char *tier,
                     long *steps, double *loss)
{
    char dir[FS_PATH_BUF];
    int rc = fs_pathf(dir, sizeof dir, "%s/%s-i%d-d%d", runs, model_name, init, data);
    if (rc)
        return rc;
    run_record r;
    rc = run_record_load(&r, dir, init);
    if (rc)
        return rc;
    if (r.init_seed != init || r.data_seed != data)
        rc = error_set(MG_EINVAL, "%s: trained with --init-seed %lld --data-seed %lld, not %d "
                       "and %d as its name says", dir, r.init_seed, r.data_seed, init, data);
    else if (strcmp(r.tier, tier) != 0)
        rc = error_set(MG_EINVAL, "%s/recipe.ini: [run] tier: '%s', not '%s'", dir, r.tier,
                       tier);
    /* the table states one length: a study over runs of two would mix designs */
    else if (*steps && r.rec->steps != *steps)
        rc = error_set(MG_EINVAL, "%s/recipe.ini: [train] steps: %ld, but the study's other "
                       "runs have %ld", dir, r.rec->steps, *steps);
    *steps = r.rec->steps;
    *loss = r.best_val_loss;
    run_record_free(&r);
    return rc;
}

static void print_row(const variance_row *row)
{
    const variance_components *c = &row->c;
    printf("  %-24s %8.4f %8.4f   %5.1f%% %5.1f%% %5.1f%%\n", row->quantity, c->mean,
           sqrt(c->var_total), 100 * c->share_init, 100 * c->share_data, 100 * c->share_inter);
}

static int run(const char *runs, const char *models, const char *inits, const char *datas,
               const char *tier, const char *out)
{
    variance_table t = {0};
    char names[N_MODELS][32];
    int rc;
    if ((rc = split_models(models, names)) ||
        (rc = variance_seed_list(inits, t.init_seeds, &t.n_init)) ||
        (rc = variance_seed_list(datas, t.data_seeds, &t.n_data)))
        return rc;
    if (strlen(tier) >= sizeof t.tier)
        return error_set(MG_EINVAL, "--tier: '%s' is too long", tier);
    snprintf(t.tier, sizeof t.tier, "%s", tier);
    size_t I = t.n_init, J = t.n_data;
    double y[N_MODELS][VARIANCE_MAX_SEEDS * VARIANCE_MAX_SEEDS], gap[VARIANCE_MAX_SEEDS * VARIANCE_MAX_SEEDS];
    for (int m = 0; m < N_MODELS; m++)
        for (size_t i = 0; i < I; i++)
            for (size_t j = 0; j < J; j++)
                if ((rc = cell_loss(runs, names[m], t.init_seeds[i], t.data_seeds[j], tier,
                                    &t.steps, &y[m][i * J + j])))
                    return rc;
    for (size_t k = 0; k < I * J; k++)
        gap[k] = y[0][k] - y[1][k];
    const double *series[] = {y[0], y[1], gap};
    for (int q = 0; q < 3; q++) {
        variance_row *row = &t.rows[t.n_rows++];
        if (q < N_MODELS)
            snprintf(row->quantity, sizeof row->quantity, "%s", names[q]);
        else
            snprintf(row->quantity, sizeof row->quantity, "gap %s - %s", names[0], names[1]);
        if ((rc = variance_split(series[q], I, J, &row->c)))
            return rc;
    }
    if ((rc = variance_table_write(out, &t)))
        return rc;
    printf("%s tier, %ld steps, %zu initialisation x %zu data-order seeds; best validation loss "
           "(nats)\n", tier, t.steps, I, J);
    printf("  %-24s %8s %8s   %6s %6s %6s\n", "quantity", "mean", "sd", "init", "data", "inter");
    for (size_t r = 0; r < t.n_rows; r++)
        print_row(&t.rows[r]);
    /* what pairing buys: the gap's variance against two independent runs' */
    double unpaired = t.rows[0].c.var_total + t.rows[1].c.var_total;
    printf("pairing by seed: the gap's variance is %.3g, against %.3g for unpaired runs (%.0f%%)\n",
           t.rows[2].c.var_total, unpaired,
           unpaired > 0 ? 100 * t.rows[2].c.var_total / unpaired : 0.0);
    printf("wrote %s\n", out);
    return MG_OK;
}

int cmd_variance(int argc, char **argv)
{
    const char *runs = NULL, *models = NULL, *inits = NULL, *datas = NULL, *tier = NULL,
               *out = NULL;
    cli_option opts[] = {
        {"--runs", CLI_STRING, &runs, 1, 0, 0, 0},
        {"--models", CLI_STRING, &models, 1, 0, 0, 0},
        {"--init-seeds", CLI_STRING, &inits, 1, 0, 0, 0},
        {"--data-seeds", CLI_STRING, &datas, 1, 0, 0, 0},
        {"--tier", CLI_STRING, &tier, 1, 0, 0, 0},
        {"--out", CLI_STRING, &out, 1, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("variance", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    if (run(runs, models, inits, datas, tier, out) != MG_OK) {
        fprintf(stderr, "moegap variance: %s\n", error_message());
        return 1;
    }
    return 0;
}
