#include "train/train.h"
#include "train/loader.h"
#include "train/metrics.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"
#include "train/adamw.h"
#include "train/schedule.h"
#include "train/checkpoint.h"
#include "model/params.h"
#include "train/provenance.h"
#include "train/rundir.h"
#include "train/summary.h"

#include <cblas.h>
#include <errno.h>
#include "util/jsonio.h"
#include <jansson.h>
#include <math.h>
#include <signal.h>
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

run_seeds train_seeds(const train_options *o)
{
    run_seeds s = {o->seed, o->seed, o->seed};
    if (o->init_seed)
        s.init = *o->init_seed;
    if (o->data_seed)
        s.data = *o->data_seed;
    return s;
}

static int write_summary(const char *dir, const train_options *o, const train_result *res,
                         const model *m)
{
    run_summary sum = {
        .seed = (long)o->seed,
        .threads = o->threads,
        .best_val_loss = res->best_val,
        .best_step = res->best_step,
        .final_val_loss = res->final_val,
        .n_params = (long long)res->n_params,
        .tokens = res->tokens,
        .wall_s = res->wall_s,
        .moe = model_config_is_moe(&m->cfg),
    };
    params_counts pc;
    if (params_count(&m->cfg, &pc) == MG_OK) {
        sum.params_total = (long long)pc.n_total;
        sum.params_active = (long long)pc.n_active;
    }
    return run_summary_write(dir, &sum);
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

static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) { stop_signal = sig; }

/* The files of a run folder. */
typedef struct {
    char recipe[FS_PATH_BUF];
    char provenance[FS_PATH_BUF];
    char metrics[FS_PATH_BUF];
    char checkpoint[FS_PATH_BUF];
    char summary[FS_PATH_BUF];
} run_paths;

static int run_paths_make(run_paths *p, const char *dir)
{
    int rc;
    if ((rc = rundir_path(p->recipe, sizeof p->recipe, dir, RUN_FILE_RECIPE)) ||
        (rc = rundir_path(p->provenance, sizeof p->provenance, dir, RUN_FILE_PROVENANCE)) ||
        (rc = rundir_path(p->metrics, sizeof p->metrics, dir, RUN_FILE_METRICS)) ||
        (rc = rundir_path(p->checkpoint, sizeof p->checkpoint, dir, RUN_FILE_CHECKPOINT)))
        return rc;
    return rundir_path(p->summary, sizeof p->summary, dir, RUN_FILE_SUMMARY);
}

static void state_to_result(const train_state *st, train_result *res)
{
    res->best_val = st->best_val;
    res->best_step = (long)st->best_step;
    res->final_val = st->final_val;
    res->tokens = (long)st->tokens;
    res->wall_s = st->wall_s;
}

/* Every input's size against the recipe, before the first step, so that a
 * stream too short fails now and names its file, not at the first
 * evaluation. */
static int check_streams(const recipe *r, const token_file *train, const token_file *val)
{
    const int B = r->batch_size, T = r->model.seq_len;
    size_t train_windows = train->n > 0 ? (train->n - 1) / (size_t)T : 0;
    if (train_windows < (size_t)B)
        return error_set(MG_EINVAL, "%s: training stream of %zu tokens holds %zu windows of "
                         "seq_len %d + 1 tokens, fewer than one batch of batch_size %d",
                         r->train_tokens, train->n, train_windows, T, B);
    if (val->n < (size_t)T + 1)
        return error_set(MG_EINVAL, "%s: validation stream of %zu tokens holds no window of "
                         "seq_len %d + 1 tokens", r->val_tokens, val->n, T);
    return MG_OK;
}

static int read_streams(const recipe *r, token_file *train, token_file *val)
{
    int rc;
    if ((rc = tokens_read(train, r->train_tokens)) || (rc = tokens_read(val, r->val_tokens)))
        return rc;
    if ((int)train->vocab_size != r->model.vocab_size ||
        (int)val->vocab_size != r->model.vocab_size)
        return error_set(MG_EINVAL, "vocab_size: the recipe says %d but %s has %u and %s has %u",
                         r->model.vocab_size, r->train_tokens, train->vocab_size, r->val_tokens,
                         val->vocab_size);
    if (train->tokenizer_hash != val->tokenizer_hash)
        return error_set(MG_EINVAL, "tokenizer_hash: %s and %s come from different tokenizers",
                         r->train_tokens, r->val_tokens);
    return check_streams(r, train, val);
}

/* What opening the folder hands to the training loop. */
typedef struct {
    run_paths paths;
    int lock_fd;
    FILE *metrics;
} run_folder;

static uint32_t run_threads(const train_options *o)
{
    return o->threads > 0 ? (uint32_t)o->threads : 1;
}

/* A fresh start over a run would discard it: only with --resume or --force. */
static int check_fresh_start(const train_options *o)
{
    const char *found = rundir_run_file(o->out_dir);
    if (o->force || o->resume || !found)
        return MG_OK;
    int finished = strcmp(found, rundir_file_name(RUN_FILE_SUMMARY)) == 0;
    return error_set(MG_EINVAL, "%s: holds %s run (%s); run with --resume to go on with it, or "
                     "with --force to discard it and start afresh", o->out_dir,
                     finished ? "a finished" : "an interrupted", found);
}

/* Restores the checkpoint, refusing one of another recipe, seed, thread
 * count or tokenizer, and nothing in the folder changes before that. */
static int resume_load(const train_options *o, run_folder *rf, model *m, adamw_state *opt,
                       train_state *st, const char *recipe_text, const token_file *train)
{
    uint32_t threads = run_threads(o);
    run_seeds seeds = train_seeds(o);
    int rc = checkpoint_load(rf->paths.checkpoint, m, opt, st, recipe_text, &seeds, &threads,
                             NULL);
    if (rc)
        return rc;
    if (st->tokenizer_hash != train->tokenizer_hash)
        return error_set(MG_EINVAL, "%s: tokenizer_hash: the checkpoint was trained on tokens "
                         "of another tokenizer than %s's", rf->paths.checkpoint,
                         o->recipe->train_tokens);
    return MG_OK;
}

/* Locks the folder and decides between a fresh start and a resume before
 * it changes anything, so a refused run leaves the folder as it was. */
static int run_folder_open(const train_options *o, run_folder *rf, model *m, adamw_state *opt,
                           train_state *st, const char *recipe_text, const token_file *train,
                           batch_loader *bl, train_result *res)
{
    int rc;
    if ((rc = rundir_lock(o->out_dir, &rf->lock_fd)) ||
        (rc = run_paths_make(&rf->paths, o->out_dir)))
        return rc;
    int resume = o->resume && access(rf->paths.checkpoint, F_OK) == 0;
    if (resume ? (rc = resume_load(o, rf, m, opt, st, recipe_text, train))
               : (rc = check_fresh_start(o)))
        return rc;
    rundir_remove_stale(o->out_dir);
    if (resume) {
        loader_seek(bl, st->loader_epoch, (size_t)st->loader_pos);
        res->resumed_from = (long)st->step;
        if ((rc = metrics_truncate(rf->paths.metrics, (long)st->step)))
            return rc;
        /* a stale summary would make the unfinished run look finished */
        remove(rf->paths.summary);
        rf->metrics = fopen(rf->paths.metrics, "a");
    } else {
        remove(rf->paths.summary);
        remove(rf->paths.checkpoint);
        rf->metrics = fopen(rf->paths.metrics, "w");
        if (rf->metrics)
            metrics_header(rf->metrics, m);
    }
    if (!rf->metrics)
        return error_set(MG_EIO, "%s: cannot open: %s", rf->paths.metrics, strerror(errno));
    fileio_atomic_file af;
    if ((rc = fileio_atomic_open(&af, rf->paths.recipe)))
        return rc;
    fputs(recipe_text, af.f);
    return fileio_atomic_commit(&af);
}

int train_run(const train_options *o, train_result *res)
{
    const recipe *r = o->recipe;
    int rc = recipe_validate(r);
    if (rc)
        return rc;
    memset(res, 0, sizeof *res);
    if ((rc = model_threads_set((int)run_threads(o))))
        return rc;

    token_file train = {0}, val = {0};
    model m = {0};
    adamw_state opt = {0};
    batch_loader bl = {0};
    run_folder rf = {.lock_fd = -1, .metrics = NULL};
    FILE *metrics = NULL;
    uint16_t *inputs = NULL, *targets = NULL;
    char *recipe_text = NULL;
    run_paths paths;
    char start_time[32];
    struct sigaction old_int, old_term;
    int handlers = 0;
    const int B = r->batch_size, T = r->model.seq_len;
    train_state st = {0, 0, INFINITY, 0, NAN, 0, 0, 0.0, 0};
    const run_seeds seeds = train_seeds(o);

    provenance_now(start_time);
    if ((rc = read_streams(r, &train, &val)))
        goto done;
    if ((rc = model_create(&m, &r->model, B)))
        goto done;
    model_init(&m, seeds.init);
    if ((rc = adamw_create(&opt, &r->optim, m.n_params)))
        goto done;
    if ((rc = loader_create(&bl, &train, B, T, seeds.data)))
        goto done;
    inputs = malloc(sizeof(uint16_t) * B * T);
    targets = malloc(sizeof(uint16_t) * B * T);
    recipe_text = recipe_to_string(r);
    if (!inputs || !targets || !recipe_text) {
        rc = error_set(MG_ENOMEM, "out of memory for batches");
        goto done;
    }
    if (o->out_dir) {
        rc = run_folder_open(o, &rf, &m, &opt, &st, recipe_text, &train, &bl, res);
        metrics = rf.metrics;
        rf.metrics = NULL;
        paths = rf.paths;
        if (rc || (rc = provenance_write(paths.provenance, o, start_time, NULL, res->resumed_from)))
            goto done;
        /* Ctrl-C or a scheduler's TERM: finish the step, save, then stop. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        stop_signal = 0;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        handlers = 1;
    }

    if (!handlers)
        stop_signal = 0;
    st.tokenizer_hash = train.tokenizer_hash;
    lr_schedule sched = {r->lr, recipe_warmup_steps(r), r->steps, r->min_lr_ratio};
    double t0 = now_s(), wall0 = st.wall_s;
    long tokens0 = (long)st.tokens;
    res->n_params = m.n_params;
    for (long step = (long)st.step; step < r->steps; step++) {
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
        st.step = step + 1;
        st.tokens += (long)B * T;
        st.loader_epoch = bl.epoch;
        st.loader_pos = bl.pos;
        double tps = B * T / (now_s() - ts);
        if (metrics)
            metrics_train_row(metrics, &m, step + 1, (long)st.tokens, lr, gnorm, tps);
        double train_ce = m.losses.ce;
        if (o->on_step)
            o->on_step(o->user, step + 1, &m.losses);

        int saved = 0;
        if ((step + 1) % r->eval_every == 0 || step + 1 == r->steps) {
            double v;
            if ((rc = loader_eval_loss(&m, &val, inputs, targets, &v)))
                goto done;
            if (!isfinite(v)) {
                rc = error_set(MG_ENUM, "step %ld: validation loss is %g; stopping", step + 1, v);
                goto done;
            }
            if (v < st.best_val) {
                st.best_val = v;
                st.best_step = step + 1;
            }
            st.final_val = v;
            if (metrics) {
                metrics_eval_row(metrics, &m, step + 1, (long)st.tokens, v);
                /* rows before the checkpoint must be on disk before it */
                fflush(metrics);
                st.wall_s = wall0 + (now_s() - t0);
                if ((rc = checkpoint_save(paths.checkpoint, &m, &opt, &st, recipe_text, &seeds,
                                           run_threads(o))))
                    goto done;
                saved = 1;
            }
        }
        progress(o, step + 1, r->steps, train_ce, (st.tokens - tokens0) / (now_s() - t0),
                 now_s() - t0);
        if (stop_signal && step + 1 < r->steps) {
            fflush(metrics);
            st.wall_s = wall0 + (now_s() - t0);
            if (!saved &&
                (rc = checkpoint_save(paths.checkpoint, &m, &opt, &st, recipe_text, &seeds,
                                           run_threads(o))))
                goto done;
            rc = error_set(MG_EINTR, "stopped by signal %d after step %ld of %ld; the checkpoint "
                           "is saved: run the same command with --resume to go on",
                           (int)stop_signal, step + 1, r->steps);
            goto done;
        }
    }
    st.wall_s = wall0 + (now_s() - t0);
    state_to_result(&st, res);
    if (metrics) {
        int bad = ferror(metrics);
        bad |= fclose(metrics) != 0;
        metrics = NULL;
        if (bad) {
            rc = error_set(MG_EIO, "%s: write failed", paths.metrics);
            goto done;
        }
        char end_time[32];
        provenance_now(end_time);
        if ((rc = provenance_write(paths.provenance, o, start_time, end_time, res->resumed_from)))
            goto done;
        rc = write_summary(o->out_dir, o, res, &m);
    }

done:
    if (handlers) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    if (metrics)
        fclose(metrics);
    rundir_unlock(rf.lock_fd);
    free(recipe_text);
    free(inputs);
    free(targets);
    loader_free(&bl);
    adamw_free(&opt);
    model_free(&m);
    tokens_free(&train);
    tokens_free(&val);
    return rc;
}

int train_eval_run(const char *run_dir, int threads, double *val_loss, long *step)
{
    char path[FS_PATH_BUF];
    recipe r;
    int rc = rundir_path(path, sizeof path, run_dir, RUN_FILE_RECIPE);
    if (rc || (rc = recipe_read(&r, path)))
        return rc;
    if ((rc = model_threads_set(threads)))
        return rc;
    token_file val = {0};
    model m = {0};
    adamw_state opt = {0};
    uint16_t *inputs = NULL, *targets = NULL;
    char *recipe_text = recipe_to_string(&r);
    train_state st;
    if (!recipe_text) {
        rc = error_set(MG_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = tokens_read(&val, r.val_tokens)) || (rc = model_create(&m, &r.model, r.batch_size)) ||
        (rc = adamw_create(&opt, &r.optim, m.n_params)) ||
        (rc = rundir_path(path, sizeof path, run_dir, RUN_FILE_CHECKPOINT)) ||
        (rc = checkpoint_load(path, &m, &opt, &st, recipe_text, NULL, NULL, NULL)))
        goto done;
    inputs = malloc(sizeof(uint16_t) * r.batch_size * r.model.seq_len);
    targets = malloc(sizeof(uint16_t) * r.batch_size * r.model.seq_len);
    if (!inputs || !targets) {
        rc = error_set(MG_ENOMEM, "out of memory for batches");
        goto done;
    }
    if (val.tokenizer_hash != st.tokenizer_hash) {
        rc = error_set(MG_EINVAL, "%s: tokenizer_hash: the checkpoint was trained on tokens of "
                       "another tokenizer", r.val_tokens);
        goto done;
    }
    rc = loader_eval_loss(&m, &val, inputs, targets, val_loss);
    *step = (long)st.step;
done:
    free(recipe_text);
    free(inputs);
    free(targets);
    adamw_free(&opt);
    model_free(&m);
    tokens_free(&val);
    return rc;
}
