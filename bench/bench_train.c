/* moegap_bench: training throughput of the ci-size models.
 *
 * A step is exactly what lib/train.c runs per update: model_forward,
 * model_zero_grad, model_backward, grad_clip_global, adamw_step. Tokens per
 * second are reported against this machine's own cblas_sgemm rate on the
 * model's own shapes (model_gemms.h), so the figure says how far the step is
 * from "nothing but its matrix products, at sgemm speed", independently of
 * how fast the machine is. The library's real cblas_sgemm calls are
 * recorded too (gemm_peak.h), to show the share of the step inside sgemm.
 * The PyTorch figures are fixed constants measured once on this machine,
 * one core, PyTorch 1.13.
 *
 * The machine is shared and noisy, so every ratio is taken within one run:
 * measurements of every (thread count, model) pair are interleaved
 * repetition by repetition, and each figure is the median of the
 * repetitions. */
#include "gemm_peak.h"
#include "model_gemms.h"

#include "moegap/error.h"
#include "moegap/model.h"
#include "moegap/optim.h"
#include "moegap/recipe.h"
#include "moegap/tokens.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ci-size models (the numbers) */
enum { CI_B = 32, CI_T = 128, CI_V = 1024, CI_C = 64, CI_L = 4, CI_NH = 4 };
enum { CI_DENSE_H = 256, CI_E = 4, CI_EXPERT_H = 128, CI_TOP_K = 2 };
enum { STREAM_WINDOWS = 256 }; /* distinct (T+1)-token windows the batches cycle through */
enum { MAX_THREAD_COUNTS = 4, MAX_REPEATS = 1000 };
enum { SQUARE_N = 1024 };

/* PyTorch 1.13, one core of this machine, same models and batch. */
static const double TORCH_DENSE_TPS = 23.7e3;
static const double TORCH_MOE_TPS = 14.1e3;
static const double TARGET_VS_TORCH = 1.5;
static const double TARGET_MOE_VS_DENSE = 0.8;
/* The bench's own reading of "keeps its one-thread speed"; the issue
 * gives no number. */
static const double PAIR_KEEP = 0.90;
/* A main thread that ran less than this share of a timed interval was
 * preempted: something else wanted its core. */
static const double PREEMPTED = 0.90;
/* Other work on the machine, in CPUs, above which a measurement is
 * flagged: even on the other core it shares caches, memory bandwidth and
 * the boost clock budget with the bench. */
static const double BUSY_OTHERS = 0.10;

static const char usage[] =
    "usage: moegap_bench [options]\n"
    "\n"
    "Training tokens/s of the ci-size dense and MoE models (d_model 64, 4 layers,\n"
    "4 heads, context 128, vocabulary 1024, batch 32; dense ffn_hidden 256; MoE 4\n"
    "experts of 128, top-2), a full step each time: forward, backward, gradient\n"
    "clipping, AdamW. Each figure is also given as a fraction of this machine's\n"
    "cblas_sgemm rate on the model's own shapes (the step's matrix products as\n"
    "sgemm calls, replayed alone at the same thread count), with the share of\n"
    "the step the library spends inside cblas_sgemm (its calls are recorded),\n"
    "and against PyTorch 1.13 on one core. Measurements are interleaved and\n"
    "medians of repetitions, so ratios within one run hold up on a noisy machine.\n"
    "\n"
    "  --steps N      timed training steps per repetition (default 3)\n"
    "  --repeats N    repetitions; figures are medians (default 5)\n"
    "  --warmup N     untimed steps per model and thread count first (default 2)\n"
    "  --threads LIST OpenBLAS thread counts, comma-separated (default 1,2)\n"
    "  --model M      dense, moe or both (default both)\n"
    "  --pair         only the two-process test: two one-thread training\n"
    "                 processes at once, each against one thread alone\n"
    "  --no-pair      skip the two-process test\n"
    "  --shapes       also time each sgemm shape of the model on its own\n"
    "  --train-only   only train: --warmup then --steps steps of each model at the\n"
    "                 first thread count, and their tokens/s; no sgemm replays or\n"
    "                 recording, so a profiler (perf record) sees training alone\n"
    "  --seed S       weights and token stream seed (default 1)\n"
    "  --help         this text\n";

typedef struct {
    int steps, repeats, warmup;
    int threads[MAX_THREAD_COUNTS];
    int n_threads;
    int want_dense, want_moe;
    int pair; /* 0 skip, 1 after the thread table, 2 only */
    int shapes;
    int train_only;
    unsigned long long seed;
} options;

typedef struct {
    const char *name;
    recipe r;        /* hyperparameters: the fixed recipe's defaults */
    lr_schedule sched;
    model m;
    adamw_state opt;
    uint16_t *stream;
    uint16_t *inputs, *targets;
    long step;
    gemm_list gemms; /* the sgemm calls the library made in the last recorded step */
    gemm_list canon; /* the model's matrix products as plain sgemm calls */
} bench_model;

/* One repetition's figures for one (thread count, model). Doubles only:
 * the medians read them with a stride. */
typedef struct {
    double tps;         /* tokens/s over the timed steps */
    double cpu_ratio;   /* main thread CPU time / wall time over the timed steps */
    double others;      /* CPUs busy with other processes during them (-1: unknown) */
    double peak_gfs;    /* GFLOP/s of the model's products replayed as sgemm alone */
    double model_flops; /* the model's products as plain sgemm calls, FLOPs per step */
    double causal_flops; /* the same with attention's causal half only */
    double rec_step_s;  /* wall time of the recorded step */
    double rec_gemm_s;  /* of which inside cblas_sgemm */
    double rec_flops;   /* FLOPs of the sgemm calls the library made in it */
    double rec_calls;
} rep_sample;

/* CPU time of the calling thread only: OpenBLAS's worker threads spin for
 * a while after their last job, which would count as process CPU time
 * even though it says nothing about whether this thread got its core. */
static double cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double process_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds the whole machine has spent busy (user, nice, system, irq,
 * softirq, and steal: time the hypervisor gave our CPUs to someone else),
 * from /proc/stat; -1 where that is not available. Minus this process's
 * own CPU time, it tells whether anything else ran during a measurement. */
static double machine_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                       &v[3], &v[4], &v[5], &v[6], &v[7])
              : 0;
    if (f)
        fclose(f);
    if (n != 8)
        return -1.0;
    /* fields: user nice system idle iowait irq softirq steal */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy CPUs other than `own_cpu_s` of ours over `wall` seconds since
 * `busy0` (from machine_busy_s); -1 if unknown. /proc/stat counts in
 * ticks (10 ms), so small values are only good to a few hundredths. */
static double others_since(double busy0, double own_cpu_s, double wall)
{
    double busy1 = machine_busy_s();
    if (busy0 < 0.0 || busy1 < 0.0)
        return -1.0;
    double o = (busy1 - busy0 - own_cpu_s) / wall;
    return o > 0.0 ? o : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n values read with a stride (fields of rep_sample arrays). */
static double median_strided(const double *v, size_t stride, int n)
{
    double tmp[MAX_REPEATS * 2];
    for (int i = 0; i < n; i++)
        tmp[i] = v[(size_t)i * stride];
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

#define MEDIAN_OF(samples, n, field) \
    median_strided(&(samples)[0].field, sizeof(rep_sample) / sizeof(double), (n))

static void print_loadavg(const char *when)
{
    FILE *f = fopen("/proc/loadavg", "r");
    char line[128];
    if (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        printf("load average %s: %s  (%ld CPUs online)\n", when, line, sysconf(_SC_NPROCESSORS_ONLN));
    }
    if (f)
        fclose(f);
}

/* --- models --------------------------------------------------------------- */

static void ci_config(model_config *c, int moe)
{
    model_config_defaults(c); /* rope theta, eps, lb 0.01, z 0.001 */
    c->vocab_size = CI_V;
    c->d_model = CI_C;
    c->n_layers = CI_L;
    c->n_heads = CI_NH;
    c->seq_len = CI_T;
    if (moe) {
        c->n_experts = CI_E;
        c->top_k = CI_TOP_K;
        c->expert_hidden = CI_EXPERT_H;
    } else {
        c->ffn_hidden = CI_DENSE_H;
    }
}

static void bench_model_free(bench_model *bm)
{
    model_free(&bm->m);
    adamw_free(&bm->opt);
    free(bm->stream);
    free(bm->inputs);
    free(bm->targets);
    gemm_list_free(&bm->gemms);
    gemm_list_free(&bm->canon);
    bm->stream = bm->inputs = bm->targets = NULL;
}

static int bench_model_create(bench_model *bm, int moe, unsigned long long seed)
{
    memset(bm, 0, sizeof *bm);
    bm->name = moe ? "moe" : "dense";
    recipe_defaults(&bm->r);
    ci_config(&bm->r.model, moe);
    /* the trainer's schedule shape: linear warm-up, then a cosine decay so
     * long that the learning rate stays near its peak for the whole bench */
    bm->sched = (lr_schedule){bm->r.lr, 30, 1000000, bm->r.min_lr_ratio};
    int rc = model_create(&bm->m, &bm->r.model, CI_B);
    if (!rc)
        model_init(&bm->m, seed);
    if (!rc)
        rc = adamw_create(&bm->opt, &bm->r.optim, bm->m.n_params);
    if (rc) {
        bench_model_free(bm);
        return rc;
    }
    /* Synthetic text rather than uniform random ids: its structure gives
     * the router realistic, uneven expert loads once training moves. */
    size_t n = (size_t)STREAM_WINDOWS * (CI_T + 1);
    bm->stream = malloc(n * sizeof *bm->stream);
    bm->inputs = malloc((size_t)CI_B * CI_T * sizeof *bm->inputs);
    bm->targets = malloc((size_t)CI_B * CI_T * sizeof *bm->targets);
    if (!bm->stream || !bm->inputs || !bm->targets) {
        bench_model_free(bm);
        return error_set(MG_ENOMEM, "out of memory for the token stream");
    }
    rc = tokens_synthesize(bm->stream, n, CI_V, seed);
    if (rc)
        bench_model_free(bm);
    return rc;
}

/* One update, the same calls in the same order as train_run. */
static int train_step(bench_model *bm)
{
    for (int b = 0; b < CI_B; b++) {
        size_t w = ((size_t)bm->step * CI_B + b) % STREAM_WINDOWS;
        const uint16_t *src = bm->stream + w * (CI_T + 1);
        memcpy(bm->inputs + (size_t)b * CI_T, src, CI_T * sizeof *src);
        memcpy(bm->targets + (size_t)b * CI_T, src + 1, CI_T * sizeof *src);
    }
    model *m = &bm->m;
    int rc = model_forward(m, bm->inputs, bm->targets, CI_B, CI_T);
    if (rc)
        return rc;
    if (!isfinite(m->losses.total))
        return error_set(MG_ENUM, "%s model, step %ld: training loss is %g", bm->name,
                         bm->step + 1, m->losses.total);
    model_zero_grad(m);
    model_backward(m, bm->inputs, bm->targets);
    grad_clip_global(m->grads_block, m->n_params, bm->r.grad_clip);
    adamw_step(&bm->opt, m, schedule_lr(&bm->sched, bm->step));
    bm->step++;
    return MG_OK;
}

static int run_steps(bench_model *bm, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = train_step(bm);
        if (rc)
            return rc;
    }
    return MG_OK;
}

typedef struct {
    double tps;       /* tokens/s */
    double cpu_ratio; /* main thread CPU time / wall time */
    double others;    /* CPUs busy with other processes, -1 unknown */
    double proc_cpu;  /* this process's CPU seconds, all threads */
} timing;

/* Times `steps` steps. */
static int time_steps(bench_model *bm, int steps, timing *t)
{
    double b0 = machine_busy_s(), p0 = process_cpu_s(), c0 = cpu_now_s(), t0 = bench_now_s();
    int rc = run_steps(bm, steps);
    double wall = bench_now_s() - t0, cpu = cpu_now_s() - c0;
    t->proc_cpu = process_cpu_s() - p0;
    t->others = others_since(b0, t->proc_cpu, wall);
    t->tps = (double)steps * CI_B * CI_T / wall;
    t->cpu_ratio = cpu / wall;
    return rc;
}

/* One repetition: timed steps; then one step with the library's sgemm
 * calls recorded and timed; then the model's products replayed as sgemm
 * as many times as there were timed steps. */
static int measure_rep(bench_model *bm, gemm_arena *ar, int steps, rep_sample *s)
{
    timing t;
    int rc = time_steps(bm, steps, &t);
    if (rc)
        return rc;
    s->tps = t.tps;
    s->cpu_ratio = t.cpu_ratio;
    s->others = t.others;

    gemm_record_start(&bm->gemms);
    double t0 = bench_now_s();
    rc = train_step(bm);
    s->rec_step_s = bench_now_s() - t0;
    s->rec_gemm_s = gemm_record_stop();
    if (rc)
        return rc;
    s->rec_flops = bm->gemms.flops;
    s->rec_calls = (double)bm->gemms.n;

    /* after the step, so MoE expert rows are this step's routing */
    if (bm->gemms.oom || model_gemms(&bm->m, CI_B, CI_T, &bm->canon, &s->causal_flops) ||
        gemm_arena_fit(ar, &bm->canon))
        return error_set(MG_ENOMEM, "out of memory for the sgemm call lists");
    s->model_flops = bm->canon.flops;
    s->peak_gfs = steps * bm->canon.flops / gemm_replay(&bm->canon, ar, steps) * 1e-9;
    return MG_OK;
}

/* --- the thread-count table ------------------------------------------------ */

typedef struct {
    double tps, cpu_ratio, others, ms_step;
    double model_flops, causal_flops, step_gfs, peak_gfs, frac;
    double rec_calls, rec_flops, rec_share, rec_gfs;
} summary;

static summary summarize(const rep_sample *s, int n)
{
    summary r;
    r.tps = MEDIAN_OF(s, n, tps);
    r.cpu_ratio = MEDIAN_OF(s, n, cpu_ratio);
    r.others = MEDIAN_OF(s, n, others);
    r.peak_gfs = MEDIAN_OF(s, n, peak_gfs);
    r.model_flops = MEDIAN_OF(s, n, model_flops);
    r.causal_flops = MEDIAN_OF(s, n, causal_flops);
    r.rec_calls = MEDIAN_OF(s, n, rec_calls);
    r.rec_flops = MEDIAN_OF(s, n, rec_flops);
    r.ms_step = 1e3 * CI_B * CI_T / r.tps;
    r.step_gfs = r.model_flops / (r.ms_step * 1e-3) * 1e-9;
    r.frac = r.step_gfs / r.peak_gfs;
    double share[MAX_REPEATS], gfs[MAX_REPEATS];
    for (int i = 0; i < n; i++) {
        share[i] = s[i].rec_gemm_s / s[i].rec_step_s;
        gfs[i] = s[i].rec_gemm_s > 0.0 ? s[i].rec_flops / s[i].rec_gemm_s * 1e-9 : 0.0;
    }
    r.rec_share = median_strided(share, 1, n);
    r.rec_gfs = median_strided(gfs, 1, n);
    return r;
}

/* Groups of identical calls, largest total FLOPs first, each timed alone. */
typedef struct {
    gemm_call c;
    long count;
    double flops, seconds;
} gemm_class;

static int cmp_class(const void *a, const void *b)
{
    double x = ((const gemm_class *)a)->flops, y = ((const gemm_class *)b)->flops;
    return (x < y) - (x > y);
}

static int same_shape(const gemm_call *a, const gemm_call *b)
{
    return a->order == b->order && a->trans_a == b->trans_a && a->trans_b == b->trans_b &&
           a->M == b->M && a->N == b->N && a->K == b->K && a->lda == b->lda &&
           a->ldb == b->ldb && a->ldc == b->ldc && a->beta == b->beta;
}

static int print_shapes(const bench_model *bm, const gemm_arena *ar, int threads, int passes)
{
    const gemm_list *l = &bm->canon;
    gemm_class *cls = calloc(l->n ? l->n : 1, sizeof *cls);
    if (!cls)
        return error_set(MG_ENOMEM, "out of memory for the sgemm shape table");
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t k = 0;
        while (k < n && !same_shape(&cls[k].c, &l->calls[i]))
            k++;
        if (k == n)
            cls[n++].c = l->calls[i];
        cls[k].count++;
        cls[k].flops += gemm_call_flops(&l->calls[i]);
    }
    qsort(cls, n, sizeof *cls, cmp_class);
    double total_s = 0.0;
    for (size_t k = 0; k < n; k++) {
        cls[k].seconds = gemm_replay_one(&cls[k].c, ar, cls[k].count * passes) / passes;
        total_s += cls[k].seconds;
    }
    printf("\n%s model, %d thread%s: the model's products as sgemm calls, by shape, each shape\n"
           "replayed alone (row-major; T = transposed operand; FLOP%% of the list's total, with\n"
           "attention's T x T blocks in full)\n",
           bm->name, threads, threads > 1 ? "s" : "");
    printf("  calls  op  %5s %5s %5s  %4s %4s %4s beta  FLOP%%  ms/step  GFLOP/s\n", "M", "N",
           "K", "lda", "ldb", "ldc");
    for (size_t k = 0; k < n; k++) {
        const gemm_call *c = &cls[k].c;
        if (k >= 24 && n > 25) { /* many MoE expert shapes: sum the tail */
            double f = 0.0, s = 0.0;
            long cnt = 0;
            for (size_t j = k; j < n; j++) {
                f += cls[j].flops;
                s += cls[j].seconds;
                cnt += cls[j].count;
            }
            printf("  %5ld  (%zu more shapes)%27s %5.1f  %7.2f  %7.1f\n", cnt, n - k, "",
                   100.0 * f / l->flops, 1e3 * s, f / s * 1e-9);
            break;
        }
        printf("  %5ld  %c%c  %5d %5d %5d  %4d %4d %4d %4g  %5.1f  %7.2f  %7.1f\n", cls[k].count,
               c->trans_a == CblasNoTrans ? 'N' : 'T', c->trans_b == CblasNoTrans ? 'N' : 'T',
               c->M, c->N, c->K, c->lda, c->ldb, c->ldc, (double)c->beta,
               100.0 * cls[k].flops / l->flops, 1e3 * cls[k].seconds,
               cls[k].flops / cls[k].seconds * 1e-9);
    }
    printf("  all shapes, one after the other: %.2f ms/step, %.1f GFLOP/s\n", 1e3 * total_s,
           l->flops / total_s * 1e-9);
    free(cls);
    return MG_OK;
}

static void print_targets(const summary *dense, const summary *moe)
{
    printf("\nTargets, one thread (PyTorch 1.13 on one core of this machine: dense %.1fk, "
           "MoE %.1fk tokens/s)\n",
           TORCH_DENSE_TPS * 1e-3, TORCH_MOE_TPS * 1e-3);
    printf("  %-28s %10s %10s %12s  %s\n", "", "target", "measured", "vs PyTorch", "");
    if (dense) {
        double t = TARGET_VS_TORCH * TORCH_DENSE_TPS;
        printf("  %-28s %9.1fk %9.1fk %11.2fx  %s\n", "dense >= 1.5x PyTorch", t * 1e-3,
               dense->tps * 1e-3, dense->tps / TORCH_DENSE_TPS, dense->tps >= t ? "met" : "NOT MET");
    }
    if (moe) {
        double t = TARGET_VS_TORCH * TORCH_MOE_TPS;
        printf("  %-28s %9.1fk %9.1fk %11.2fx  %s\n", "moe >= 1.5x PyTorch", t * 1e-3,
               moe->tps * 1e-3, moe->tps / TORCH_MOE_TPS, moe->tps >= t ? "met" : "NOT MET");
    }
    if (dense && moe) {
        double r = moe->tps / dense->tps;
        printf("  %-28s %10.2f %10.2f %12s  %s   (PyTorch: %.2f)\n", "moe / dense speed >= 0.8",
               TARGET_MOE_VS_DENSE, r, "", r >= TARGET_MOE_VS_DENSE ? "met" : "NOT MET",
               TORCH_MOE_TPS / TORCH_DENSE_TPS);
    }
    /* The model's FLOPs fix the best case: even a step that did nothing but
     * its products, at the sgemm rate, takes FLOPs / rate. */
    const summary *each[2] = {dense, moe};
    const double torch[2] = {TORCH_DENSE_TPS, TORCH_MOE_TPS};
    for (int i = 0; i < 2; i++) {
        if (!each[i])
            continue;
        double need = TARGET_VS_TORCH * torch[i] / (CI_B * CI_T) * each[i]->model_flops * 1e-9;
        printf("  %-5s target = %.1f GFLOP/s at %.3f GFLOP/step: %.0f%% of the sgemm peak (%.1f);\n"
               "        %.0f%% with attention's masked half skipped (%.3f GFLOP/step)\n",
               i ? "moe" : "dense", need, each[i]->model_flops * 1e-9,
               100.0 * need / each[i]->peak_gfs, each[i]->peak_gfs,
               100.0 * need * each[i]->causal_flops / each[i]->model_flops / each[i]->peak_gfs,
               each[i]->causal_flops * 1e-9);
    }
}

static int thread_table(bench_model *models, int n_models, const options *o)
{
    int n_cfg = o->n_threads * n_models;
    rep_sample *samples = calloc((size_t)n_cfg * o->repeats, sizeof *samples);
    gemm_arena ar = {0};
    if (!samples)
        return error_set(MG_ENOMEM, "out of memory for samples");
    int rc = MG_OK, n_disturbed = 0;
    for (int t = 0; t < o->n_threads && !rc; t++) {
        openblas_set_num_threads(o->threads[t]);
        for (int k = 0; k < n_models && !rc; k++)
            rc = run_steps(&models[k], o->warmup);
    }
    /* repetition-major, so slow drifts of the machine's load hit every
     * configuration alike instead of biasing whichever ran last */
    for (int rep = 0; rep < o->repeats && !rc; rep++)
        for (int t = 0; t < o->n_threads && !rc; t++) {
            openblas_set_num_threads(o->threads[t]);
            for (int k = 0; k < n_models && !rc; k++)
                rc = measure_rep(&models[k], &ar, o->steps,
                                 &samples[(size_t)(t * n_models + k) * o->repeats + rep]);
        }
    if (rc)
        goto done;

    printf("\nTraining step, %d tokens (median of %d repetitions of %d steps after %d warm-up)\n",
           CI_B * CI_T, o->repeats, o->steps, o->warmup);
    printf("  GFLOP/step  = 2MNK over the model's matrix products as plain sgemm calls\n"
           "                (model_gemms.c; attention's T x T blocks in full, as PyTorch\n"
           "                computes them), however the library computes them\n"
           "  step GF/s   = GFLOP/step / the whole step's time\n"
           "  sgemm GF/s  = those calls replayed alone, same threads: this machine's\n"
           "                peak on the model's own shapes\n"
           "  of peak     = step GF/s / sgemm GF/s = the calls' time alone / step time\n"
           "  ceiling     = tokens/s if the step were only those calls at sgemm GF/s\n"
           "  lib sgemm   = the cblas_sgemm calls the library made in one recorded step:\n"
           "                count, GFLOP, share of that step's time, GFLOP/s reached\n"
           "  cpu/wall    = main thread's CPU time / wall time; below 1 means it was\n"
           "                preempted (another load on the machine)\n"
           "  others      = CPUs busy with other processes meanwhile (/proc/stat)\n\n");
    printf("  %-5s %3s %8s %7s %6s %6s %6s %6s %8s | %5s %6s %6s %6s | %5s %6s\n", "model",
           "thr", "tok/s", "ms/step", "GFLOP", "step", "sgemm", "of", "ceiling", "lib", "sgemm",
           "time", "in-sg", "cpu/", "others");
    printf("  %-5s %3s %8s %7s %6s %6s %6s %6s %8s | %5s %6s %6s %6s | %5s %6s\n", "", "", "",
           "", "/step", "GF/s", "GF/s", "peak", "tok/s", "calls", "GFLOP", "share", "GF/s", "wall",
           "");
    summary one_dense = {0}, one_moe = {0};
    int have_dense = 0, have_moe = 0;
    for (int t = 0; t < o->n_threads; t++)
        for (int k = 0; k < n_models; k++) {
            const rep_sample *smp = &samples[(size_t)(t * n_models + k) * o->repeats];
            summary s = summarize(smp, o->repeats);
            for (int i = 0; i < o->repeats; i++)
                if (smp[i].cpu_ratio < PREEMPTED || smp[i].others > BUSY_OTHERS)
                    n_disturbed++;
            printf("  %-5s %3d %8.0f %7.1f %6.3f %6.1f %6.1f %5.1f%% %8.0f | %5.0f %6.3f %5.1f%% %6.1f"
                   " | %5.2f %6.2f\n",
                   models[k].name, o->threads[t], s.tps, s.ms_step, s.model_flops * 1e-9,
                   s.step_gfs, s.peak_gfs, 100.0 * s.frac, s.tps / s.frac, s.rec_calls,
                   s.rec_flops * 1e-9, 100.0 * s.rec_share, s.rec_gfs, s.cpu_ratio, s.others);
            if (o->threads[t] == 1 && models[k].m.cfg.n_experts > 0) {
                one_moe = s;
                have_moe = 1;
            } else if (o->threads[t] == 1) {
                one_dense = s;
                have_dense = 1;
            }
        }
    if (n_disturbed)
        printf("  WARNING: %d of %d timed repetitions were disturbed (cpu/wall < %.2f or others\n"
               "  > %.2f): another load shares this machine; medians may be low and noisy.\n",
               n_disturbed, o->repeats * n_cfg, PREEMPTED, BUSY_OTHERS);
    if (have_dense || have_moe)
        print_targets(have_dense ? &one_dense : NULL, have_moe ? &one_moe : NULL);
    else
        printf("\n(no one-thread run: the PyTorch targets are for one thread)\n");

    if (o->shapes)
        for (int t = 0; t < o->n_threads && !rc; t++) {
            openblas_set_num_threads(o->threads[t]);
            for (int k = 0; k < n_models && !rc; k++)
                rc = print_shapes(&models[k], &ar, o->threads[t], o->steps);
        }
done:
    free(samples);
    gemm_arena_free(&ar);
    return rc;
}

/* --- two one-thread processes at once ------------------------------------- */

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The child: its own copy of the model (copy-on-write from the parent),
 * warmed up so the page copies are paid before the clock starts, then
 * the timed repetitions once the parent says go. Writes to `out` the
 * `repeats` pairs (tokens/s, cpu/wall), then its CPU seconds over them. */
static void pair_child(bench_model *bm, const options *o, int ready_fd, int go_fd, int out_fd)
{
    int status = 1;
    size_t n = 2 * (size_t)o->repeats + 1;
    double *res = calloc(n, sizeof *res);
    openblas_set_num_threads(1);
    char byte = 'r';
    if (res && run_steps(bm, o->warmup > 0 ? o->warmup : 1) == MG_OK &&
        write_all(ready_fd, &byte, 1) == 0 && read_all(go_fd, &byte, 1) == 0) {
        int rc = MG_OK;
        for (int rep = 0; rep < o->repeats && !rc; rep++) {
            timing t;
            rc = time_steps(bm, o->steps, &t);
            res[2 * rep] = t.tps;
            res[2 * rep + 1] = t.cpu_ratio;
            res[n - 1] += t.proc_cpu;
        }
        if (!rc && write_all(out_fd, res, n * sizeof *res) == 0)
            status = 0;
        else if (rc)
            fprintf(stderr, "moegap_bench: pair process: %s\n", error_message());
    }
    free(res);
    /* _exit: the parent's buffered output and atexit handlers are not the
     * child's to flush */
    _exit(status);
}

static int alone_reps(bench_model *bm, const options *o, timing *t)
{
    for (int rep = 0; rep < o->repeats; rep++) {
        int rc = time_steps(bm, o->steps, &t[rep]);
        if (rc)
            return rc;
    }
    return MG_OK;
}

enum { KIDS = 2 };

typedef struct {
    double alone_tps, alone_cpu, alone_others; /* one thread alone, this process */
    double kid_tps[KIDS], kid_cpu[KIDS];       /* each of the two processes */
    double pair_others;                        /* other CPUs busy during the pair */
} pair_result;

static int pair_test(bench_model *bm, const options *o, pair_result *out)
{
    const int R = o->repeats;
    const size_t kid_n = 2 * (size_t)R + 1; /* doubles each child sends */
    timing *alone = malloc(2 * (size_t)R * sizeof *alone);
    double *kid = malloc(KIDS * kid_n * sizeof *kid);
    int ready[2] = {-1, -1}, go[2] = {-1, -1}, res[KIDS][2] = {{-1, -1}, {-1, -1}};
    pid_t pid[KIDS] = {-1, -1};
    int rc = MG_OK;
    if (!alone || !kid) {
        rc = error_set(MG_ENOMEM, "out of memory for the pair test");
        goto done;
    }
    openblas_set_num_threads(1);
    /* one thread alone before and after the pair, so the baseline
     * brackets the pair in time */
    if ((rc = run_steps(bm, o->warmup)) || (rc = alone_reps(bm, o, alone)))
        goto done;

    if (pipe(ready) || pipe(go) || pipe(res[0]) || pipe(res[1])) {
        rc = error_set(MG_EIO, "pipe: %s", strerror(errno));
        goto done;
    }
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < KIDS; k++) {
        pid[k] = fork();
        if (pid[k] < 0) {
            rc = error_set(MG_EIO, "fork: %s", strerror(errno));
            goto done; /* closing `go` unwritten makes a started child exit */
        }
        if (pid[k] == 0) {
            close(ready[0]);
            close(go[1]);
            for (int j = 0; j < KIDS; j++) {
                close(res[j][0]);
                if (j != k)
                    close(res[j][1]);
            }
            pair_child(bm, o, ready[1], go[0], res[k][1]);
        }
    }
    close(ready[1]);
    ready[1] = -1;
    close(go[0]);
    go[0] = -1;
    for (int k = 0; k < KIDS; k++) {
        close(res[k][1]);
        res[k][1] = -1;
    }
    /* both warmed up, then both start at once */
    char bytes[KIDS] = {'g', 'g'};
    if (read_all(ready[0], bytes, KIDS)) {
        rc = error_set(MG_EIO, "a pair process failed before its timed steps");
        goto done;
    }
    double b0 = machine_busy_s(), p0 = process_cpu_s(), t0 = bench_now_s();
    if (write_all(go[1], bytes, KIDS)) {
        rc = error_set(MG_EIO, "a pair process failed before its timed steps");
        goto done;
    }
    for (int k = 0; k < KIDS; k++)
        if (read_all(res[k][0], kid + (size_t)k * kid_n, kid_n * sizeof *kid)) {
            rc = error_set(MG_EIO, "a pair process failed during its timed steps");
            goto done;
        }
    double kids_cpu = 0.0;
    for (int k = 0; k < KIDS; k++)
        kids_cpu += kid[(size_t)k * kid_n + kid_n - 1];
    out->pair_others = others_since(b0, kids_cpu + process_cpu_s() - p0, bench_now_s() - t0);
    if ((rc = alone_reps(bm, o, alone + R)))
        goto done;

    out->alone_tps = median_strided(&alone[0].tps, sizeof *alone / sizeof(double), 2 * R);
    out->alone_cpu = median_strided(&alone[0].cpu_ratio, sizeof *alone / sizeof(double), 2 * R);
    out->alone_others = median_strided(&alone[0].others, sizeof *alone / sizeof(double), 2 * R);
    for (int k = 0; k < KIDS; k++) {
        out->kid_tps[k] = median_strided(kid + (size_t)k * kid_n, 2, R);
        out->kid_cpu[k] = median_strided(kid + (size_t)k * kid_n + 1, 2, R);
    }
done:
    if (go[1] >= 0)
        close(go[1]);
    for (int k = 0; k < KIDS; k++)
        if (pid[k] > 0) {
            int st = 0;
            if (waitpid(pid[k], &st, 0) == pid[k] && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) &&
                !rc)
                rc = error_set(MG_EIO, "pair process %d ended with status %d", k + 1, st);
        }
    int fds[] = {ready[0], ready[1], go[0], res[0][0], res[0][1], res[1][0], res[1][1]};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(alone);
    free(kid);
    return rc;
}

static int pair_table(bench_model *models, int n_models, const options *o)
{
    printf("\nTwo one-thread training processes at once (fork), each against one thread alone\n"
           "(alone: median of %d repetitions before and %d after the pair; each process:\n"
           "median of %d repetitions of %d steps; 'kept': both ratios >= %.2f; others: CPUs\n"
           "busy with other processes meanwhile)\n\n",
           o->repeats, o->repeats, o->repeats, o->steps, PAIR_KEEP);
    printf("  %-5s %8s %5s %6s | %8s %5s %5s | %8s %5s %5s | %8s %6s\n", "model", "alone", "cpu/",
           "others", "proc A", "cpu/", "ratio", "proc B", "cpu/", "ratio", "sum", "others");
    printf("  %-5s %8s %5s %6s | %8s %5s %5s | %8s %5s %5s | %8s %6s\n", "", "tok/s", "wall", "",
           "tok/s", "wall", "", "tok/s", "wall", "", "tok/s", "");
    for (int k = 0; k < n_models; k++) {
        pair_result r = {0};
        int rc = pair_test(&models[k], o, &r);
        if (rc)
            return rc;
        double ra = r.kid_tps[0] / r.alone_tps, rb = r.kid_tps[1] / r.alone_tps;
        printf("  %-5s %8.0f %5.2f %6.2f | %8.0f %5.2f %5.2f | %8.0f %5.2f %5.2f | %8.0f %6.2f  %s\n",
               models[k].name, r.alone_tps, r.alone_cpu, r.alone_others, r.kid_tps[0],
               r.kid_cpu[0], ra, r.kid_tps[1], r.kid_cpu[1], rb, r.kid_tps[0] + r.kid_tps[1],
               r.pair_others, ra >= PAIR_KEEP && rb >= PAIR_KEEP ? "kept" : "NOT KEPT");
        if (r.alone_cpu < PREEMPTED || r.kid_cpu[0] < PREEMPTED || r.kid_cpu[1] < PREEMPTED ||
            r.alone_others > BUSY_OTHERS || r.pair_others > BUSY_OTHERS)
            printf("  WARNING: another load shared the machine (cpu/wall < %.2f or others > %.2f),\n"
                   "  so this row is not a clean measurement of the two processes.\n",
                   PREEMPTED, BUSY_OTHERS);
        fflush(stdout);
    }
    return MG_OK;
}

/* --- main ------------------------------------------------------------------ */

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < lo || v > hi) {
        fprintf(stderr, "moegap_bench: %s '%s': expected an integer %d..%d\n", opt, s, lo, hi);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int parse_threads(const char *s, options *o)
{
    char buf[64];
    if (strlen(s) >= sizeof buf) {
        fprintf(stderr, "moegap_bench: --threads '%s': too long\n", s);
        return 0;
    }
    strcpy(buf, s);
    o->n_threads = 0;
    for (char *p = buf; p && *p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (o->n_threads == MAX_THREAD_COUNTS) {
            fprintf(stderr, "moegap_bench: --threads: at most %d counts\n", MAX_THREAD_COUNTS);
            return 0;
        }
        if (!parse_int("--threads", p, 1, 256, &o->threads[o->n_threads++]))
            return 0;
        p = comma ? comma + 1 : NULL;
    }
    return o->n_threads > 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.steps = 3, .repeats = 5, .warmup = 2, .threads = {1, 2}, .n_threads = 2,
                   .want_dense = 1, .want_moe = 1, .pair = 1, .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(a, "--steps") == 0 && v) {
            if (!parse_int(a, argv[++i], 1, 100000, &o->steps))
                return 0;
        } else if (strcmp(a, "--repeats") == 0 && v) {
            if (!parse_int(a, argv[++i], 1, MAX_REPEATS, &o->repeats))
                return 0;
        } else if (strcmp(a, "--warmup") == 0 && v) {
            if (!parse_int(a, argv[++i], 0, 100000, &o->warmup))
                return 0;
        } else if (strcmp(a, "--threads") == 0 && v) {
            if (!parse_threads(argv[++i], o))
                return 0;
        } else if (strcmp(a, "--model") == 0 && v) {
            const char *m = argv[++i];
            o->want_dense = strcmp(m, "dense") == 0 || strcmp(m, "both") == 0;
            o->want_moe = strcmp(m, "moe") == 0 || strcmp(m, "both") == 0;
            if (!o->want_dense && !o->want_moe) {
                fprintf(stderr, "moegap_bench: --model '%s': expected dense, moe or both\n", m);
                return 0;
            }
        } else if (strcmp(a, "--pair") == 0) {
            o->pair = 2;
        } else if (strcmp(a, "--no-pair") == 0) {
            o->pair = 0;
        } else if (strcmp(a, "--shapes") == 0) {
            o->shapes = 1;
        } else if (strcmp(a, "--train-only") == 0) {
            o->train_only = 1;
        } else if (strcmp(a, "--seed") == 0 && v) {
            char *end = NULL;
            errno = 0;
            o->seed = strtoull(argv[++i], &end, 10);
            if (*end != '\0' || errno) {
                fprintf(stderr, "moegap_bench: --seed '%s': expected an integer\n", argv[i]);
                return 0;
            }
        } else {
            fprintf(stderr, "moegap_bench: unknown or incomplete option '%s'\n\n%s", a, usage);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(argc, argv, &o))
        return 2;

    bench_model models[2];
    int n_models = 0, rc = MG_OK;
    if (o.want_dense && !(rc = bench_model_create(&models[n_models], 0, o.seed)))
        n_models++;
    if (!rc && o.want_moe && !(rc = bench_model_create(&models[n_models], 1, o.seed)))
        n_models++;

    if (!rc) {
        printf("moegap training throughput benchmark\n");
        printf("OpenBLAS: %s (core %s)\n", openblas_get_config(), openblas_get_corename());
        print_loadavg("at start");
        printf("ci-size models: d_model %d, %d layers, %d heads, context %d, vocabulary %d, "
               "batch %d\n", CI_C, CI_L, CI_NH, CI_T, CI_V, CI_B);
        for (int k = 0; k < n_models; k++) {
            const model_config *c = &models[k].m.cfg;
            if (c->n_experts)
                printf("  %-5s %d experts of expert_hidden %d, top-%d (lb %g, z %g): %zu parameters\n",
                       models[k].name, c->n_experts, c->expert_hidden, c->top_k,
                       (double)c->lb_coef, (double)c->z_coef, models[k].m.n_params);
            else
                printf("  %-5s ffn_hidden %d: %zu parameters\n", models[k].name, c->ffn_hidden,
                       models[k].m.n_params);
        }
    }
    if (!rc && !o.train_only) {
        /* for scale: the large-matrix rate, which small shapes cannot reach */
        printf("cblas_sgemm %dx%dx%d for scale:", SQUARE_N, SQUARE_N, SQUARE_N);
        int counts[MAX_THREAD_COUNTS + 1] = {1};
        int n_counts = 1;
        for (int t = 0; t < o.n_threads; t++)
            if (o.threads[t] != 1)
                counts[n_counts++] = o.threads[t];
        for (int t = 0; t < n_counts; t++) {
            openblas_set_num_threads(counts[t]);
            printf("  %d thread%s %.1f GFLOP/s", counts[t], counts[t] > 1 ? "s" : "",
                   gemm_square_gfs(SQUARE_N, 7));
        }
        printf("\n");
        fflush(stdout);
    }
    if (!rc && o.train_only) {
        openblas_set_num_threads(o.threads[0]);
        for (int k = 0; k < n_models && !rc; k++) {
            timing t;
            if (!(rc = run_steps(&models[k], o.warmup)) &&
                !(rc = time_steps(&models[k], o.steps, &t)))
                printf("%-5s %d thread%s, %d steps: %.0f tokens/s (cpu/wall %.2f, others %.2f)\n",
                       models[k].name, o.threads[0], o.threads[0] > 1 ? "s" : "", o.steps, t.tps,
                       t.cpu_ratio, t.others);
        }
    } else {
        if (!rc && o.pair != 2)
            rc = thread_table(models, n_models, &o);
        if (!rc && o.pair)
            rc = pair_table(models, n_models, &o);
    }
    if (!rc) {
        printf("\n");
        print_loadavg("at end");
    }
    for (int k = 0; k < n_models; k++)
        bench_model_free(&models[k]);
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "moegap_bench: %s\n", error_message());
        return 1;
    }
    return 0;
}
