#include "runs/plan.h"
#include "runs/plan_read.h"
#include "util/error.h"
#include "model/params.h"
#include "runs/reference.h"
#include "runs/runname.h"
#include "runs/runrecord.h"
#include "train/tokens.h"

#include "util/fsutil.h"
#include "util/jsonio.h"
#include "train/rundir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- the models ----------------------------------------------------------- */

/* The recipe a tier model stands for: its file, or the dense model the
 * solver matches to its base's count (as moegap params --match writes it:
 * ffn_hidden resized, multiple 1, everything else the base's). */
static int model_recipe(plan *pl, int t, plan_model *m)
{
    const tier_model *tm = &pl->tier.models[t];
    const tier_model *src = tm->recipe[0] ? tm : &pl->tier.models[tm->base];
    char path[TIER_PATH_MAX];
    int rc = fs_join(path, sizeof path, pl->tier_dir, src->recipe);
    if (!rc)
        rc = recipe_read(&m->recipe, path);
    if (rc)
        return rc;
    if (tm->recipe[0]) {
        snprintf(m->derivation, sizeof m->derivation, "recipe %s", tm->recipe);
        return MG_OK;
    }
    params_match_request q = {(params_target)tm->target, PARAMS_WIDTH_FFN_HIDDEN, 1, 0};
    params_match_result r;
    if (params_match(&m->recipe.model, &q, &r))
        return error_set(MG_EINVAL, "%s: [model %s] match: %s", pl->tier.path, tm->name,
                         error_message());
    if ((rc = recipe_dense_from_moe(&m->recipe, &m->recipe, &r.dense, src->name,
                                    (params_target)tm->target)))
        return error_prefix(rc, "%s: [model %s] ", pl->tier.path, tm->name);
    snprintf(m->derivation, sizeof m->derivation, "match %s %s", src->name,
             params_target_name((params_target)tm->target));
    return MG_OK;
}

/* Training FLOPs per token, the closed form the speeds are scaled by. */
static double flops_per_token(const plan_model *m)
{
    const model_config *c = &m->recipe.model;
    return 6.0 * (double)m->params_active + 12.0 * c->n_layers * c->seq_len * c->d_model;
}

static int model_fill(plan *pl, int t, plan_model *m)
{
    m->tier_index = t;
    int rc = model_recipe(pl, t, m);
    params_counts n;
    if (!rc)
        rc = params_count(&m->recipe.model, &n);
    if (rc)
        return rc;
    const recipe *r = &m->recipe;
    m->params_total = n.n_total;
    m->params_active = n.n_active;
    m->tokens = r->steps * (long)r->batch_size * r->model.seq_len;
    m->evals = r->steps / r->eval_every + (r->steps % r->eval_every != 0);
    m->val_tokens = -1;
    token_file tf;
    if (fs_exists(r->val_tokens) && tokens_read(&tf, r->val_tokens) == MG_OK) {
        m->val_tokens = (long)tf.n;
        tokens_free(&tf);
    }
    return MG_OK;
}

/* Speeds: measured, else scaled by FLOPs from the tier's first measured
 * model, else none. */
static void model_speeds(plan *pl, const reference_speed *sp)
{
    const plan_model *ref = NULL;
    const reference_speed_row *ref_row = NULL;
    for (int i = 0; i < pl->n_models && !ref; i++) {
        const char *name = pl->tier.models[pl->models[i].tier_index].name;
        if ((ref_row = reference_speed_find(sp, pl->tier_name, name)))
            ref = &pl->models[i];
    }
    for (int i = 0; i < pl->n_models; i++) {
        plan_model *m = &pl->models[i];
        const char *name = pl->tier.models[m->tier_index].name;
        const reference_speed_row *row = reference_speed_find(sp, pl->tier_name, name);
        double scale = 1;
        if (row) {
            m->speed = PLAN_SPEED_MEASURED;
        } else if (ref) {
            row = ref_row;
            m->speed = PLAN_SPEED_SCALED;
            scale = flops_per_token(ref) / flops_per_token(m);
            snprintf(m->speed_from, sizeof m->speed_from, "%s",
                     pl->tier.models[ref->tier_index].name);
        } else {
            m->speed = PLAN_SPEED_NONE;
            m->run_core_hours = -1;
            continue;
        }
        m->threads = row->threads;
        m->train_tokens_per_s = row->train_tokens_per_s * scale;
        m->eval_tokens_per_s = row->eval_tokens_per_s * scale;
        double s = (double)m->tokens / m->train_tokens_per_s;
        if (m->val_tokens >= 0)
            s += (double)m->evals * (double)m->val_tokens / m->eval_tokens_per_s;
        m->run_core_hours = s * m->threads / 3600.0;
    }
}

/* --- the plan ------------------------------------------------------------- */

/* The protocols' models, marked in need[] by tier index; the checks. */
static int read_protocols(plan *pl, const char *protocols_dir, int *need)
{
    protocol_list list;
    int rc = protocol_list_read(&list, protocols_dir, PLAN_MAX_PROTOCOLS);
    if (rc)
        return rc;
    pl->checks = calloc(list.n, sizeof *pl->checks);
    protocol *p = malloc(sizeof *p);
    if (!pl->checks || !p)
        rc = error_set(MG_ENOMEM, "%s: out of memory", protocols_dir);
    for (size_t i = 0; !rc && i < list.n; i++) {
        if ((rc = protocol_read(p, list.paths[i])))
            break;
        plan_check *c = &pl->checks[pl->n_checks++];
        snprintf(c->name, sizeof c->name, "%s", p->name);
        snprintf(c->path, sizeof c->path, "%s", list.paths[i]);
        for (int m = 0; !rc && m < p->n_models; m++) {
            int t = tier_model_index(&pl->tier, p->models[m]);
            if (t < 0) {
                rc = error_set(MG_EINVAL, "%s: [runs] models: '%s' is no model of the tier %s "
                               "(%s defines them)", list.paths[i], p->models[m], pl->tier_name,
                               pl->tier.path);
                break;
            }
            need[t] = 1;
            c->models[c->n_models++] = t; /* a tier index until renumbered */
        }
    }
    free(p);
    protocol_list_free(&list);
    return rc;
}

int plan_build(plan *pl, const char *protocols_dir, const char *tier, const int *seeds,
               int n_seeds, const char *reference_dir)
{
    memset(pl, 0, sizeof *pl);
    snprintf(pl->tier_name, sizeof pl->tier_name, "%s", tier);
    int rc = tier_dir(pl->tier_dir, sizeof pl->tier_dir, protocols_dir, tier);
    if (rc || (rc = tier_read(&pl->tier, pl->tier_dir)))
        return rc;
    char why[600];
    if (seeds && !tier_seeds_valid(seeds, n_seeds, why, sizeof why))
        return error_set(MG_EINVAL, "seeds: %s", why);
    pl->n_seeds = seeds ? n_seeds : pl->tier.n_seeds;
    memcpy(pl->seeds, seeds ? seeds : pl->tier.seeds, (size_t)pl->n_seeds * sizeof *pl->seeds);

    int need[TIER_MAX_MODELS] = {0}, index_of[TIER_MAX_MODELS];
    if ((rc = read_protocols(pl, protocols_dir, need)))
        goto fail;
    pl->models = calloc(TIER_MAX_MODELS, sizeof *pl->models);
    if (!pl->models) {
        rc = error_set(MG_ENOMEM, "plan: out of memory");
        goto fail;
    }
    for (int t = 0; t < pl->tier.n_models; t++) {
        index_of[t] = -1;
        if (!need[t])
            continue;
        if ((rc = model_fill(pl, t, &pl->models[pl->n_models])))
            goto fail;
        index_of[t] = pl->n_models++;
    }
    for (int c = 0; c < pl->n_checks; c++)
        for (int m = 0; m < pl->checks[c].n_models; m++)
            pl->checks[c].models[m] = index_of[pl->checks[c].models[m]];

    reference_speed sp;
    if ((rc = reference_speed_load(&sp, reference_dir)))
        goto fail;
    model_speeds(pl, &sp);
    reference_speed_free(&sp);

    pl->runs = calloc((size_t)pl->n_models * (size_t)pl->n_seeds, sizeof *pl->runs);
    if (!pl->runs) {
        rc = error_set(MG_ENOMEM, "plan: out of memory");
        goto fail;
    }
    pl->evals_costed = 1;
    for (int m = 0; m < pl->n_models; m++) {
        const plan_model *pm = &pl->models[m];
        if (pm->val_tokens < 0)
            pl->evals_costed = 0;
        if (pm->run_core_hours < 0)
            pl->core_hours = -1;
        else if (pl->core_hours >= 0)
            pl->core_hours += pm->run_core_hours * pl->n_seeds;
        for (int s = 0; s < pl->n_seeds; s++) {
            plan_run *r = &pl->runs[pl->n_runs++];
            r->model = m;
            r->seed = pl->seeds[s];
            if ((rc = runname_format(r->name, sizeof r->name,
                                     pl->tier.models[pm->tier_index].name, r->seed)))
                goto fail;
        }
    }
    return MG_OK;
fail:
    plan_free(pl);
    return rc;
}

void plan_free(plan *pl)
{
    free(pl->models);
    free(pl->runs);
    free(pl->checks);
    pl->models = NULL;
    pl->runs = NULL;
    pl->checks = NULL;
    pl->n_models = pl->n_runs = pl->n_checks = 0;
}

int plan_check_runs(const plan *pl, int check, int *out)
{
    int n = 0;
    const plan_check *c = &pl->checks[check];
    for (int m = 0; m < c->n_models; m++)
        for (int r = 0; r < pl->n_runs; r++)
            if (pl->runs[r].model == c->models[m])
                out[n++] = r;
    return n;
}

/* --- where the runs stand ---------------------------------------------------- */

const char *plan_run_state_name(plan_run_state s)
{
    static const char *const names[PLAN_N_STATES] = {"missing", "started", "interrupted",
                                                     "running", "done"};
    return s < PLAN_N_STATES ? names[s] : "?";
}

int plan_run_status_read(const plan *pl, int run, const char *runs_dir, plan_run_status *st)
{
    char dir[TIER_PATH_MAX], path[TIER_PATH_MAX + 32];
    memset(st, 0, sizeof *st);
    int rc = fs_join(dir, sizeof dir, runs_dir, pl->runs[run].name);
    if (rc)
        return rc;
    if (!fs_exists(dir))
        return MG_OK;
    if ((rc = run_record_last_step(dir, &st->step)))
        return rc;
    st->pid = rundir_live_holder(dir);
    if (!(rc = rundir_path(path, sizeof path, dir, RUN_FILE_SUMMARY)) && fs_exists(path))
        st->state = PLAN_RUN_DONE;
    else if (st->pid)
        st->state = PLAN_RUN_RUNNING;
    else if (!(rc = rundir_path(path, sizeof path, dir, RUN_FILE_CHECKPOINT)) && fs_exists(path))
        st->state = PLAN_RUN_INTERRUPTED;
    else
        st->state = PLAN_RUN_STARTED;
    if (st->state != PLAN_RUN_RUNNING)
        st->pid = 0;
    return rc;
}

/* --- writing ---------------------------------------------------------------- */

static const char *model_name(const plan *pl, int m)
{
    return pl->tier.models[pl->models[m].tier_index].name;
}

int plan_write_tsv(const plan *pl, FILE *f)
{
    fprintf(f, "%s\n", PLAN_TSV_HEADER); /* the header plan_table_read checks */
    for (int i = 0; i < pl->n_runs; i++) {
        const plan_run *r = &pl->runs[i];
        const plan_model *m = &pl->models[r->model];
        fprintf(f, "run\t%s\t%s\t%d\t%s\t%ld\t%ld\t", r->name, model_name(pl, r->model), r->seed,
                m->derivation, m->tokens, m->evals);
        if (m->run_core_hours < 0)
            fprintf(f, "-\t-\n");
        else
            fprintf(f, "%.4f\t-\n", m->run_core_hours);
    }
    int runs[PROTOCOL_MAX_MODELS * PROTOCOL_MAX_SEEDS];
    for (int c = 0; c < pl->n_checks; c++) {
        fprintf(f, "check\t%s\t-\t-\t%s\t-\t-\t-\t", pl->checks[c].name, pl->checks[c].path);
        int n = plan_check_runs(pl, c, runs);
        for (int i = 0; i < n; i++)
            fprintf(f, "%s%s", i ? "," : "", pl->runs[runs[i]].name);
        fputc('\n', f);
    }
    return ferror(f) ? error_set(MG_EIO, "writing the plan: write error") : MG_OK;
}

int plan_write_recipes(const plan *pl, const char *dir)
{
    char path[TIER_PATH_MAX], file[PROTOCOL_NAME_MAX + 8], tsv[TIER_PATH_MAX];
    int rc = fs_mkdirs(dir);
    if (!rc)
        rc = fs_join(tsv, sizeof tsv, dir, "recipes.tsv");
    if (rc)
        return rc;
    fileio_atomic_file list;
    if ((rc = fileio_atomic_open(&list, tsv)))
        return rc;
    fprintf(list.f, "%s\n", PLAN_RECIPES_HEADER); /* the header recipes_table_read checks */
    for (int m = 0; m < pl->n_models && !rc; m++) {
        snprintf(file, sizeof file, "%s.ini", model_name(pl, m));
        fileio_atomic_file af;
        if ((rc = fs_join(path, sizeof path, dir, file)) || (rc = fileio_atomic_open(&af, path)))
            break;
        recipe_write(&pl->models[m].recipe, af.f);
        if ((rc = fileio_atomic_commit(&af)))
            break;
        fprintf(list.f, "%s\t%s\n", model_name(pl, m), path);
    }
    if (rc) {
        fileio_atomic_abort(&list);
        return rc;
    }
    return fileio_atomic_commit(&list);
}

static const char *speed_name(plan_speed_kind k)
{
    return k == PLAN_SPEED_MEASURED ? "measured" : k == PLAN_SPEED_SCALED ? "scaled" : "none";
}

int plan_write_json(const plan *pl, const char *path)
{
    json_t *root = json_object(), *models = json_array(), *runs = json_array(),
           *checks = json_array(), *seeds = json_array();
    for (int s = 0; s < pl->n_seeds; s++)
        json_array_append_new(seeds, json_integer(pl->seeds[s]));
    for (int m = 0; m < pl->n_models; m++) {
        const plan_model *pm = &pl->models[m];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(model_name(pl, m)));
        json_object_set_new(o, "derivation", json_string(pm->derivation));
        json_object_set_new(o, "params_total", json_integer((json_int_t)pm->params_total));
        json_object_set_new(o, "params_active", json_integer((json_int_t)pm->params_active));
        json_object_set_new(o, "tokens", json_integer(pm->tokens));
        json_object_set_new(o, "evals", json_integer(pm->evals));
        json_object_set_new(o, "val_tokens",
                            pm->val_tokens < 0 ? json_null() : json_integer(pm->val_tokens));
        json_object_set_new(o, "speed", json_string(speed_name(pm->speed)));
        if (pm->speed != PLAN_SPEED_NONE) {
            json_object_set_new(o, "threads", json_integer(pm->threads));
            json_object_set_new(o, "train_tokens_per_s", json_real(pm->train_tokens_per_s));
            json_object_set_new(o, "eval_tokens_per_s", json_real(pm->eval_tokens_per_s));
        }
        if (pm->speed == PLAN_SPEED_SCALED)
            json_object_set_new(o, "scaled_from", json_string(pm->speed_from));
        json_object_set_new(o, "run_core_hours",
                            pm->run_core_hours < 0 ? json_null() : json_real(pm->run_core_hours));
        json_array_append_new(models, o);
    }
    for (int i = 0; i < pl->n_runs; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(pl->runs[i].name));
        json_object_set_new(o, "model", json_string(model_name(pl, pl->runs[i].model)));
        json_object_set_new(o, "seed", json_integer(pl->runs[i].seed));
        json_array_append_new(runs, o);
    }
    int idx[PROTOCOL_MAX_MODELS * PROTOCOL_MAX_SEEDS];
    for (int c = 0; c < pl->n_checks; c++) {
        json_t *o = json_object(), *needs = json_array();
        int n = plan_check_runs(pl, c, idx);
        for (int i = 0; i < n; i++)
            json_array_append_new(needs, json_string(pl->runs[idx[i]].name));
        json_object_set_new(o, "name", json_string(pl->checks[c].name));
        json_object_set_new(o, "protocol", json_string(pl->checks[c].path));
        json_object_set_new(o, "needs", needs);
        json_array_append_new(checks, o);
    }
    json_object_set_new(root, "tier", json_string(pl->tier_name));
    json_object_set_new(root, "seeds", seeds);
    json_object_set_new(root, "models", models);
    json_object_set_new(root, "runs", runs);
    json_object_set_new(root, "checks", checks);
    json_object_set_new(root, "core_hours",
                        pl->core_hours < 0 ? json_null() : json_real(pl->core_hours));
    json_object_set_new(root, "evals_costed", json_boolean(pl->evals_costed));
    return jsonio_write(path, root);
}

static int by_cost_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

double plan_wall_hours(const plan *pl, int cores)
{
    if (pl->core_hours < 0 || cores < 1)
        return -1;
    double *cost = malloc((size_t)pl->n_runs * sizeof *cost);
    double *load = calloc((size_t)cores, sizeof *load);
    double wall = -1;
    if (cost && load) {
        for (int i = 0; i < pl->n_runs; i++) {
            const plan_model *m = &pl->models[pl->runs[i].model];
            cost[i] = m->run_core_hours / m->threads; /* a run's own wall time */
        }
        qsort(cost, (size_t)pl->n_runs, sizeof *cost, by_cost_desc);
        wall = 0;
        for (int i = 0; i < pl->n_runs; i++) {
            int c = 0;
            for (int k = 1; k < cores; k++)
                if (load[k] < load[c])
                    c = k;
            load[c] += cost[i];
            if (load[c] > wall)
                wall = load[c];
        }
    }
    free(cost);
    free(load);
    return wall;
}

void plan_print(const plan *pl, FILE *f)
{
    char seeds[PROTOCOL_MAX_SEEDS * 8];
    tier_seeds_text(seeds, sizeof seeds, pl->seeds, pl->n_seeds);
    fprintf(f, "plan: tier %s (%s), seeds %s: %d models, %d runs, %d checks\n\n", pl->tier_name,
            pl->tier.path, seeds, pl->n_models, pl->n_runs, pl->n_checks);
    fprintf(f, "%-13s %-20s %10s %10s %10s %6s %9s  %s\n", "model", "from", "total", "active",
            "tokens", "evals", "core-h", "speed (tokens/s, threads)");
    for (int m = 0; m < pl->n_models; m++) {
        const plan_model *pm = &pl->models[m];
        fprintf(f, "%-13s %-20s %10zu %10zu %10ld %6ld ", model_name(pl, m), pm->derivation,
                pm->params_total, pm->params_active, pm->tokens, pm->evals);
        if (pm->run_core_hours < 0)
            fprintf(f, "%9s  none measured for the tier (reference/speed.tsv)\n", "-");
        else
            fprintf(f, "%9.3f  %.0f train, %.0f eval, %d thread%s%s%s%s\n", pm->run_core_hours,
                    pm->train_tokens_per_s, pm->eval_tokens_per_s, pm->threads,
                    pm->threads == 1 ? "" : "s",
                    pm->speed == PLAN_SPEED_SCALED ? "; scaled by FLOPs from " : "",
                    pm->speed == PLAN_SPEED_SCALED ? pm->speed_from : "",
                    pm->val_tokens < 0 ? "; evaluations not costed (no val file yet)" : "");
    }
    fprintf(f, "\n");
    int idx[PROTOCOL_MAX_MODELS * PROTOCOL_MAX_SEEDS];
    for (int c = 0; c < pl->n_checks; c++) {
        fprintf(f, "check %-15s needs %d runs:", pl->checks[c].name,
                plan_check_runs(pl, c, idx));
        for (int m = 0; m < pl->checks[c].n_models; m++)
            fprintf(f, " %s", model_name(pl, pl->checks[c].models[m]));
        fprintf(f, " x %d seeds\n", pl->n_seeds);
    }
    if (pl->core_hours < 0) {
        fprintf(f, "\ntotal: unknown (a model of the tier has no measured speed)\n");
        return;
    }
    fprintf(f, "\ntotal: %.2f core-hours over %d runs%s\n", pl->core_hours, pl->n_runs,
            pl->evals_costed ? "" : " (training only where the val file is missing)");
    fprintf(f, "wall time, one run a core:");
    static const int cores[] = {1, 2, 16, 64};
    for (size_t c = 0; c < sizeof cores / sizeof cores[0]; c++)
        fprintf(f, "%s %.2f h on %d core%s", c ? "," : "", plan_wall_hours(pl, cores[c]),
                cores[c], cores[c] == 1 ? "" : "s");
    fprintf(f, "\n");
}
