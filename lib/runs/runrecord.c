#include "runs/runrecord.h"
#include "train/rundir.h"
#include "train/provenance.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "model/params.h"
#include "train/recipe.h"
#include "train/summary.h"
#include "util/sha256.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole of a small file, NUL-terminated, in a malloc'd buffer. */
static int read_whole(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? MG_OK : error_set(MG_ENOMEM, "%s: out of memory", path);
    while (!rc) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            rc = error_set(MG_ENOMEM, "%s: out of memory", path);
        else
            buf = grown, cap *= 2;
    }
    if (!rc && ferror(f))
        rc = error_set(MG_EIO, "%s: read error", path);
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return MG_OK;
}

static int read_summary(run_record *r)
{
    char path[FS_PATH_BUF];
    int rc = rundir_path(path, sizeof path, r->dir, RUN_FILE_SUMMARY);
    if (rc)
        return rc;
    struct stat st;
    if (stat(r->dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return error_set(MG_EIO, "run folder %s does not exist (not trained yet?)", r->dir);
    if (stat(path, &st) != 0)
        return error_set(MG_EIO, "run folder %s has no summary.json: the run has not finished",
                         r->dir);
    /* the hash is of the very bytes parsed, so a result that records it
     * names the summary its numbers came from */
    char *text = NULL;
    size_t len = 0;
    rc = read_whole(path, &text, &len);
    if (rc)
        return rc;
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, text, len);
    sha256_final_hex(&c, r->summary_sha256);
    run_summary sum;
    rc = run_summary_parse(path, text, len, &sum);
    free(text);
    if (!rc && sum.seed != r->seed)
        rc = error_set(MG_EFORMAT, "%s: seed: %ld, but the folder is of seed %ld", path, sum.seed,
                       r->seed);
    if (!rc) {
        r->best_val_loss = sum.best_val_loss;
        r->final_val_loss = sum.final_val_loss;
        r->best_step = sum.best_step;
        r->params_total = sum.params_total;
        r->params_active = sum.params_active;
        r->tokens = sum.tokens;
        r->wall_s = sum.wall_s;
    }
    return rc;
}

static int read_metrics(run_record *r)
{
    char path[FS_PATH_BUF];
    int rc = rundir_path(path, sizeof path, r->dir, RUN_FILE_METRICS);
    return rc ? rc : metrics_read_evals(path, &r->evals);
}

int run_record_last_step(const char *dir, long *step)
{
    *step = 0;
    char path[FS_PATH_BUF];
    int rc = rundir_path(path, sizeof path, dir, RUN_FILE_METRICS);
    return rc ? rc : metrics_last_step(path, step);
}

static int read_recipe(run_record *r)
{
    char path[FS_PATH_BUF];
    int rc = rundir_path(path, sizeof path, r->dir, RUN_FILE_RECIPE);
    if (rc)
        return rc;
    r->rec = malloc(sizeof *r->rec);
    if (!r->rec)
        return error_set(MG_ENOMEM, "%s: out of memory", r->dir);
    rc = recipe_read(r->rec, path);
    if (rc)
        return rc;
    r->steps = r->rec->steps;
    r->warmup_steps = recipe_warmup_steps(r->rec);
    snprintf(r->tier, sizeof r->tier, "%s", r->rec->tier);
    return MG_OK;
}

/* provenance.json, where the folder has one, names the folder's seed and
 * the seeds of the weights and the data order. */
static int check_provenance_seed(run_record *r)
{
    char path[FS_PATH_BUF];
    int rc = rundir_path(path, sizeof path, r->dir, RUN_FILE_PROVENANCE);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0)
        return MG_OK;
    provenance_record pr;
    rc = provenance_read(path, &pr);
    if (!rc && pr.seed != r->seed)
        rc = error_set(MG_EFORMAT, "%s: seed: %lld, but the folder is of seed %ld", path, pr.seed,
                       r->seed);
    if (rc)
        return rc;
    r->init_seed = pr.init_seed;
    r->data_seed = pr.data_seed;
    return MG_OK;
}

/* checkpoint.bin, where the folder has one, names the folder's seed and
 * the tokenizer the run trained with. */
static int read_checkpoint(run_record *r)
{
    char path[FS_PATH_BUF];
    int rc = rundir_path(path, sizeof path, r->dir, RUN_FILE_CHECKPOINT);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0)
        return MG_OK;
    run_seeds seeds;
    train_state ts;
    rc = checkpoint_peek(path, &seeds, &ts);
    if (rc)
        return rc;
    if (seeds.run != (uint64_t)r->seed)
        return error_set(MG_EFORMAT, "%s: seed: %llu, but the folder is of seed %ld", path,
                         (unsigned long long)seeds.run, r->seed);
    if (seeds.init != (uint64_t)r->init_seed || seeds.data != (uint64_t)r->data_seed)
        return error_set(MG_EFORMAT, "%s: init_seed, data_seed: %llu and %llu, but "
                         "provenance.json names %lld and %lld", path,
                         (unsigned long long)seeds.init, (unsigned long long)seeds.data,
                         r->init_seed, r->data_seed);
    r->has_tokenizer_hash = 1;
    r->tokenizer_hash = ts.tokenizer_hash;
    return MG_OK;
}

/* summary.json's counts are those of the model recipe.ini describes. */
static int check_params(const run_record *r)
{
    params_counts pc;
    int rc = params_count(&r->rec->model, &pc);
    if (rc)
        return error_prefix(rc, "%s/recipe.ini: ", r->dir);
    if ((long long)pc.n_total != r->params_total)
        return error_set(MG_EFORMAT, "%s/summary.json: params_total: %lld, but recipe.ini's "
                         "model has %zu", r->dir, r->params_total, pc.n_total);
    if ((long long)pc.n_active != r->params_active)
        return error_set(MG_EFORMAT, "%s/summary.json: params_active: %lld, but recipe.ini's "
                         "model has %zu", r->dir, r->params_active, pc.n_active);
    long long tokens = (long long)r->steps * r->rec->batch_size * r->rec->model.seq_len;
    if (r->tokens >= 0 && r->tokens != tokens)
        return error_set(MG_EFORMAT, "%s/summary.json: tokens: %lld, but recipe.ini's %ld steps "
                         "of %d x %d tokens are %lld", r->dir, r->tokens, r->steps,
                         r->rec->batch_size, r->rec->model.seq_len, tokens);
    return MG_OK;
}

/* The evaluations are the schedule's: every eval_every steps and at the
 * end, so a run cut short (or a metrics.tsv cut off) cannot pass for one
 * that finished. */
static int check_schedule(const run_record *r)
{
    long every = r->rec->eval_every, steps = r->steps;
    size_t want = (size_t)(steps / every + (steps % every != 0));
    for (size_t i = 0; i < r->evals.n && i < want; i++) {
        long at = i + 1 < want || steps % every == 0 ? (long)(i + 1) * every : steps;
        if (r->evals.step[i] != at)
            return error_set(MG_EFORMAT, "%s/metrics.tsv: evaluation %zu: step %ld, but the "
                             "schedule of recipe.ini (every %ld steps and at step %ld) has "
                             "step %ld", r->dir, i + 1, r->evals.step[i], every, steps, at);
    }
    if (r->evals.n != want)
        return error_set(MG_EFORMAT, "%s/metrics.tsv: %zu evaluation rows, the last at step %ld, "
                         "but the schedule of recipe.ini (every %ld steps and at step %ld) has "
                         "%zu", r->dir, r->evals.n, r->evals.step[r->evals.n - 1], every, steps,
                         want);
    return MG_OK;
}

/* summary.json's losses are the evaluation rows' minimum and last, to the
 * precision the rows print. */
static int check_losses(const run_record *r)
{
    double tol = r->evals.val_half_unit * (1 + 1e-9);
    size_t lo = 0, at = r->evals.n;
    for (size_t i = 0; i < r->evals.n; i++) {
        if (r->evals.loss[i] < r->evals.loss[lo])
            lo = i;
        if (r->evals.step[i] == r->best_step)
            at = i;
    }
    if (fabs(r->best_val_loss - r->evals.loss[lo]) > tol)
        return error_set(MG_EFORMAT, "%s/summary.json: best_val_loss: %.9g, but the lowest "
                         "evaluation in metrics.tsv is %.9g (step %ld)", r->dir, r->best_val_loss,
                         r->evals.loss[lo], r->evals.step[lo]);
    if (at == r->evals.n || fabs(r->evals.loss[at] - r->evals.loss[lo]) > tol)
        return error_set(MG_EFORMAT, "%s/summary.json: best_step: %ld, but the lowest "
                         "evaluation in metrics.tsv is at step %ld", r->dir, r->best_step,
                         r->evals.step[lo]);
    double last = r->evals.loss[r->evals.n - 1];
    if (fabs(r->final_val_loss - last) > tol)
        return error_set(MG_EFORMAT, "%s/summary.json: final_val_loss: %.9g, but the last "
                         "evaluation in metrics.tsv is %.9g (step %ld)", r->dir,
                         r->final_val_loss, last, r->evals.step[r->evals.n - 1]);
    return MG_OK;
}

int run_record_load(run_record *r, const char *dir, long seed)
{
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->init_seed = r->data_seed = seed;
    if (snprintf(r->dir, sizeof r->dir, "%s", dir) >= (int)sizeof r->dir)
        return error_set(MG_EINVAL, "%s: path too long", dir);
    int rc = read_summary(r);
    if (!rc)
        rc = read_metrics(r);
    if (!rc)
        rc = read_recipe(r);
    if (!rc)
        rc = check_provenance_seed(r);
    if (!rc)
        rc = read_checkpoint(r);
    if (!rc)
        rc = check_params(r);
    if (!rc)
        rc = check_schedule(r);
    if (!rc)
        rc = check_losses(r);
    if (rc)
        run_record_free(r);
    return rc;
}

void run_record_free(run_record *r)
{
    metrics_evals_free(&r->evals);
    free(r->rec);
    r->rec = NULL;
}
