/* The runs behind the report: each model's run folders (summary.json and
 * metrics.tsv through run_record, provenance.json, recipe.ini), its
 * parameter counts, the MoE count a dense model was matched to (its
 * recipe's [run] matched), and the corpora
 * the recipes train on (corpus.json). A missing or unfinished run is an
 * issue, never skipped. */
#include "report/report_data.h"
#include "data/prepare_json.h"
#include "runs/runname.h"
#include "util/error.h"
#include "util/fsutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int read_provenance(report *r, report_run *run)
{
    char path[REPORT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/provenance.json", run->rec.dir);
    if (provenance_read(path, &run->prov) != MG_OK)
        return report_issue_add(r, "provenance unreadable: %s", error_message());
    return MG_OK;
}

static int load_run(report *r, report_model *m, report_run *run)
{
    char runs[REPORT_PATH_MAX], dir[REPORT_PATH_MAX];
    if (fs_join(runs, sizeof runs, r->paper_dir, "runs") ||
        runname_dir(dir, sizeof dir, runs, m->name, run->seed))
        return report_issue_add(r, "MISSING run %s seed %d: %s", m->name, run->seed,
                                error_message());
    struct stat st;
    if (stat(dir, &st) != 0) {
        run->state = RUN_MISSING;
        snprintf(run->why, sizeof run->why, "run folder %s does not exist", report_rel(r, dir));
        return report_issue_add(r, "MISSING run %s seed %d: %s", m->name, run->seed, run->why);
    }
    if (run_record_load(&run->rec, dir, run->seed) != MG_OK) {
        run->state = RUN_BROKEN;
        snprintf(run->why, sizeof run->why, "%s", error_message());
        return report_issue_add(r, "MISSING run %s seed %d: %s", m->name, run->seed, run->why);
    }
    run->state = RUN_DONE;
    return read_provenance(r, run);
}

static void canonical(char path[RECIPE_PATH_MAX])
{
    char *real = realpath(path, NULL);
    if (real && strlen(real) < RECIPE_PATH_MAX)
        strcpy(path, real);
    free(real);
}

/* The recipe the model ran with (its first finished run's recipe.ini), and
 * its counts, held against what summary.json states. */
static int load_recipe(report *r, report_model *m)
{
    const report_run *run = NULL;
    for (int s = 0; s < m->n_seeds && !run; s++)
        if (m->runs[s].state == RUN_DONE)
            run = &m->runs[s];
    if (!run)
        return report_issue_add(r, "%s: no finished run, so no recipe or parameter counts",
                                m->name);
    char path[REPORT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/recipe.ini", run->rec.dir);
    if (recipe_read(&m->rec, path) != MG_OK)
        return report_issue_add(r, "%s: recipe unreadable: %s", m->name, error_message());
    /* one corpus reached through two recipe folders is one folder */
    canonical(m->rec.train_tokens);
    canonical(m->rec.val_tokens);
    if (params_count(&m->rec.model, &m->counts) != MG_OK)
        return report_issue_add(r, "%s: %s", path, error_message());
    m->have_recipe = 1;
    for (int s = 0; s < m->n_seeds; s++) {
        const run_record *rec = &m->runs[s].rec;
        if (m->runs[s].state == RUN_DONE &&
            (rec->params_total != (long long)m->counts.n_total ||
             rec->params_active != (long long)m->counts.n_active)) {
            int rc = report_issue_add(r, "%s/summary.json: %lld total, %lld active parameters, "
                                      "but its recipe counts %zu and %zu", rec->dir,
                                      rec->params_total, rec->params_active, m->counts.n_total,
                                      m->counts.n_active);
            if (rc)
                return rc;
        }
    }
    return MG_OK;
}

/* Each dense model's MoE and count, as its recipe records them ([run]
 * matched, written by the width solver's callers): the name of one of the
 * report's models and active or total. The mismatch is taken against that
 * count, so a dense model lying nearer to another MoE's count is still
 * shown beside the one it was solved for. A dense recipe without the record
 * (written before it was kept), or naming no model of the report, is an
 * issue, and the model is shown unmatched. */
static int find_matches(report *r)
{
    for (int d = 0; d < r->n_models; d++) {
        report_model *dm = &r->models[d];
        dm->match_moe = -1;
        if (!dm->have_recipe || model_config_is_moe(&dm->rec.model))
            continue;
        const recipe_match *mt = &dm->rec.matched;
        if (!mt->model[0]) {
            int rc = report_issue_add(r, "%s: its recipe.ini has no [run] matched (the MoE "
                                      "model and count the width solver matched it to, as "
                                      "moegap plan --write-recipes and moegap params --write "
                                      "record them): no MoE to set it beside", dm->name);
            if (rc)
                return rc;
            continue;
        }
        int e = 0;
        while (e < r->n_models && strcmp(r->models[e].name, mt->model) != 0)
            e++;
        const report_model *em = e < r->n_models ? &r->models[e] : NULL;
        if (!em || !em->have_recipe || !model_config_is_moe(&em->rec.model)) {
            int rc = report_issue_add(r, "%s: [run] matched = %s %s, but %s is %s", dm->name,
                                      mt->model, params_target_name(mt->target), mt->model,
                                      !em ? "no model of the report's protocols"
                                      : !em->have_recipe ? "without a recipe (no finished run)"
                                                         : "no MoE");
            if (rc)
                return rc;
            continue;
        }
        int active = mt->target == PARAMS_TARGET_ACTIVE;
        double target = (double)(active ? em->counts.n_active : em->counts.n_total);
        dm->match_moe = e;
        dm->match_active = active;
        dm->mismatch = ((double)dm->counts.n_total - target) / target;
    }
    return MG_OK;
}

static int read_corpus(report *r, report_corpus *c)
{
    char path[REPORT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/corpus.json", c->dir);
    prepare_corpus_record rec;
    if (prepare_read_json(path, &rec) != MG_OK)
        return report_issue_add(r, "%s corpus description %s", fs_exists(path) ? "UNREADABLE"
                                                                             : "MISSING",
                                error_message());
    snprintf(c->source, sizeof c->source, "%s", rec.corpus);
    snprintf(c->source_sha256, sizeof c->source_sha256, "%s", rec.source_sha256);
    c->files = rec.files;
    snprintf(c->tokenizer, sizeof c->tokenizer, "%s", rec.tokenizer);
    snprintf(c->tokenizer_hash, sizeof c->tokenizer_hash, "%s", rec.tokenizer_hash);
    snprintf(c->spm_version, sizeof c->spm_version, "%s", rec.spm_version);
    c->vocab = rec.vocab_size;
    for (int i = 0; i < 2; i++) {
        c->docs[i] = rec.documents[i];
        c->tokens[i] = rec.tokens[i];
    }
    c->ok = 1;
    return MG_OK;
}

/* The corpus folder of every recipe: where its train tokens are. */
static int collect_corpora(report *r)
{
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        if (!rm->have_recipe)
            continue;
        char dir[RECIPE_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", rm->rec.train_tokens);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        int k = 0;
        while (k < r->n_corpora && strcmp(r->corpora[k].dir, dir) != 0)
            k++;
        if (k < r->n_corpora)
            continue;
        if (k == REPORT_MAX_CORPORA)
            return report_issue_add(r, "more than %d corpora: %s left out", REPORT_MAX_CORPORA,
                                    dir);
        report_corpus *c = &r->corpora[r->n_corpora++];
        snprintf(c->dir, sizeof c->dir, "%s", dir);
        snprintf(c->label, sizeof c->label, "%s", rm->rec.corpus);
        int rc = read_corpus(r, c);
        if (rc)
            return rc;
    }
    return MG_OK;
}

int report_runs_load(report *r)
{
    for (int m = 0; m < r->n_models; m++) {
        report_model *rm = &r->models[m];
        rm->runs = calloc((size_t)rm->n_seeds, sizeof *rm->runs);
        if (!rm->runs)
            return error_set(MG_ENOMEM, "report: out of memory");
        for (int s = 0; s < rm->n_seeds; s++) {
            rm->runs[s].seed = rm->seeds[s];
            int rc = load_run(r, rm, &rm->runs[s]);
            if (rc)
                return rc;
        }
        int rc = load_recipe(r, rm);
        if (rc)
            return rc;
    }
    int rc = find_matches(r);
    return rc ? rc : collect_corpora(r);
}
