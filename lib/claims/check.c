#include "claims/check.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "train/recipe.h"
#include "runs/runrecord.h"
#include "runs/runname.h"
#include "runs/tier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int check_verdict_parse(const char *name, check_verdict *out)
{
    for (check_verdict k = VERDICT_PASS; k <= VERDICT_INCONCLUSIVE; k++)
        if (strcmp(name, check_verdict_name(k)) == 0) {
            *out = k;
            return MG_OK;
        }
    return error_set(MG_EFORMAT, "'%.40s': expected PASS, CONTRADICTED or INCONCLUSIVE", name);
}

int check_exit_status(check_verdict v)
{
    return v == VERDICT_PASS ? 0 : v == VERDICT_INCONCLUSIVE ? CHECK_EXIT_INCONCLUSIVE : 1;
}

const char *check_verdict_name(check_verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "PASS";
    case VERDICT_CONTRADICTED: return "CONTRADICTED";
    case VERDICT_INCONCLUSIVE: return "INCONCLUSIVE";
    case VERDICT_NONE: break;
    }
    return "-";
}

/* The t-test over the per-seed values, then the verdict of the claim. */
static int decide(check_test *t, size_t n, double alpha, double power)
{
    int rc = stats_t_test(t->value, n, &t->t);
    if (!rc)
        rc = stats_t_interval(&t->t, CHECK_CI_LEVEL, &t->ci_lo, &t->ci_hi);
    t->mde = NAN;
    if (rc || t->claim == SIGN_NONE)
        return rc;
    t->mde = stats_mde(t->t.sd, n, alpha, power);
    double p_claim = t->claim == SIGN_POSITIVE ? t->t.p_greater : t->t.p_less;
    double p_opposite = t->claim == SIGN_POSITIVE ? t->t.p_less : t->t.p_greater;
    if (p_claim < alpha) {
        t->verdict = VERDICT_PASS;
    } else if (p_opposite < alpha) {
        t->verdict = VERDICT_CONTRADICTED;
    } else {
        t->verdict = VERDICT_INCONCLUSIVE;
        t->needed_sign = t->t.mean > 0 ? SIGN_POSITIVE : t->t.mean < 0 ? SIGN_NEGATIVE : SIGN_NONE;
        t->seeds_needed = stats_seeds_needed(t->t.mean, t->t.sd, alpha, power);
    }
    return MG_OK;
}

static void combine(check_verdict *acc, const check_test *t)
{
    if (!t->gate || t->verdict == VERDICT_NONE)
        return;
    if (t->verdict == VERDICT_CONTRADICTED || *acc == VERDICT_CONTRADICTED)
        *acc = VERDICT_CONTRADICTED;
    else if (t->verdict == VERDICT_INCONCLUSIVE || *acc == VERDICT_INCONCLUSIVE)
        *acc = VERDICT_INCONCLUSIVE;
}

static int load_runs(const protocol *p, const char *runs_dir, run_record *runs)
{
    for (int m = 0; m < p->n_models; m++)
        for (int s = 0; s < p->n_seeds; s++) {
            char dir[FS_PATH_BUF];
            run_record *r = &runs[m * p->n_seeds + s];
            int rc = runname_dir(dir, sizeof dir, runs_dir, p->models[m], p->seeds[s]);
            if (rc == MG_OK)
                rc = run_record_load(r, dir, p->seeds[s]);
            if (rc)
                return error_prefix(rc, "%s seed %d: ", p->models[m], p->seeds[s]);
            /* pairing by seed assumes seed s drew both the weights and the data */
            if (r->init_seed != p->seeds[s] || r->data_seed != p->seeds[s])
                return error_set(MG_EINVAL, "%s seed %d: %s: trained with --init-seed %lld "
                                 "--data-seed %lld, not a run of seed %d", p->models[m],
                                 p->seeds[s], dir, r->init_seed, r->data_seed, p->seeds[s]);
        }
    return MG_OK;
}

/* A run's recipe is of the kind its tier defines for its model: the
 * experts and top-k of the tier's recipe, or dense for a match. The tier
 * is the runs' [run] tier (one for all, checked before), read from the
 * tiers/ folder beside the protocol. */
static int check_kind(const protocol *p, const tier_info *t, const char *dir,
                      const char *model_name, const run_record *run)
{
    int n_experts = 0, top_k = 0;
    int rc = tier_model_kind(t, dir, model_name, &n_experts, &top_k);
    if (rc)
        return error_prefix(rc, "%s: [runs] models: ", p->path);
    const model_config *c = &run->rec->model;
    if (c->n_experts != n_experts)
        return error_set(MG_EFORMAT, "%s/recipe.ini: [model] n_experts: %d, but %s has %d",
                         run->dir, c->n_experts, model_name, n_experts);
    /* a dense recipe's top_k is not read */
    if (n_experts && c->top_k != top_k)
        return error_set(MG_EFORMAT, "%s/recipe.ini: [model] top_k: %d, but %s has %d",
                         run->dir, c->top_k, model_name, top_k);
    return MG_OK;
}

static int runs_tier(const protocol *p, const run_record *run0, tier_info *t, char *dir,
                     size_t cap)
{
    char protocols_dir[PROTOCOL_PATH_MAX];
    protocol_dir(p, protocols_dir, sizeof protocols_dir);
    if (!run0->tier[0])
        return error_set(MG_EFORMAT, "%s/recipe.ini: [run] tier: missing, so no tier to say "
                         "what %s is", run0->dir, p->models[0]);
    int rc = tier_dir(dir, cap, protocols_dir, run0->tier);
    return rc ? rc : tier_read(t, dir);
}

/* Every recipe key (of section `only`, or of all when NULL) is the same in a
 * and b. */
static int same_keys(const run_record *a, const run_record *b, const char *only,
                     const char *why)
{
    for (size_t k = 0; k < recipe_key_count(); k++) {
        const char *sec, *name;
        char va[RECIPE_PATH_MAX], vb[RECIPE_PATH_MAX];
        if (only && recipe_key_per_model(k))
            continue; /* [run] matched differs between the models by design */
        recipe_key_text(a->rec, k, &sec, &name, va, sizeof va);
        recipe_key_text(b->rec, k, &sec, &name, vb, sizeof vb);
        if ((!only || strcmp(sec, only) == 0) && strcmp(va, vb) != 0)
            return error_set(MG_EFORMAT, "%s/recipe.ini: [%s] %s: '%s', but %s has '%s' (%s)",
                             a->dir, sec, name, va, b->dir, vb, why);
    }
    return MG_OK;
}

/* Every run is the one its folder names: one tier, corpus and tokenizer
 * for all; each model's kind; one recipe for all seeds of a model. A copied,
 * edited or misplaced run folder would otherwise stand in for another. */
static int check_identity(const protocol *p, const run_record *runs)
{
    int ns = p->n_seeds;
    size_t n_runs = (size_t)p->n_models * (size_t)ns;
    int rc = MG_OK;
    for (size_t i = 1; i < n_runs && !rc; i++) {
        rc = same_keys(&runs[i], &runs[0], "run", "a check compares runs of one tier and corpus");
        if (!rc && runs[i].has_tokenizer_hash && runs[0].has_tokenizer_hash &&
            runs[i].tokenizer_hash != runs[0].tokenizer_hash)
            rc = error_set(MG_EFORMAT, "%s/checkpoint.bin: tokenizer_hash: %016llx, but %s has "
                           "%016llx (a check compares runs of one tokenizer)", runs[i].dir,
                           (unsigned long long)runs[i].tokenizer_hash, runs[0].dir,
                           (unsigned long long)runs[0].tokenizer_hash);
    }
    tier_info *t = rc ? NULL : malloc(sizeof *t);
    char dir[TIER_PATH_MAX];
    if (!rc && !t)
        rc = error_set(MG_ENOMEM, "check: out of memory");
    if (!rc)
        rc = runs_tier(p, &runs[0], t, dir, sizeof dir);
    for (int m = 0; m < p->n_models && !rc; m++)
        for (int s = 0; s < ns && !rc; s++) {
            rc = check_kind(p, t, dir, p->models[m], &runs[m * ns + s]);
            if (!rc && s > 0)
                rc = same_keys(&runs[m * ns + s], &runs[m * ns], NULL,
                               "the seeds of one model share its recipe");
        }
    free(t);
    return rc;
}

/* The evaluation steps every run shares; 0 (and no curves) when they
 * differ, which only a trajectory check refuses. */
static int common_steps(check_result *r, const run_record *runs, size_t n_runs)
{
    const run_record *first = &runs[0];
    for (size_t i = 1; i < n_runs; i++) {
        int same = runs[i].evals.n == first->evals.n &&
                   memcmp(runs[i].evals.step, first->evals.step,
                          first->evals.n * sizeof *first->evals.step) == 0;
        if (!same) {
            if (r->proto.statistic == STATISTIC_TRAJECTORY)
                return error_set(MG_EFORMAT, "%s/metrics.tsv: its evaluation steps differ from "
                                 "those of %s: the gaps cannot be paired step by step",
                                 runs[i].dir, first->dir);
            return MG_OK;
        }
    }
    r->steps = malloc(first->evals.n * sizeof *r->steps);
    if (!r->steps)
        return error_set(MG_ENOMEM, "check: out of memory");
    memcpy(r->steps, first->evals.step, first->evals.n * sizeof *r->steps);
    r->n_steps = first->evals.n;
    return MG_OK;
}

/* Mean and std over seeds of a per-step series, for every step. */
static int series_stats(size_t n_steps, int n_seeds, const double *by_seed, double **mean,
                        double **sd)
{
    *mean = malloc(n_steps * sizeof **mean);
    *sd = malloc(n_steps * sizeof **sd);
    if (!*mean || !*sd)
        return error_set(MG_ENOMEM, "check: out of memory");
    double col[PROTOCOL_MAX_SEEDS];
    for (size_t i = 0; i < n_steps; i++) {
        for (int s = 0; s < n_seeds; s++)
            col[s] = by_seed[(size_t)s * n_steps + i];
        int rc = stats_mean_sd(col, (size_t)n_seeds, &(*mean)[i], &(*sd)[i]);
        if (rc)
            return rc;
    }
    return MG_OK;
}

static int models_and_curves(check_result *r, const run_record *runs)
{
    const protocol *p = &r->proto;
    int ns = p->n_seeds;
    for (int m = 0; m < p->n_models; m++) {
        check_model *cm = &r->models[m];
        const run_record *r0 = &runs[m * ns];
        cm->params_total = r0->params_total;
        cm->params_active = r0->params_active;
        for (int s = 0; s < ns; s++) {
            const run_record *rr = &runs[m * ns + s];
            if (rr->params_total != cm->params_total || rr->params_active != cm->params_active)
                return error_set(MG_EFORMAT, "%s/summary.json: parameter counts differ from %s's:"
                                 " not the same model", rr->dir, r0->dir);
            cm->best[s] = rr->best_val_loss;
            memcpy(cm->summary_sha256[s], rr->summary_sha256, sizeof cm->summary_sha256[s]);
        }
        int rc = stats_mean_sd(cm->best, (size_t)ns, &cm->best_mean, &cm->best_sd);
        if (rc)
            return rc;
        if (!r->n_steps)
            continue;
        double *by_seed = malloc((size_t)ns * r->n_steps * sizeof *by_seed);
        if (!by_seed)
            return error_set(MG_ENOMEM, "check: out of memory");
        for (int s = 0; s < ns; s++)
            memcpy(by_seed + (size_t)s * r->n_steps, runs[m * ns + s].evals.loss,
                   r->n_steps * sizeof *by_seed);
        rc = series_stats(r->n_steps, ns, by_seed, &cm->curve_mean, &cm->curve_sd);
        free(by_seed);
        if (rc)
            return rc;
    }
    return MG_OK;
}

/* The schedule every run of a trajectory shares, and the evaluations the
 * slope fits use: every one after warm-up. */
static int trajectory_setup(check_result *r, const run_record *runs, size_t n_runs)
{
    for (size_t i = 1; i < n_runs; i++)
        if (runs[i].steps != runs[0].steps || runs[i].warmup_steps != runs[0].warmup_steps)
            return error_set(MG_EFORMAT, "%s/recipe.ini: %ld steps with %ld of warm-up, but %s "
                             "has %ld with %ld: the schedules differ", runs[i].dir, runs[i].steps,
                             runs[i].warmup_steps, runs[0].dir, runs[0].steps,
                             runs[0].warmup_steps);
    r->total_steps = runs[0].steps;
    r->warmup_steps = runs[0].warmup_steps;
    r->n_fit = 0;
    for (size_t i = 0; i < r->n_steps; i++)
        r->n_fit += r->steps[i] > r->warmup_steps;
    if (r->n_fit < 2)
        return error_set(MG_EINVAL, "%s: only %zu evaluation(s) after the %ld warm-up steps: a "
                         "slope needs 2", runs[0].dir, r->n_fit, r->warmup_steps);
    /* the evaluation nearest early_share of training, ties to the earlier */
    double target = r->proto.early_share * (double)r->total_steps;
    r->early_step = r->steps[0];
    for (size_t i = 1; i < r->n_steps; i++)
        if (fabs((double)r->steps[i] - target) < fabs((double)r->early_step - target))
            r->early_step = r->steps[i];
    return MG_OK;
}

static int gap_trajectory(check_result *r, int g, const run_record *runs)
{
    const protocol *p = &r->proto;
    const protocol_gap *pg = &p->gaps[g];
    check_gap *cg = &r->gaps[g];
    int ns = p->n_seeds;
    size_t n = r->n_steps;
    double *by_seed = malloc((size_t)ns * n * sizeof *by_seed);
    double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
    int rc = by_seed && fx && fy ? MG_OK : error_set(MG_ENOMEM, "check: out of memory");
    for (int s = 0; s < ns && !rc; s++)
        for (size_t i = 0; i < n; i++)
            by_seed[(size_t)s * n + i] = runs[pg->a * ns + s].evals.loss[i] -
                                         runs[pg->b * ns + s].evals.loss[i];
    if (!rc)
        rc = series_stats(n, ns, by_seed, &cg->traj_mean, &cg->traj_sd);
    if (!rc && p->statistic == STATISTIC_TRAJECTORY) {
        double early[PROTOCOL_MAX_SEEDS];
        for (int s = 0; s < ns && !rc; s++) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (r->steps[i] == r->early_step)
                    early[s] = by_seed[(size_t)s * n + i];
                if (r->steps[i] > r->warmup_steps) {
                    fx[k] = (double)r->steps[i];
                    fy[k++] = by_seed[(size_t)s * n + i];
                }
            }
            rc = stats_slope_log(fx, fy, k, &cg->slope.value[s], NULL);
            if (rc)
                rc = error_prefix(rc, "gap %s, seed %d: ", pg->name, p->seeds[s]);
            cg->final.value[s] = by_seed[(size_t)s * n + n - 1];
        }
        if (!rc)
            rc = stats_mean_sd(early, (size_t)ns, &cg->early_mean, &cg->early_sd);
        cg->slope.claim = pg->slope;
        cg->slope.gate = pg->gate && pg->slope != SIGN_NONE;
        cg->final.claim = pg->final;
        cg->final.gate = pg->gate && pg->final != SIGN_NONE;
        if (!rc)
            rc = decide(&cg->slope, (size_t)ns, p->alpha, p->power);
        if (!rc)
            rc = decide(&cg->final, (size_t)ns, p->alpha, p->power);
    }
    free(by_seed);
    free(fx);
    free(fy);
    return rc;
}

static int compute(check_result *r, const run_record *runs, const reference_set *ref)
{
    const protocol *p = &r->proto;
    size_t n_runs = (size_t)p->n_models * (size_t)p->n_seeds;
    int rc = common_steps(r, runs, n_runs);
    if (!rc && p->statistic == STATISTIC_TRAJECTORY)
        rc = trajectory_setup(r, runs, n_runs);
    if (!rc)
        rc = models_and_curves(r, runs);
    for (int m = 0; m < p->n_models && !rc; m++)
        r->models[m].paper = reference_paper(ref, p->models[m]);
    r->verdict = VERDICT_PASS;
    for (int g = 0; g < p->n_gaps && !rc; g++) {
        const protocol_gap *pg = &p->gaps[g];
        check_gap *cg = &r->gaps[g];
        if (pg->paper[0] && !(cg->paper = reference_paper(ref, pg->paper)))
            return error_set(MG_EINVAL, "%s: [gap %s] paper: no row '%s' in %s", p->path,
                             pg->name, pg->paper, ref->paper_path);
        for (int s = 0; s < p->n_seeds; s++)
            cg->best.value[s] = r->models[pg->a].best[s] - r->models[pg->b].best[s];
        /* a best-loss check decides on the best-loss gap; a trajectory
         * check reports it beside its slopes */
        cg->best.claim = p->statistic == STATISTIC_BEST_VAL_LOSS ? pg->direction : SIGN_NONE;
        cg->best.gate = pg->gate;
        rc = decide(&cg->best, (size_t)p->n_seeds, p->alpha, p->power);
        if (!rc && r->n_steps)
            rc = gap_trajectory(r, g, runs);
        combine(&r->verdict, &cg->best);
        combine(&r->verdict, &cg->slope);
        combine(&r->verdict, &cg->final);
    }
    return rc;
}

int check_run(const protocol *p, const char *runs_dir, const reference_set *ref,
              check_result *out)
{
    memset(out, 0, sizeof *out);
    out->proto = *p;
    snprintf(out->runs_dir, sizeof out->runs_dir, "%s", runs_dir);
    size_t n_runs = (size_t)p->n_models * (size_t)p->n_seeds;
    run_record *runs = calloc(n_runs, sizeof *runs);
    if (!runs)
        return error_set(MG_ENOMEM, "check: out of memory");
    int rc = load_runs(p, runs_dir, runs);
    if (!rc)
        rc = check_identity(p, runs);
    if (!rc)
        rc = compute(out, runs, ref);
    for (size_t i = 0; i < n_runs; i++)
        run_record_free(&runs[i]);
    free(runs);
    if (rc) {
        check_result_free(out);
        return rc;
    }
    return MG_OK;
}

void check_result_free(check_result *r)
{
    free(r->steps);
    r->steps = NULL;
    for (int m = 0; m < PROTOCOL_MAX_MODELS; m++) {
        free(r->models[m].curve_mean);
        free(r->models[m].curve_sd);
        r->models[m].curve_mean = r->models[m].curve_sd = NULL;
    }
    for (int g = 0; g < PROTOCOL_MAX_GAPS; g++) {
        free(r->gaps[g].traj_mean);
        free(r->gaps[g].traj_sd);
        r->gaps[g].traj_mean = r->gaps[g].traj_sd = NULL;
    }
}
