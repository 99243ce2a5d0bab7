/* The paper label's training progress, read from the files the runs write
 * as they go (see runs/progress.h). */
#include "runs/progress.h"
#include "train/rundir.h"
#include "util/error.h"
#include "model/params.h"
#include "train/recipe.h"
#include "runs/plan_read.h"
#include "runs/runname.h"
#include "runs/runrecord.h"

#include "util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds (model, seed) unless it is there; runs stay in the order the
 * protocols (sorted by file name) first name their models, then by seed. */
static int add_run(progress_state *s, const char *name, int seed, const char *proto_path)
{
    int at = 0, seen = 0;
    for (; at < s->n_runs; at++) {
        const progress_run *r = &s->runs[at];
        int same = strcmp(r->name, name) == 0;
        if (same && r->seed == seed)
            return MG_OK;
        if ((same && r->seed > seed) || (!same && seen))
            break; /* within, or just after, the model's runs */
        seen |= same;
    }
    if (s->n_runs == PROGRESS_MAX_RUNS)
        return error_set(MG_EINVAL, "%s: more than %d runs over the protocols", proto_path,
                         PROGRESS_MAX_RUNS);
    memmove(&s->runs[at + 1], &s->runs[at], (size_t)(s->n_runs - at) * sizeof *s->runs);
    progress_run *r = &s->runs[at];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->seed = seed;
    s->n_runs++;
    return MG_OK;
}

static int read_runs(progress_state *s, const char *protocols_dir, const int *seeds, int n_seeds)
{
    protocol_list g;
    int rc = protocol_list_read(&g, protocols_dir, PROGRESS_MAX_RUNS);
    if (rc)
        return rc;
    protocol *p = malloc(sizeof *p);
    if (!p)
        rc = error_set(MG_ENOMEM, "%s: out of memory", protocols_dir);
    for (size_t i = 0; !rc && i < g.n; i++) {
        rc = protocol_read(p, g.paths[i]);
        for (int m = 0; !rc && m < p->n_models; m++)
            for (int k = 0; !rc && k < n_seeds; k++)
                rc = add_run(s, p->models[m], seeds[k], p->path);
    }
    free(p);
    protocol_list_free(&g);
    return rc;
}

/* The steps and the cost of a step of `model`'s recipe. */
static int read_recipe_cost(const char *path, long *steps, double *cost)
{
    recipe *rec = malloc(sizeof *rec);
    if (!rec)
        return error_set(MG_ENOMEM, "%s: out of memory", path);
    params_counts pc;
    int rc = recipe_read(rec, path);
    if (!rc)
        rc = params_count(&rec->model, &pc);
    if (!rc) {
        *steps = rec->steps;
        *cost = (double)rec->batch_size * rec->model.seq_len * (double)pc.n_active;
    }
    free(rec);
    return rc;
}

/* recipes.tsv (runs/plan_read.h's reader): each model's steps and step
 * cost from its recipe, read once however many seeds it has. */
static int read_recipes(progress_state *s, const char *paper_dir)
{
    char path[PROTOCOL_PATH_MAX + 32];
    int rc = fs_join(path, sizeof path, paper_dir, "recipes/recipes.tsv");
    if (rc || !fs_exists(path))
        return rc; /* not planned yet: the steps are not known */
    recipes_table t;
    rc = recipes_table_read(&t, path);
    for (int row = 0; !rc && row < t.n; row++) {
        const recipes_table_row *m = &t.rows[row];
        long steps = 0;
        double cost = 0;
        int read = 0;
        for (int i = 0; !rc && i < s->n_runs; i++) {
            progress_run *r = &s->runs[i];
            if (strcmp(r->name, m->model) != 0)
                continue;
            if (!read && (rc = read_recipe_cost(m->recipe, &steps, &cost)))
                rc = error_prefix(rc, "%s:%ld: recipe of %s: ", path, m->line, m->model);
            read = 1;
            r->steps = steps;
            r->step_cost = cost;
        }
    }
    recipes_table_free(&t);
    if (rc)
        return rc;
    s->have_recipes = 1;
    for (int i = 0; i < s->n_runs; i++)
        s->have_recipes &= s->runs[i].steps > 0;
    return MG_OK;
}

int progress_read(progress_state *s, const char *paper_dir, const char *protocols_dir,
                  const int *seeds, int n_seeds)
{
    memset(s, 0, sizeof *s);
    int rc = read_runs(s, protocols_dir, seeds, n_seeds);
    if (!rc)
        rc = read_recipes(s, paper_dir);
    for (int i = 0; !rc && i < s->n_runs; i++) {
        progress_run *r = &s->runs[i];
        char runs[PROTOCOL_PATH_MAX + 8], dir[PROTOCOL_PATH_MAX + 128], summary[sizeof dir + 16];
        rc = fs_join(runs, sizeof runs, paper_dir, "runs");
        if (!rc)
            rc = runname_dir(dir, sizeof dir, runs, r->name, r->seed);
        if (!rc)
            rc = rundir_path(summary, sizeof summary, dir, RUN_FILE_SUMMARY);
        if (!rc)
            rc = run_record_last_step(dir, &r->done);
        if (!rc)
            r->finished = fs_exists(summary);
    }
    return rc;
}

void progress_sum(const progress_state *s, progress_totals *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < s->n_runs; i++) {
        const progress_run *r = &s->runs[i];
        /* a finished run is all its steps, whatever its last row says */
        long done = r->finished && r->steps ? r->steps : r->done;
        if (r->steps && done > r->steps)
            done = r->steps;
        t->finished += r->finished;
        t->steps_done += done;
        t->steps += r->steps;
        t->work_done += (double)done * r->step_cost;
        t->work += (double)r->steps * r->step_cost;
    }
}
