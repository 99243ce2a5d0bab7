#include "moegap/train.h"
#include "moegap/error.h"
#include "moegap/fileio.h"
#include "moegap/optim.h"

#include <cblas.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int path_join(char *dst, size_t n, const char *dir, const char *name)
{
    if ((size_t)snprintf(dst, n, "%s/%s", dir, name) >= n)
        return error_set(MG_EINVAL, "%s/%s: path too long", dir, name);
    return MG_OK;
}

static int write_recipe(const char *dir, const recipe *r)
{
    char path[RECIPE_PATH_MAX + 64];
    int rc = path_join(path, sizeof path, dir, "recipe.ini");
    atomic_file af;
    if (rc || (rc = atomic_open(&af, path)))
        return rc;
    recipe_write(r, af.f);
    return atomic_commit(&af);
}

static int write_summary(const char *dir, const train_options *o, const train_result *res,
                         const model *m)
{
    json_t *j = json_object();
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(j, "threads", json_integer(o->threads));
    json_object_set_new(j, "best_val_loss", json_real(res->best_val));
    json_object_set_new(j, "best_step", json_integer(res->best_step));
    json_object_set_new(j, "final_val_loss", json_real(res->final_val));
    json_object_set_new(j, "n_params", json_integer((json_int_t)res->n_params));
    json_object_set_new(j, "tokens", json_integer(res->tokens));
    json_object_set_new(j, "wall_s", json_real(res->wall_s));
    json_object_set_new(j, "moe", json_boolean(model_config_is_moe(&m->cfg)));
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(j);
    if (!text)
        return error_set(MG_ENOMEM, "out of memory for summary.json");
    char path[RECIPE_PATH_MAX + 64];
    atomic_file af;
    int rc = path_join(path, sizeof path, dir, "summary.json");
    if (!rc)
        rc = atomic_open(&af, path);
    if (!rc) {
        fputs(text, af.f);
        fputc('\n', af.f);
        rc = atomic_commit(&af);
    }
    free(text);
    return rc;
}

static void metrics_header(FILE *f, const model *m)
{
    fprintf(f, "kind\tstep\ttokens\tlr\ttrain_ce\tlb_loss\tz_loss\tgrad_norm\ttokens_per_s\tval_ce");
    if (model_config_is_moe(&m->cfg))
        for (int l = 0; l < m->cfg.n_layers; l++)
            for (int e = 0; e < m->cfg.n_experts; e++)
                fprintf(f, "\tload_l%d_e%d", l, e);
    fputc('\n', f);
}

static void metrics_train_row(FILE *f, const model *m, long step, long tokens, float lr,
                              double gnorm, double tps)
{
    fprintf(f, "train\t%ld\t%ld\t%.6g\t%.6f\t%.6g\t%.6g\t%.6g\t%.1f\t", step, tokens, lr,
            m->losses.ce, m->losses.lb, m->losses.z, gnorm, tps);
    if (model_config_is_moe(&m->cfg))
        for (int i = 0; i < m->cfg.n_layers * m->cfg.n_experts; i++)
            fprintf(f, "\t%.4f", m->expert_load[i]);
    fputc('\n', f);
}

static void metrics_eval_row(FILE *f, const model *m, long step, long tokens, double val)
{
    fprintf(f, "eval\t%ld\t%ld\t\t\t\t\t\t\t%.6f", step, tokens, val);
    if (model_config_is_moe(&m->cfg))
        for (int i = 0; i < m->cfg.n_layers * m->cfg.n_experts; i++)
            fputc('\t', f);
    fputc('\n', f);
}

/* One line that rewrites itself on a terminal; plain lines every 10%
 * otherwise, so logs stay readable. */
static void progress(const train_options *o, long step, long total, double loss, double tps,
                     double elapsed)
{
    if (!o->progress)
        return;
    double eta = step > 0 ? elapsed / step * (total - step) : 0.0;
    if (isatty(fileno(stderr))) {
        fprintf(stderr, "\r  step %ld/%ld  loss %.4f  %.0f tok/s  ETA %.0fs   ", step, total, loss,
                tps, eta);
        if (step == total)
            fputc('\n', stderr);
    } else if (step == total || step % (total / 10 > 0 ? total / 10 : 1) == 0) {
        fprintf(stderr, "  step %ld/%ld  loss %.4f  %.0f tok/s  ETA %.0fs\n", step, total, loss,
                tps, eta);
    }
}

int train_run(const train_options *o, train_result *res)
{
    const recipe *r = o->recipe;
    int rc = recipe_validate(r);
    if (rc)
        return rc;
    memset(res, 0, sizeof *res);
    openblas_set_num_threads(o->threads > 0 ? o->threads : 1);

    token_file train = {0}, val = {0};
    model m = {0};
    adamw_state opt = {0};
    batch_loader bl = {0};
    FILE *metrics = NULL;
    uint16_t *inputs = NULL, *targets = NULL;
    const int B = r->batch_size, T = r->model.seq_len;

    if ((rc = tokens_read(&train, r->train_tokens)) || (rc = tokens_read(&val, r->val_tokens)))
        goto done;
    if ((int)train.vocab_size != r->model.vocab_size || (int)val.vocab_size != r->model.vocab_size) {
        rc = error_set(MG_EINVAL, "vocab_size: the recipe says %d but %s has %u and %s has %u",
                       r->model.vocab_size, r->train_tokens, train.vocab_size, r->val_tokens,
                       val.vocab_size);
        goto done;
    }
    if (train.tokenizer_hash != val.tokenizer_hash) {
        rc = error_set(MG_EINVAL, "tokenizer_hash: %s and %s come from different tokenizers",
                       r->train_tokens, r->val_tokens);
        goto done;
    }
    if ((rc = model_create(&m, &r->model, B)))
        goto done;
    model_init(&m, o->seed);
    if ((rc = adamw_create(&opt, &r->optim, m.n_params)))
        goto done;
    if ((rc = loader_create(&bl, &train, B, T, o->seed)))
        goto done;
    inputs = malloc(sizeof(uint16_t) * B * T);
    targets = malloc(sizeof(uint16_t) * B * T);
    if (!inputs || !targets) {
        rc = error_set(MG_ENOMEM, "out of memory for batches");
        goto done;
    }
    if (o->out_dir) {
        if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
            rc = error_set(MG_EIO, "%s: cannot create run folder: %s", o->out_dir, strerror(errno));
            goto done;
        }
        char path[RECIPE_PATH_MAX + 64];
        char done_path[RECIPE_PATH_MAX + 64];
        /* a stale summary would make an unfinished run look finished */
        if ((rc = path_join(done_path, sizeof done_path, o->out_dir, "summary.json")) ||
            (rc = path_join(path, sizeof path, o->out_dir, "metrics.tsv")))
            goto done;
        remove(done_path);
        if ((rc = write_recipe(o->out_dir, r)))
            goto done;
        metrics = fopen(path, "w");
        if (!metrics) {
            rc = error_set(MG_EIO, "%s: cannot create: %s", path, strerror(errno));
            goto done;
        }
        metrics_header(metrics, &m);
    }

    lr_schedule sched = {r->lr, recipe_warmup_steps(r), r->steps, r->min_lr_ratio};
    double t0 = now_s();
    res->best_val = INFINITY;
    res->n_params = m.n_params;
    for (long step = 0; step < r->steps; step++) {
        double ts = now_s();
        loader_next(&bl, inputs, targets);
        if ((rc = model_forward(&m, inputs, targets, B, T)))
            goto done;
        if (!isfinite(m.losses.total)) {
            rc = error_set(MG_ENUM, "step %ld: training loss is %g; stopping", step + 1,
                           m.losses.total);
            goto done;
        }
        model_zero_grad(&m);
        model_backward(&m, inputs, targets);
        double gnorm = grad_clip_global(m.grads_block, m.n_params, r->grad_clip);
        float lr = schedule_lr(&sched, step);
        adamw_step(&opt, &m, lr);
        res->tokens += (long)B * T;
        double tps = B * T / (now_s() - ts);
        if (metrics)
            metrics_train_row(metrics, &m, step + 1, res->tokens, lr, gnorm, tps);
        double train_ce = m.losses.ce;
        if (o->on_step)
            o->on_step(o->user, step + 1, &m.losses);

        if ((step + 1) % r->eval_every == 0 || step + 1 == r->steps) {
            double v;
            if ((rc = eval_loss(&m, &val, inputs, targets, &v)))
                goto done;
            if (!isfinite(v)) {
                rc = error_set(MG_ENUM, "step %ld: validation loss is %g; stopping", step + 1, v);
                goto done;
            }
            if (v < res->best_val) {
                res->best_val = v;
                res->best_step = step + 1;
            }
            res->final_val = v;
            if (metrics)
                metrics_eval_row(metrics, &m, step + 1, res->tokens, v);
        }
        progress(o, step + 1, r->steps, train_ce, res->tokens / (now_s() - t0), now_s() - t0);
    }
    res->wall_s = now_s() - t0;
    if (metrics) {
        int bad = ferror(metrics);
        bad |= fclose(metrics) != 0;
        metrics = NULL;
        if (bad) {
            rc = error_set(MG_EIO, "%s/metrics.tsv: write failed", o->out_dir);
            goto done;
        }
        rc = write_summary(o->out_dir, o, res, &m);
    }

done:
    if (metrics)
        fclose(metrics);
    free(inputs);
    free(targets);
    loader_free(&bl);
    adamw_free(&opt);
    model_free(&m);
    tokens_free(&train);
    tokens_free(&val);
    return rc;
}
