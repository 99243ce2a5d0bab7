/* Collecting the current state for the nightly comparison: the checks'
 * result files and what produced the runs behind them. */
#include "baseline/baseline.h"
#include "train/rundir.h"
#include "claims/check.h"
#include "claims/check_result_read.h"
#include "util/error.h"
#include "train/recipe.h"
#include "runs/runname.h"
#include "runs/runrecord.h"

#include "util/fsutil.h"
#include "train/provenance.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

/* A gap's statistics that the result files give per seed, in the order
 * they are compared; the first is in every result. */
static const char *const gap_stats[] = {"best_val_loss_gap", "slope_log_step", "final"};
enum { N_GAP_STATS = sizeof gap_stats / sizeof gap_stats[0] };

/* Fixed before any nightly result was seen; written into the baseline with
 * their reason, and from then on the file's values hold. */
void baseline_default_tolerances(baseline *b)
{
    b->gap_tolerance = 0.02;
    b->loss_tolerance = 0.02;
    snprintf(b->tolerance_reason, sizeof b->tolerance_reason, "%s",
             "At the ci tier the seed-to-seed std of a model's best validation loss is "
             "0.009-0.026 nats and of the gaps 0.019-0.032 nats (3 seeds; the trajectory "
             "slopes' std, per unit of ln step, is 0.018-0.025). Rounding alone moves MoE "
             "results: the same run under other OpenBLAS kernels (only the rounding of the "
             "matrix products differs) moved MoE-4's best loss by 0.014 and dense_total's by "
             "0.00001, so a code change that merely reorders floating-point sums moves a "
             "3-seed mean by about 0.014/sqrt(3) = 0.008; 0.02 is 2.5 times that, and a real "
             "change to the recipe moves a mean by more. So each gap's mean and each model's "
             "mean best loss may move by 0.02 at most; a change that moves the numbers on "
             "purpose accepts a new baseline.");
}

static baseline_item *add_item(baseline_protocol *bp, baseline_kind kind, const char *name,
                               const char *stat)
{
    baseline_item *it = &bp->items[bp->n_items++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    snprintf(it->name, sizeof it->name, "%s", name);
    snprintf(it->stat, sizeof it->stat, "%s", stat);
    it->mde = NAN;
    return it;
}

/* results/<name>.json, held to its protocol and to the runs: a result
 * from an older protocol (other models or gaps), or one whose runs
 * changed since (or cannot be told), is stale, and an error, so that
 * neither a comparison nor --accept rests on it. Its seeds become the
 * protocol's: the check was given them, and they name the runs. */
static int read_result(baseline_protocol *bp, protocol *p, const char *path,
                       const char *runs_dir)
{
    check_result_file *f = calloc(1, sizeof *f);
    if (!f)
        return error_set(MG_ENOMEM, "%s: out of memory", path);
    int rc = check_result_file_read(f, path, NULL);
    if (!rc)
        rc = check_result_file_fits(f, p);
    /* the seeds the check was given: the runs it names, and what the
     * comparison holds against the baseline's */
    if (!rc)
        rc = protocol_set_seeds(p, f->seeds, f->n_seeds);
    if (!rc) {
        snprintf(bp->verdict, sizeof bp->verdict, "%s", check_verdict_name(f->verdict));
        memcpy(bp->seeds, p->seeds, (size_t)p->n_seeds * sizeof *p->seeds);
        bp->n_seeds = (size_t)p->n_seeds;
    }
    char why[1200];
    if (!rc && !check_result_file_fresh(f, p, runs_dir, runs_dir, why, sizeof why))
        rc = error_set(MG_EFORMAT, "%s: stale result: %s (run moegap check again)", path, why);
    for (int g = 0; !rc && g < p->n_gaps; g++) {
        const check_result_file_gap *fg = check_result_file_gap_named(f, p->gaps[g].name);
        const check_result_file_test *tests[N_GAP_STATS] = {&fg->best, &fg->slope, &fg->final};
        for (int s = 0; s < N_GAP_STATS; s++) {
            if (!tests[s]->present)
                continue; /* only trajectories have the last two */
            baseline_item *it = add_item(bp, BASELINE_GAP, p->gaps[g].name, gap_stats[s]);
            memcpy(it->per_seed, tests[s]->per_seed, bp->n_seeds * sizeof *it->per_seed);
            it->mean = tests[s]->mean;
            it->mde = tests[s]->mde;
        }
    }
    for (int m = 0; !rc && m < p->n_models; m++) {
        const check_result_file_model *fm = check_result_file_model_named(f, p->models[m]);
        baseline_item *it = add_item(bp, BASELINE_MODEL, p->models[m], "");
        memcpy(it->per_seed, fm->best, bp->n_seeds * sizeof *it->per_seed);
        it->mean = fm->mean;
    }
    check_result_file_free(f);
    free(f);
    return rc;
}

/* What produced one run: its tier from recipe.ini, the rest from
 * provenance.json. */
typedef struct {
    char tier[64];
    char commit[64];
    int dirty;
    baseline_machine machine;
} run_origin;

static int read_origin(run_origin *o, const char *run_dir, recipe *rec)
{
    char path[BASELINE_PATH_MAX];
    int rc = rundir_path(path, sizeof path, run_dir, RUN_FILE_RECIPE);
    if (!rc)
        rc = recipe_read(rec, path);
    if (rc)
        return rc;
    if (!rec->tier[0])
        return error_set(MG_EFORMAT, "%s: [run] tier: empty (the tier the results belong to)",
                         path);
    snprintf(o->tier, sizeof o->tier, "%s", rec->tier);

    rc = rundir_path(path, sizeof path, run_dir, RUN_FILE_PROVENANCE);
    provenance_record pr;
    if (!rc)
        rc = provenance_read(path, &pr);
    if (rc)
        return rc;
    snprintf(o->commit, sizeof o->commit, "%s", pr.commit);
    o->machine = provenance_record_machine(&pr);
    /* null: not built from a git tree, so no commit pins the code */
    o->dirty = pr.dirty != 0 || strcmp(o->commit, "unknown") == 0;
    return MG_OK;
}


/* Folds one run's origin into b; `first` names the run that set it. */
static int merge_origin(baseline *b, const run_origin *o, const char *run_dir, char *first,
                        size_t first_cap)
{
    if (!first[0]) {
        snprintf(first, first_cap, "%s", run_dir);
        snprintf(b->tier, sizeof b->tier, "%s", o->tier);
        snprintf(b->commit, sizeof b->commit, "%s", o->commit);
        b->machine = o->machine;
        b->dirty = o->dirty;
        return MG_OK;
    }
    if (strcmp(b->tier, o->tier) != 0)
        return error_set(MG_EFORMAT, "%s/recipe.ini: [run] tier: '%s', but %s has '%s'", run_dir,
                         o->tier, first, b->tier);
    /* results from two kinds of machine can be neither exact nor one baseline */
    if (!baseline_same_machine(&b->machine, &o->machine)) {
        char here[768], there[768];
        baseline_machine_text(here, sizeof here, &o->machine);
        baseline_machine_text(there, sizeof there, &b->machine);
        return error_set(MG_EFORMAT, "%s/provenance.json: %s, but %s has %s: the runs come "
                         "from different machines", run_dir, here, first, there);
    }
    if (strcmp(b->commit, o->commit) != 0)
        b->commit[0] = '\0';
    b->dirty |= o->dirty;
    return MG_OK;
}

static int read_origins(baseline *b, const protocol *p, const char *runs_dir, recipe *rec,
                        char *first, size_t first_cap)
{
    int rc = MG_OK;
    for (int m = 0; !rc && m < p->n_models; m++)
        for (int s = 0; !rc && s < p->n_seeds; s++) {
            char dir[BASELINE_PATH_MAX];
            run_origin o;
            rc = runname_dir(dir, sizeof dir, runs_dir, p->models[m], p->seeds[s]);
            if (!rc)
                rc = read_origin(&o, dir, rec);
            if (!rc)
                rc = merge_origin(b, &o, dir, first, first_cap);
        }
    return rc;
}

static int collect_protocol(baseline *b, const char *ini, const char *results_dir,
                            const char *runs_dir, protocol *p, recipe *rec, char *first,
                            size_t first_cap)
{
    int rc = protocol_read(p, ini);
    if (rc)
        return rc;
    baseline_protocol *bp = &b->protocols[b->n_protocols++];
    memset(bp, 0, sizeof *bp);
    snprintf(bp->name, sizeof bp->name, "%s", p->name);
    char file[PROTOCOL_NAME_MAX + 8], path[BASELINE_PATH_MAX];
    snprintf(file, sizeof file, "%s.json", p->name);
    rc = fs_join(path, sizeof path, results_dir, file);
    if (rc)
        return rc;
    if (!fs_exists(path)) {
        snprintf(bp->missing, sizeof bp->missing, "%s", path);
        return MG_OK;
    }
    bp->present = 1;
    rc = read_result(bp, p, path, runs_dir);
    if (!rc)
        rc = read_origins(b, p, runs_dir, rec, first, first_cap);
    return rc;
}

int baseline_collect(baseline *b, const char *results_dir, const char *runs_dir,
                     const char *protocols_dir)
{
    memset(b, 0, sizeof *b);
    baseline_default_tolerances(b);
    provenance_now(b->date);
    protocol_list g;
    int rc = protocol_list_read(&g, protocols_dir, BASELINE_MAX_PROTOCOLS);
    if (rc)
        return rc;
    protocol *p = malloc(sizeof *p);
    recipe *rec = malloc(sizeof *rec);
    char first[BASELINE_PATH_MAX] = "";
    if (!p || !rec)
        rc = error_set(MG_ENOMEM, "%s: out of memory", protocols_dir);
    for (size_t i = 0; !rc && i < g.n; i++)
        rc = collect_protocol(b, g.paths[i], results_dir, runs_dir, p, rec, first,
                              sizeof first);
    free(p);
    free(rec);
    protocol_list_free(&g);
    return rc;
}
