/* moegap_bench: training throughput of the ci-size models, against PyTorch
 * and against this machine's own limit, measured in the same run.
 *
 * A step is exactly what lib/train/train.c runs per update: model_forward,
 * model_zero_grad, model_backward, grad_clip_global, adamw_step. Each
 * tokens/s figure is set against three yardsticks, all measured here:
 *   - PyTorch on the same models (bench/torch_reference.py --serve, a child
 *     process), one PyTorch repetition right after each moegap one at the
 *     same thread count; ratios are medians of those back-to-back pairs,
 *     since PyTorch's own speed drifts by a quarter between runs;
 *   - a 1024x1024x1024 cblas_sgemm at the same thread count, the rate the
 *     machine reaches on large products, timed in every repetition too: the
 *     step's FLOPs per second as a share of it;
 *   - the model's own products replayed as plain sgemm calls
 *     (model_gemms.h): how far the step is from "nothing but its products",
 *     with the share of the step inside the library's real cblas_sgemm calls
 *     (gemm_peak.h records them).
 * Besides: the peak resident memory of a fresh training process against
 * what training must hold, two one-thread processes at once against one
 * alone, and (--paper) the paper tier's models on one and two threads. The
 * targets of the speed issue close the output, each met or not.
 *
 * The machine is shared and noisy, so every ratio is taken within one run:
 * measurements of every (thread count, model) pair are interleaved
 * repetition by repetition, and each figure is the median of the
 * repetitions. */
#include "gemm_peak.h"
#include "model_gemms.h"
#include "torch_server.h"

#include "util/error.h"
#include "model/model.h"
#include "train/adamw.h"
#include "train/schedule.h"
#include "model/params.h"
#include "train/recipe.h"
#include "train/tokens.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MOEGAP_BENCH_SOURCE_DIR
#error "MOEGAP_BENCH_SOURCE_DIR: bench/CMakeLists.txt passes the source tree's path"
#endif

extern char **environ;

/* ci-size models (the numbers); the dense one is the MoE's active
 * match (the router's L*E*C parameters aside) */
enum { CI_B = 32, CI_T = 128, CI_V = 1024, CI_C = 64, CI_L = 4, CI_NH = 4 };
enum { CI_DENSE_H = 256, CI_E = 4, CI_EXPERT_H = 128, CI_TOP_K = 2 };
enum { STREAM_WINDOWS = 256 }; /* distinct (T+1)-token windows the batches cycle through */
enum { MAX_THREAD_COUNTS = 4, MAX_REPEATS = 1000 };
/* the 1024^3 sgemm, and its calls per measurement (median) */
enum { SQUARE_N = 1024, SQUARE_REPS = 3 };

/* Targets of the speed issue ("moegap vs PyTorch, and against the machine's
 * own limit"): the figures the targets table holds each measurement to. */
static const double TARGET_DENSE_VS_TORCH = 1.5;  /* x PyTorch's tokens/s, one thread */
static const double TARGET_DENSE_OF_SQUARE = 0.75; /* of the one-thread 1024^3 sgemm FLOP/s */
static const double TARGET_MOE_VS_TORCH = 1.7;
static const double TARGET_MOE_OF_SQUARE = 0.70;
static const double TARGET_MOE_VS_DENSE = 0.9;    /* x the dense active match's tokens/s */
static const double TARGET_PAIR_KEEP = 0.90;      /* each of two processes at once, x alone */
static const double TARGET_RSS_OVER_FLOOR = 1.5;  /* peak RSS / what training must hold */
static const double TARGET_PAPER_SPEEDUP = 1.7;   /* paper tier, two threads / one */

/* A one-thread run's main thread that ran less than this share of a timed
 * interval was preempted: something else wanted its core. With more
 * threads the main thread also waits for the layers' other threads
 * (model/layers/parallel.h), so only `others` tells there. */
static const double PREEMPTED = 0.90;
/* Other work on the machine, in CPUs, above which a measurement is
 * flagged: even on the other core it shares caches, memory bandwidth and
 * the boost clock budget with the bench. */
static const double BUSY_OTHERS = 0.10;

static const char TORCH_PYTHON[] = "/usr/bin/python3";
static const char TORCH_SCRIPT[] = MOEGAP_BENCH_SOURCE_DIR "/bench/torch_reference.py";
static const char PAPER_RECIPE[] = MOEGAP_BENCH_SOURCE_DIR "/protocols/tiers/paper/moe4.ini";

static const char usage[] =
    "usage: moegap_bench [options]\n"
    "\n"
    "Training tokens/s of the ci-size dense and MoE models (d_model 64, 4 layers,\n"
    "4 heads, context 128, vocabulary 1024, batch 32; dense ffn_hidden 256, the\n"
    "MoE's active match; MoE 4 experts of 128, top-2), a full step each time:\n"
    "forward, backward, gradient clipping, AdamW. In the same run, interleaved\n"
    "repetition by repetition at the same thread count:\n"
    "  - PyTorch on the same models (bench/torch_reference.py --serve through\n"
    "    /usr/bin/python3; without it, or without torch, a line says so and the\n"
    "    bench goes on without those ratios); each ratio is the median over the\n"
    "    repetitions of moegap's tokens/s over PyTorch's right after it;\n"
    "  - this machine's limit: a 1024x1024x1024 cblas_sgemm's FLOP/s, and each\n"
    "    tokens/s as a share of it (FLOP per token: 6 x the matrix parameters a\n"
    "    token passes through, plus attention's products, T x T blocks in full);\n"
    "  - the model's own products as sgemm calls replayed alone, and the share of\n"
    "    the step inside the library's cblas_sgemm calls.\n"
    "Then the peak resident memory of a fresh one-thread training process against\n"
    "the weights, gradients, AdamW moments and activations it must hold; two\n"
    "one-thread processes at once, each against one thread alone; and last the\n"
    "speed issue's targets, each measured figure met or not. Speeds are figures,\n"
    "never pass/fail of the command: it exits 0 whatever they are.\n"
    "\n"
    "  --steps N      timed training steps per repetition (default 3)\n"
    "  --repeats N    repetitions; figures are medians (default 5)\n"
    "  --warmup N     untimed steps per model and thread count first (default 2)\n"
    "  --threads LIST OpenBLAS thread counts, comma-separated (default 1,2)\n"
    "  --model M      dense, moe or both (default both)\n"
    "  --pair         only the two-process test: two one-thread training\n"
    "                 processes at once, each against one thread alone\n"
    "  --no-pair      skip the two-process test\n"
    "  --no-torch     skip PyTorch (no ratios against it)\n"
    "  --torch-python PATH  the interpreter for torch_reference.py\n"
    "                 (default /usr/bin/python3)\n"
    "  --rss-steps N  steps of the memory measurement's training process\n"
    "                 (default 2; 0 skips the measurement)\n"
    "  --paper        also the paper tier: MoE-4 of protocols/tiers/paper/moe4.ini\n"
    "                 and its dense total match (the solver's, as `moegap params\n"
    "                 --match total`), tokens/s on 1 and 2 threads and the\n"
    "                 two-thread speed-up, and their peak memory (minutes)\n"
    "  --paper-recipe FILE  the MoE recipe for --paper (default the paper tier's)\n"
    "  --paper-steps N, --paper-repeats N  per --paper repetition, and\n"
    "                 repetitions (defaults 1 and 3; one warm-up step each)\n"
    "  --shapes       also time each sgemm shape of the model on its own\n"
    "  --train-only   only train: --warmup then --steps steps of each model at the\n"
    "                 first thread count, and their tokens/s; no sgemm replays,\n"
    "                 recording or PyTorch, so a profiler (perf record) sees\n"
    "                 training alone\n"
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
    int torch;
    const char *torch_python;
    int rss_steps;
    int paper, paper_steps, paper_repeats;
    const char *paper_recipe;
    const char *rss_child; /* internal: this process is the memory measurement's */
    unsigned long long seed;
} options;

/* The models the bench builds; a memory measurement's child process gets
 * one of these names. */
typedef enum { SPEC_CI_DENSE, SPEC_CI_MOE, SPEC_PAPER_MOE, SPEC_PAPER_DENSE, N_SPECS } model_spec;
static const char *const spec_name[N_SPECS] = {"dense", "moe", "MoE-4", "dense_total"};
static const char *const spec_arg[N_SPECS] = {"ci-dense", "ci-moe", "paper-moe", "paper-dense"};

typedef struct {
    const char *name;
    model_spec spec;
    recipe r;        /* hyperparameters: the fixed recipe's defaults, or the tier's file */
    int B, T;        /* batch */
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
    double square_gfs;  /* the 1024^3 sgemm at this thread count, this repetition */
    double torch_tps;   /* PyTorch right after, same model and threads (-1: none) */
} rep_sample;

/* A measured figure for the targets table. */
typedef struct {
    int have;
    double v;
} figure;

/* Everything the targets table needs; index [0] dense, [1] MoE. Each
 * `_bound` is the same run's reference for its target: what the figure
 * would be if the step were only its own sgemm calls (of_square), and the
 * 1024^3 sgemm's own two-thread speed-up (paper_speedup). A target above
 * its bound cannot be met by faster code around the library's sgemm. */
typedef struct {
    figure vs_torch[2], of_square[2], of_square_bound[2], moe_vs_dense, pair_keep[2];
    figure rss_ratio[N_SPECS];
    figure paper_speedup[2]; /* [0] dense_total, [1] MoE-4 */
    figure paper_speedup_bound;
    const char *torch_why;   /* why there is no PyTorch figure, or NULL */
} results;

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

/* The paper tier's MoE recipe, or (dense) the dense model the solver
 * matches to its total count, as `moegap params --match total` finds it:
 * ffn_hidden resized, any multiple. */
static int paper_recipe(recipe *r, const char *path, int dense, params_match_result *match)
{
    recipe_defaults(r);
    int rc = recipe_read(r, path);
    if (!rc)
        rc = recipe_validate(r);
    if (!rc && !model_config_is_moe(&r->model))
        rc = error_set(MG_EINVAL, "%s: --paper needs an MoE recipe (n_experts > 0)", path);
    params_match_request req = {PARAMS_TARGET_TOTAL, PARAMS_WIDTH_FFN_HIDDEN, 1, 0};
    params_match_result m;
    if (!rc)
        rc = params_match(&r->model, &req, &m);
    if (!rc && dense)
        r->model = m.dense;
    if (!rc && match)
        *match = m;
    return rc;
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

static int bench_model_create(bench_model *bm, model_spec spec, const options *o)
{
    memset(bm, 0, sizeof *bm);
    bm->name = spec_name[spec];
    bm->spec = spec;
    int rc = MG_OK;
    if (spec == SPEC_CI_DENSE || spec == SPEC_CI_MOE) {
        recipe_defaults(&bm->r);
        ci_config(&bm->r.model, spec == SPEC_CI_MOE);
        bm->r.batch_size = CI_B;
    } else {
        rc = paper_recipe(&bm->r, o->paper_recipe, spec == SPEC_PAPER_DENSE, NULL);
    }
    if (rc)
        return rc;
    bm->B = bm->r.batch_size;
    bm->T = bm->r.model.seq_len;
    /* the trainer's schedule shape: linear warm-up, then a cosine decay so
     * long that the learning rate stays near its peak for the whole bench */
    bm->sched = (lr_schedule){bm->r.lr, 30, 1000000, bm->r.min_lr_ratio};
    rc = model_create(&bm->m, &bm->r.model, bm->B);
    if (!rc)
        model_init(&bm->m, o->seed);
    if (!rc)
        rc = adamw_create(&bm->opt, &bm->r.optim, bm->m.n_params);
    if (rc) {
        bench_model_free(bm);
        return rc;
    }
    /* Synthetic text rather than uniform random ids: its structure gives
     * the router realistic, uneven expert loads once training moves. */
    size_t n = (size_t)STREAM_WINDOWS * (bm->T + 1), bt = (size_t)bm->B * bm->T;
    bm->stream = malloc(n * sizeof *bm->stream);
    bm->inputs = malloc(bt * sizeof *bm->inputs);
    bm->targets = malloc(bt * sizeof *bm->targets);
    if (!bm->stream || !bm->inputs || !bm->targets) {
        bench_model_free(bm);
        return error_set(MG_ENOMEM, "out of memory for the %s model's token stream", bm->name);
    }
    rc = tokens_synthesize(bm->stream, n, (uint32_t)bm->r.model.vocab_size, o->seed);
    if (rc)
        bench_model_free(bm);
    return rc;
}

static double tokens_per_step(const bench_model *bm)
{
    return (double)bm->B * bm->T;
}

/* One update, the same calls in the same order as train_run. */
static int train_step(bench_model *bm)
{
    const int B = bm->B, T = bm->T;
    for (int b = 0; b < B; b++) {
        size_t w = ((size_t)bm->step * B + b) % STREAM_WINDOWS;
        const uint16_t *src = bm->stream + w * (T + 1);
        memcpy(bm->inputs + (size_t)b * T, src, T * sizeof *src);
        memcpy(bm->targets + (size_t)b * T, src + 1, T * sizeof *src);
    }
    model *m = &bm->m;
    int rc = model_forward(m, bm->inputs, bm->targets, B, T);
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

/* OpenBLAS's and the layers' threads; a thread that cannot start ends the
 * bench, whose figures would otherwise be of fewer threads than they say. */
static void bench_threads(int threads)
{
    if (model_threads_set(threads) != MG_OK) {
        fprintf(stderr, "moegap_bench: %s\n", error_message());
        exit(1);
    }
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
    t->tps = (double)steps * tokens_per_step(bm) / wall;
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
    if (bm->gemms.oom || model_gemms(&bm->m, bm->B, bm->T, &bm->canon, &s->causal_flops) ||
        gemm_arena_fit(ar, &bm->canon))
        return error_set(MG_ENOMEM, "out of memory for the sgemm call lists");
    s->model_flops = bm->canon.flops;
    s->peak_gfs = steps * bm->canon.flops / gemm_replay(&bm->canon, ar, steps) * 1e-9;
    return MG_OK;
}

/* --- FLOP per training token ------------------------------------------------
 * The bench's count is model_gemms.c's: 2MNK summed over the step's products
 * as plain sgemm calls, attention's T x T blocks in full (as PyTorch
 * computes them). Per token that is 6 x the matrix parameters a token
 * passes through (forward 2, backward 4: the tied embedding once, as the
 * output head; the router; top_k experts of an MoE layer) plus attention's
 * six T x T products per layer, 2 T C FLOPs each per token. The closed form
 * is printed beside the count, so a drift of either shows. */

typedef struct {
    double matrix_params; /* active, embedding once (the head), router included */
    double closed;        /* 6 x matrix_params + 12 L T C */
    double counted;       /* model_gemms' FLOPs / tokens */
    double causal;        /* the same with attention's causal half only */
} flop_count;

static int count_flops(bench_model *bm, flop_count *f)
{
    const model_config *c = &bm->m.cfg;
    params_counts n;
    int rc = params_count(c, &n);
    if (rc)
        return rc;
    double causal = 0.0;
    /* an MoE's expert rows are the last forward's routing: one step first */
    if (!bm->step && (rc = train_step(bm)))
        return rc;
    if (model_gemms(&bm->m, bm->B, bm->T, &bm->canon, &causal))
        return error_set(MG_ENOMEM, "out of memory for the %s model's sgemm list", bm->name);
    f->matrix_params = (double)(n.n_active - n.active[PARAMS_NORMS]);
    f->closed = 6.0 * f->matrix_params + 12.0 * c->n_layers * (double)bm->T * c->d_model;
    f->counted = bm->canon.flops / tokens_per_step(bm);
    f->causal = causal / tokens_per_step(bm);
    return MG_OK;
}

static void print_flop_count(const bench_model *bm, const flop_count *f)
{
    const model_config *c = &bm->m.cfg;
    printf("  %-11s 6 x %.0f matrix parameters + 12 x %d layers x T %d x C %d = %.2f MFLOP/token"
           " (sgemm list: %.2f; causal half of attention: %.2f)\n",
           bm->name, f->matrix_params, c->n_layers, bm->T, c->d_model, f->closed * 1e-6,
           f->counted * 1e-6, f->causal * 1e-6);
}

static void print_flop_header(void)
{
    printf("FLOP per training token, as the bench counts them: 2MNK over the step's matrix\n"
           "products as plain sgemm calls (model_gemms.c), attention's T x T blocks in full:\n"
           "6 x the matrix parameters a token passes through (tied embedding once, as the\n"
           "head; router; top_k experts) + 12 L T C for attention's six T x T products\n");
}

/* --- the thread-count table ------------------------------------------------ */

typedef struct {
    double tps, cpu_ratio, others, ms_step;
    double model_flops, causal_flops, step_gfs, peak_gfs, frac;
    double rec_calls, rec_flops, rec_share, rec_gfs;
    double square_gfs, of_square; /* the 1024^3 rate; tokens/s x FLOP/token over it */
    double of_square_bound;       /* the model's sgemm calls alone over the 1024^3 rate */
    double torch_tps, vs_torch;   /* -1 without PyTorch figures */
} summary;

static summary summarize(const rep_sample *s, int n, double tokens)
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
    r.square_gfs = MEDIAN_OF(s, n, square_gfs);
    r.ms_step = 1e3 * tokens / r.tps;
    r.step_gfs = r.model_flops / (r.ms_step * 1e-3) * 1e-9;
    r.frac = r.step_gfs / r.peak_gfs;
    double share[MAX_REPEATS], gfs[MAX_REPEATS], of_sq[MAX_REPEATS], bound[MAX_REPEATS];
    double torch[MAX_REPEATS], ratio[MAX_REPEATS];
    int n_torch = 0;
    for (int i = 0; i < n; i++) {
        share[i] = s[i].rec_gemm_s / s[i].rec_step_s;
        gfs[i] = s[i].rec_gemm_s > 0.0 ? s[i].rec_flops / s[i].rec_gemm_s * 1e-9 : 0.0;
        of_sq[i] = s[i].tps / tokens * s[i].model_flops / (s[i].square_gfs * 1e9);
        bound[i] = s[i].peak_gfs / s[i].square_gfs;
        /* a repetition PyTorch did not answer has no pair: left out */
        if (s[i].torch_tps > 0.0) {
            torch[n_torch] = s[i].torch_tps;
            ratio[n_torch++] = s[i].tps / s[i].torch_tps;
        }
    }
    r.rec_share = median_strided(share, 1, n);
    r.rec_gfs = median_strided(gfs, 1, n);
    r.of_square = median_strided(of_sq, 1, n);
    r.of_square_bound = median_strided(bound, 1, n);
    r.torch_tps = n_torch ? median_strided(torch, 1, n_torch) : -1.0;
    r.vs_torch = n_torch ? median_strided(ratio, 1, n_torch) : -1.0;
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


/* Median over repetitions of num's tokens/s over den's: both ran in every
 * repetition, so each ratio compares two neighbouring measurements. */
static double median_ratio(const rep_sample *num, const rep_sample *den, int n)
{
    double r[MAX_REPEATS];
    for (int i = 0; i < n; i++)
        r[i] = num[i].tps / den[i].tps;
    return median_strided(r, 1, n);
}

/* The PyTorch and 1024^3 rows of the thread table's models. */
static void print_vs_table(const bench_model *models, int n_models, const options *o,
                           const summary *sum, const torch_server *ts)
{
    printf("\nAgainst PyTorch and this machine's limit (same repetitions as above)\n"
           "  PyTorch     = bench/torch_reference.py on the same model, same threads, run\n"
           "                right after each moegap repetition (%s)\n"
           "  vs PyTorch  = median over repetitions of moegap tok/s / PyTorch tok/s\n"
           "  MFLOP/token = the sgemm list's count per token (FLOP per training token above)\n"
           "  1024^3 GF/s = one 1024x1024x1024 cblas_sgemm at these threads, median of %d\n"
           "                calls, timed in every repetition\n"
           "  of 1024^3   = tok/s x FLOP/token / 1024^3 FLOP/s, median over repetitions\n\n",
           ts->status, SQUARE_REPS);
    printf("  %-5s %3s %8s %8s %7s | %7s %7s %7s %8s\n", "model", "thr", "moegap", "PyTorch",
           "vs", "MFLOP", "step", "1024^3", "of");
    printf("  %-5s %3s %8s %8s %7s | %7s %7s %7s %8s\n", "", "", "tok/s", "tok/s", "PyTorch",
           "/token", "GF/s", "GF/s", "1024^3");
    for (int t = 0; t < o->n_threads; t++)
        for (int k = 0; k < n_models; k++) {
            const summary *s = &sum[t * n_models + k];
            char torch[16] = "-", vs[16] = "-";
            if (s->vs_torch > 0.0) {
                snprintf(torch, sizeof torch, "%.0f", s->torch_tps);
                snprintf(vs, sizeof vs, "%.2fx", s->vs_torch);
            }
            printf("  %-5s %3d %8.0f %8s %7s | %7.2f %7.1f %7.1f %7.1f%%\n", models[k].name,
                   o->threads[t], s->tps, torch, vs,
                   s->model_flops / tokens_per_step(&models[k]) * 1e-6, s->step_gfs,
                   s->square_gfs, 100.0 * s->of_square);
        }
}

static int thread_table(bench_model *models, int n_models, const options *o, torch_server *ts,
                        results *res)
{
    int n_cfg = o->n_threads * n_models;
    rep_sample *samples = calloc((size_t)n_cfg * o->repeats, sizeof *samples);
    summary *sum = calloc((size_t)n_cfg, sizeof *sum);
    gemm_arena ar = {0};
    if (!samples || !sum) {
        free(samples);
        free(sum);
        return error_set(MG_ENOMEM, "out of memory for samples");
    }
    int rc = MG_OK, n_disturbed = 0;
    double ignored;
    for (int t = 0; t < o->n_threads && !rc; t++) {
        bench_threads(o->threads[t]);
        for (int k = 0; k < n_models && !rc; k++) {
            rc = run_steps(&models[k], o->warmup);
            if (o->warmup > 0)
                torch_run(ts, models[k].name, o->warmup, o->threads[t], &ignored);
        }
    }
    /* repetition-major, so slow drifts of the machine's load hit every
     * configuration alike instead of biasing whichever ran last; PyTorch
     * right after moegap on each model, so each pair sees the same machine */
    for (int rep = 0; rep < o->repeats && !rc; rep++)
        for (int t = 0; t < o->n_threads && !rc; t++) {
            bench_threads(o->threads[t]);
            double square = gemm_square_gfs(SQUARE_N, SQUARE_REPS);
            if (square < 0.0)
                rc = error_set(MG_ENOMEM, "out of memory for the %d^3 sgemm", SQUARE_N);
            for (int k = 0; k < n_models && !rc; k++) {
                rep_sample *s = &samples[(size_t)(t * n_models + k) * o->repeats + rep];
                rc = measure_rep(&models[k], &ar, o->steps, s);
                s->square_gfs = square;
                s->torch_tps = -1.0;
                torch_run(ts, models[k].name, o->steps, o->threads[t], &s->torch_tps);
            }
        }
    if (rc)
        goto done;

    printf("\nTraining step (median of %d repetitions of %d steps after %d warm-up)\n",
           o->repeats, o->steps, o->warmup);
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
           "  cpu/wall    = main thread's CPU time / wall time; below 1 on one thread\n"
           "                means it was preempted (another load on the machine); on\n"
           "                more, the main thread also waits for the layers' threads\n"
           "  others      = CPUs busy with other processes meanwhile (/proc/stat)\n\n");
    printf("  %-5s %3s %8s %7s %6s %6s %6s %6s %8s | %5s %6s %6s %6s | %5s %6s\n", "model",
           "thr", "tok/s", "ms/step", "GFLOP", "step", "sgemm", "of", "ceiling", "lib", "sgemm",
           "time", "in-sg", "cpu/", "others");
    printf("  %-5s %3s %8s %7s %6s %6s %6s %6s %8s | %5s %6s %6s %6s | %5s %6s\n", "", "", "",
           "", "/step", "GF/s", "GF/s", "peak", "tok/s", "calls", "GFLOP", "share", "GF/s", "wall",
           "");
    int one_dense = -1, one_moe = -1;
    for (int t = 0; t < o->n_threads; t++)
        for (int k = 0; k < n_models; k++) {
            const rep_sample *smp = &samples[(size_t)(t * n_models + k) * o->repeats];
            summary *s = &sum[t * n_models + k];
            *s = summarize(smp, o->repeats, tokens_per_step(&models[k]));
            for (int i = 0; i < o->repeats; i++)
                if ((o->threads[t] == 1 && smp[i].cpu_ratio < PREEMPTED) ||
                    smp[i].others > BUSY_OTHERS)
                    n_disturbed++;
            printf("  %-5s %3d %8.0f %7.1f %6.3f %6.1f %6.1f %5.1f%% %8.0f | %5.0f %6.3f %5.1f%% %6.1f"
                   " | %5.2f %6.2f\n",
                   models[k].name, o->threads[t], s->tps, s->ms_step, s->model_flops * 1e-9,
                   s->step_gfs, s->peak_gfs, 100.0 * s->frac, s->tps / s->frac, s->rec_calls,
                   s->rec_flops * 1e-9, 100.0 * s->rec_share, s->rec_gfs, s->cpu_ratio, s->others);
            if (o->threads[t] == 1) {
                int moe = models[k].spec == SPEC_CI_MOE;
                if (moe)
                    one_moe = t * n_models + k;
                else
                    one_dense = t * n_models + k;
                if (s->vs_torch > 0.0)
                    res->vs_torch[moe] = (figure){1, s->vs_torch};
                res->of_square[moe] = (figure){1, s->of_square};
                res->of_square_bound[moe] = (figure){1, s->of_square_bound};
            }
        }
    if (n_disturbed)
        printf("  WARNING: %d of %d timed repetitions were disturbed (cpu/wall < %.2f on one\n"
               "  thread, or others > %.2f): another load shares this machine; medians may be\n"
               "  low and noisy.\n",
               n_disturbed, o->repeats * n_cfg, PREEMPTED, BUSY_OTHERS);
    print_vs_table(models, n_models, o, sum, ts);
    if (one_dense >= 0 && one_moe >= 0) {
        res->moe_vs_dense = (figure){1, median_ratio(&samples[(size_t)one_moe * o->repeats],
                                                     &samples[(size_t)one_dense * o->repeats],
                                                     o->repeats)};
        printf("  moe / dense tokens/s, one thread: %.2f (median of the repetitions' ratios)\n",
               res->moe_vs_dense.v);
    }

    if (o->shapes)
        for (int t = 0; t < o->n_threads && !rc; t++) {
            bench_threads(o->threads[t]);
            for (int k = 0; k < n_models && !rc; k++)
                rc = print_shapes(&models[k], &ar, o->threads[t], o->steps);
        }
done:
    free(samples);
    free(sum);
    gemm_arena_free(&ar);
    return rc;
}

/* --- peak memory of a training run ------------------------------------------
 * A fresh process (this program again, --rss-child) builds one model, trains
 * it on one thread and reports its VmHWM: a fork of the bench would start
 * from the bench's own pages (every model, the sgemm arena) and count them.
 * posix_spawn rather than fork for the same reason: wait4's ru_maxrss of a
 * forked child includes the pages it shared before exec. */

/* The floor: what any implementation of this training must hold. */
typedef struct {
    double weights, grads, moments, acts, act_grads, total; /* bytes */
} mem_floor;

static mem_floor floor_of(const model *m)
{
    model_buffer_sizes z;
    model_buffer_sizes_get(m, &z);
    mem_floor f;
    f.weights = (double)z.params * sizeof(float);
    f.grads = f.weights;
    f.moments = 2.0 * f.weights; /* AdamW's m and v */
    f.acts = (double)z.acts * sizeof(float) + (double)z.act_ints * sizeof(int);
    f.act_grads = (double)z.scratch * sizeof(float);
    f.total = f.weights + f.grads + f.moments + f.acts + f.act_grads;
    return f;
}

/* VmHWM of this process in KiB, -1 where /proc does not say. */
static long vm_hwm_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* The child's side: prints "vmhwm_kib N" and exits 0, or names what failed. */
static int rss_child_main(const options *o)
{
    model_spec spec = N_SPECS;
    for (int s = 0; s < N_SPECS; s++)
        if (strcmp(o->rss_child, spec_arg[s]) == 0)
            spec = (model_spec)s;
    if (spec == N_SPECS) {
        fprintf(stderr, "moegap_bench: --rss-child '%s': no such model\n", o->rss_child);
        return 2;
    }
    bench_threads(1);
    bench_model bm;
    int rc = bench_model_create(&bm, spec, o);
    if (!rc)
        rc = run_steps(&bm, o->rss_steps);
    if (!rc)
        printf("vmhwm_kib %ld\n", vm_hwm_kib());
    if (!rc)
        bench_model_free(&bm);
    if (rc) {
        fprintf(stderr, "moegap_bench: memory measurement, %s model: %s\n", spec_name[spec],
                error_message());
        return 1;
    }
    return 0;
}

/* Runs the child for `spec`; *kib gets its VmHWM. */
static int measure_rss(model_spec spec, const options *o, long *kib)
{
    char steps[24], seed[24];
    snprintf(steps, sizeof steps, "%d", o->rss_steps);
    snprintf(seed, sizeof seed, "%llu", o->seed);
    char *argv[] = {"moegap_bench", "--rss-child", (char *)spec_arg[spec], "--rss-steps", steps,
                    "--seed", seed, "--paper-recipe", (char *)o->paper_recipe, NULL};
    int out[2];
    if (pipe(out))
        return error_set(MG_EIO, "memory measurement: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, out[1]);
    fflush(stdout);
    pid_t pid;
    int err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (err) {
        close(out[0]);
        return error_set(MG_EIO, "memory measurement: spawning /proc/self/exe: %s",
                         strerror(err));
    }
    FILE *f = fdopen(out[0], "r");
    char line[128] = "";
    if (!f)
        close(out[0]);
    else if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    if (f)
        fclose(f);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) || sscanf(line, "vmhwm_kib %ld", kib) != 1 ||
        *kib <= 0)
        return error_set(MG_EIO, "memory measurement of the %s model failed (status %d, said '%.40s')",
                         spec_name[spec], st, line);
    return MG_OK;
}

static int rss_table(const model_spec *specs, int n_specs, const options *o, results *res)
{
    printf("\nPeak memory of a training run: a fresh process trains the model %d step%s on one\n"
           "thread (VmHWM), against the floor any implementation must hold (MiB):\n"
           "  weights, gradients, AdamW's m and v: 4 bytes per parameter each; activations:\n"
           "  what the forward keeps for the backward (model_acts: model_buffer_sizes_get,\n"
           "  the counts model_create allocates, routing indices included); activation\n"
           "  gradients: the backward's per-layer scratch (model_grad_scratch). The rest of\n"
           "  the process (program, libraries, OpenBLAS's buffers, token stream) is overhead.\n\n",
           o->rss_steps, o->rss_steps > 1 ? "s" : "");
    printf("  %-11s %8s %8s %8s %8s %8s %8s | %8s %6s\n", "model", "weights", "grads", "adam m+v",
           "acts", "act grad", "floor", "peak RSS", "ratio");
    for (int i = 0; i < n_specs; i++) {
        /* the floor from a model of the same config, built here and freed */
        bench_model bm;
        int rc = bench_model_create(&bm, specs[i], o);
        if (rc)
            return rc;
        mem_floor f = floor_of(&bm.m);
        bench_model_free(&bm);
        long kib = 0;
        if ((rc = measure_rss(specs[i], o, &kib)))
            return rc;
        const double mib = 1.0 / (1024.0 * 1024.0), rss = (double)kib * 1024.0;
        res->rss_ratio[specs[i]] = (figure){1, rss / f.total};
        printf("  %-11s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f | %8.1f %5.2fx\n", spec_name[specs[i]],
               f.weights * mib, f.grads * mib, f.moments * mib, f.acts * mib, f.act_grads * mib,
               f.total * mib, rss * mib, rss / f.total);
        fflush(stdout);
    }
    return MG_OK;
}

/* --- the paper tier on one and two threads --------------------------------- */

enum { PAPER_THREADS = 2 }; /* one thread, then two */

static int paper_table(const options *o, results *res)
{
    params_match_result match;
    recipe moe_r;
    int rc = paper_recipe(&moe_r, o->paper_recipe, 0, &match);
    if (rc)
        return rc;
    const model_config *c = &moe_r.model;
    printf("\nPaper tier (%s): d_model %d, %d layers, %d heads, context %d, vocabulary %d, "
           "batch %d\n", o->paper_recipe, c->d_model, c->n_layers, c->n_heads, c->seq_len,
           c->vocab_size, moe_r.batch_size);
    printf("  MoE-4       %d experts of %d, top-%d: %zu parameters total, %zu active\n",
           c->n_experts, c->expert_hidden, c->top_k, match.moe.n_total, match.moe.n_active);
    printf("  dense_total ffn_hidden %d (the solver's total match, mismatch %+.4f%%): %zu "
           "parameters\n", match.dense.ffn_hidden, 100.0 * match.mismatch, match.dense_count);

    enum { NM = 2 };
    bench_model models[NM];
    const model_spec specs[NM] = {SPEC_PAPER_MOE, SPEC_PAPER_DENSE};
    const int threads[PAPER_THREADS] = {1, 2};
    const int R = o->paper_repeats;
    int n_made = 0;
    rep_sample *smp = calloc((size_t)PAPER_THREADS * NM * R, sizeof *smp);
    if (!smp)
        return error_set(MG_ENOMEM, "out of memory for the paper tier's samples");
    for (; n_made < NM && !rc; n_made++)
        rc = bench_model_create(&models[n_made], specs[n_made], o);
    if (rc)
        n_made--;
    flop_count fc[NM];
    for (int t = 0; t < PAPER_THREADS && !rc; t++) {
        bench_threads(threads[t]);
        for (int k = 0; k < NM && !rc; k++)
            rc = run_steps(&models[k], 1);
    }
    for (int k = 0; k < NM && !rc; k++)
        rc = count_flops(&models[k], &fc[k]);
    if (!rc)
        for (int k = 0; k < NM; k++)
            print_flop_count(&models[k], &fc[k]);
    fflush(stdout);
    for (int rep = 0; rep < R && !rc; rep++)
        for (int t = 0; t < PAPER_THREADS && !rc; t++) {
            bench_threads(threads[t]);
            double square = gemm_square_gfs(SQUARE_N, SQUARE_REPS);
            for (int k = 0; k < NM && !rc; k++) {
                rep_sample *s = &smp[(size_t)(t * NM + k) * R + rep];
                timing tm;
                rc = time_steps(&models[k], o->paper_steps, &tm);
                s->tps = tm.tps;
                s->cpu_ratio = tm.cpu_ratio;
                s->others = tm.others;
                s->square_gfs = square;
                s->model_flops = fc[k].counted * tokens_per_step(&models[k]);
                s->rec_step_s = 1.0; /* no recorded step here: its share reads 0 */
            }
        }
    if (rc)
        goto done;
    printf("\n  (median of %d repetitions of %d step%s, one warm-up step each; of 1024^3 = tok/s x\n"
           "  FLOP/token over the 1024^3 sgemm's FLOP/s at the same threads)\n",
           R, o->paper_steps, o->paper_steps > 1 ? "s" : "");
    printf("  %-11s %3s %8s %8s %8s %8s | %5s %6s\n", "model", "thr", "tok/s", "s/step",
           "1024^3", "of", "cpu/", "others");
    printf("  %-11s %3s %8s %8s %8s %8s | %5s %6s\n", "", "", "", "", "GF/s", "1024^3", "wall",
           "");
    for (int t = 0; t < PAPER_THREADS; t++)
        for (int k = 0; k < NM; k++) {
            const rep_sample *s = &smp[(size_t)(t * NM + k) * R];
            summary m = summarize(s, R, tokens_per_step(&models[k]));
            printf("  %-11s %3d %8.0f %8.2f %8.1f %7.1f%% | %5.2f %6.2f\n", models[k].name,
                   threads[t], m.tps, tokens_per_step(&models[k]) / m.tps, m.square_gfs,
                   100.0 * m.of_square, m.cpu_ratio, m.others);
        }
    for (int k = 0; k < NM; k++) {
        double up = median_ratio(&smp[(size_t)(NM + k) * R], &smp[(size_t)k * R], R);
        res->paper_speedup[specs[k] == SPEC_PAPER_MOE] = (figure){1, up};
        printf("  %-11s two-thread speed-up %.2fx (median of the repetitions' ratios)\n",
               models[k].name, up);
    }
    /* the library's own scaling, from the 1024^3 calls of the same repetitions */
    double square_up[MAX_REPEATS];
    for (int i = 0; i < R; i++)
        square_up[i] = smp[(size_t)NM * R + i].square_gfs / smp[i].square_gfs;
    res->paper_speedup_bound = (figure){1, median_strided(square_up, 1, R)};
    printf("  %-11s two-thread speed-up %.2fx (the 1024^3 sgemm of the same repetitions)\n",
           "sgemm", res->paper_speedup_bound.v);
    if (o->shapes) {
        gemm_arena ar = {0};
        for (int k = 0; k < NM && !rc; k++)
            if (gemm_arena_fit(&ar, &models[k].canon))
                rc = error_set(MG_ENOMEM, "out of memory for the paper tier's sgemm replays");
        for (int t = 0; t < PAPER_THREADS && !rc; t++) {
            bench_threads(threads[t]);
            for (int k = 0; k < NM && !rc; k++)
                rc = print_shapes(&models[k], &ar, threads[t], 1);
        }
        gemm_arena_free(&ar);
    }
done:
    for (int k = 0; k < n_made; k++)
        bench_model_free(&models[k]);
    free(smp);
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
    bench_threads(1);
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
    bench_threads(1);
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

static int pair_table(bench_model *models, int n_models, const options *o, results *res)
{
    printf("\nTwo one-thread training processes at once (fork), each against one thread alone\n"
           "(alone: median of %d repetitions before and %d after the pair; each process:\n"
           "median of %d repetitions of %d steps; 'kept': both ratios >= %.2f; others: CPUs\n"
           "busy with other processes meanwhile)\n\n",
           o->repeats, o->repeats, o->repeats, o->steps, TARGET_PAIR_KEEP);
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
        res->pair_keep[models[k].spec == SPEC_CI_MOE] = (figure){1, ra < rb ? ra : rb};
        printf("  %-5s %8.0f %5.2f %6.2f | %8.0f %5.2f %5.2f | %8.0f %5.2f %5.2f | %8.0f %6.2f  %s\n",
               models[k].name, r.alone_tps, r.alone_cpu, r.alone_others, r.kid_tps[0],
               r.kid_cpu[0], ra, r.kid_tps[1], r.kid_cpu[1], rb, r.kid_tps[0] + r.kid_tps[1],
               r.pair_others, ra >= TARGET_PAIR_KEEP && rb >= TARGET_PAIR_KEEP ? "kept" : "NOT KEPT");
        if (r.alone_cpu < PREEMPTED || r.kid_cpu[0] < PREEMPTED || r.kid_cpu[1] < PREEMPTED ||
            r.alone_others > BUSY_OTHERS || r.pair_others > BUSY_OTHERS)
            printf("  WARNING: another load shared the machine (cpu/wall < %.2f or others > %.2f),\n"
                   "  so this row is not a clean measurement of the two processes.\n",
                   PREEMPTED, BUSY_OTHERS);
        fflush(stdout);
    }
    return MG_OK;
}
/* --- the targets table ------------------------------------------------------ */

typedef enum { AS_RATIO, AS_PERCENT } shown_as;

static void format_figure(char *dst, size_t n, double v, shown_as as)
{
    if (as == AS_PERCENT)
        snprintf(dst, n, "%.1f%%", 100.0 * v);
    else
        snprintf(dst, n, "%.2fx", v);
}

/* One line: the figure, its target, met or not, and the figure's bound in
 * this run where it has one (`bound`; a lower bound's target has none);
 * `why` says what to do when the run did not measure it. `at_most`: the
 * target is a ceiling. */
static void target_row(const char *what, figure f, double target, int at_most, shown_as as,
                       figure bound, const char *why)
{
    char measured[32], goal[32], want[40], bounded[32] = "-";
    format_figure(measured, sizeof measured, f.v, as);
    format_figure(goal, sizeof goal, target, as);
    snprintf(want, sizeof want, "%s %s", at_most ? "<=" : ">=", goal);
    if (bound.have)
        format_figure(bounded, sizeof bounded, bound.v, as);
    if (!f.have) {
        printf("  %-44s %9s %9s %7s  not measured (%s)\n", what, "-", want, bounded, why);
        return;
    }
    int met = at_most ? f.v <= target : f.v >= target;
    const char *reach = !met && bound.have && bound.v < target ? ", the bound below it" : "";
    printf("  %-44s %9s %9s %7s  %s%s\n", what, measured, want, bounded, met ? "met" : "NOT MET",
           reach);
}

static void print_targets(const results *r, const options *o)
{
    const char *torch = r->torch_why ? r->torch_why : "no one-thread run of this model";
    const char *one = o->pair == 2 ? "--pair runs only the pair test" : "no one-thread run of this model";
    const char *pair = o->pair == 0 ? "--no-pair" : "model not run";
    const char *rss = o->pair == 2 ? "--pair runs only the pair test"
                      : o->rss_steps == 0 ? "--rss-steps 0" : "model not run";
    const figure none = {0, 0.0};
    printf("\nTargets (the speed issue's; one thread, interleaved medians of this run)\n"
           "  bound = the same run's reference for a figure: for a share of the 1024^3\n"
           "          sgemm, the step's own sgemm calls replayed alone (no step around\n"
           "          the library's sgemm gets past it); for a two-thread speed-up, the\n"
           "          1024^3 sgemm's own\n");
    printf("  %-44s %9s %9s %7s\n", "", "measured", "target", "bound");
    target_row("dense tokens/s vs PyTorch", r->vs_torch[0], TARGET_DENSE_VS_TORCH, 0, AS_RATIO, none,
               torch);
    target_row("dense FLOP/s of the 1024^3 sgemm's", r->of_square[0], TARGET_DENSE_OF_SQUARE, 0,
               AS_PERCENT, r->of_square_bound[0], one);
    target_row("moe tokens/s vs PyTorch", r->vs_torch[1], TARGET_MOE_VS_TORCH, 0, AS_RATIO, none, torch);
    target_row("moe FLOP/s of the 1024^3 sgemm's", r->of_square[1], TARGET_MOE_OF_SQUARE, 0,
               AS_PERCENT, r->of_square_bound[1], one);
    target_row("moe tokens/s vs dense (its active match)", r->moe_vs_dense, TARGET_MOE_VS_DENSE, 0,
               AS_RATIO, none, o->pair == 2 ? one : "needs both models at one thread");
    target_row("dense, two processes at once: each vs alone", r->pair_keep[0], TARGET_PAIR_KEEP, 0,
               AS_RATIO, none, pair);
    target_row("moe, two processes at once: each vs alone", r->pair_keep[1], TARGET_PAIR_KEEP, 0,
               AS_RATIO, none, pair);
    for (int s = 0; s < N_SPECS; s++) {
        char what[64];
        snprintf(what, sizeof what, "%s peak RSS / floor", spec_name[s]);
        if (s <= SPEC_CI_MOE || r->rss_ratio[s].have)
            target_row(what, r->rss_ratio[s], TARGET_RSS_OVER_FLOOR, 1, AS_RATIO, none, rss);
    }
    target_row("paper MoE-4, two threads / one", r->paper_speedup[1], TARGET_PAPER_SPEEDUP, 0,
               AS_RATIO, r->paper_speedup_bound, "--paper");
    target_row("paper dense_total, two threads / one", r->paper_speedup[0], TARGET_PAPER_SPEEDUP, 0,
               AS_RATIO, r->paper_speedup_bound, "--paper");
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
                   .want_dense = 1, .want_moe = 1, .pair = 1, .torch = 1,
                   .torch_python = TORCH_PYTHON, .rss_steps = 2, .paper_steps = 1,
                   .paper_repeats = 3, .paper_recipe = PAPER_RECIPE, .seed = 1};
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
        } else if (strcmp(a, "--no-torch") == 0) {
            o->torch = 0;
        } else if (strcmp(a, "--torch-python") == 0 && v) {
            o->torch_python = argv[++i];
        } else if (strcmp(a, "--rss-steps") == 0 && v) {
            if (!parse_int(a, argv[++i], 0, 100000, &o->rss_steps))
                return 0;
        } else if (strcmp(a, "--rss-child") == 0 && v) {
            o->rss_child = argv[++i];
        } else if (strcmp(a, "--paper") == 0) {
            o->paper = 1;
        } else if (strcmp(a, "--paper-recipe") == 0 && v) {
            o->paper_recipe = argv[++i];
        } else if (strcmp(a, "--paper-steps") == 0 && v) {
            if (!parse_int(a, argv[++i], 1, 100000, &o->paper_steps))
                return 0;
        } else if (strcmp(a, "--paper-repeats") == 0 && v) {
            if (!parse_int(a, argv[++i], 1, MAX_REPEATS, &o->paper_repeats))
                return 0;
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

/* The script's words for the ci models, which its ready line must repeat. */
static void ci_shapes(char *buf, size_t n)
{
    snprintf(buf, n, "V=%d C=%d L=%d NH=%d T=%d B=%d H=%d E=%d EH=%d K=%d", CI_V, CI_C, CI_L,
             CI_NH, CI_T, CI_B, CI_DENSE_H, CI_E, CI_EXPERT_H, CI_TOP_K);
}

static void print_header(const bench_model *models, int n_models, const options *o)
{
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
    if (o->train_only)
        return;
    /* this machine's limit: the large-matrix rate, which small shapes cannot reach */
    printf("this machine's limit, cblas_sgemm %dx%dx%d:", SQUARE_N, SQUARE_N, SQUARE_N);
    int counts[MAX_THREAD_COUNTS + 1] = {1};
    int n_counts = 1;
    for (int t = 0; t < o->n_threads; t++)
        if (o->threads[t] != 1)
            counts[n_counts++] = o->threads[t];
    for (int t = 0; t < n_counts; t++) {
        bench_threads(counts[t]);
        printf("  %d thread%s %.1f GFLOP/s", counts[t], counts[t] > 1 ? "s" : "",
               gemm_square_gfs(SQUARE_N, 7));
    }
    printf("\n  (median of 7 calls; the tables below time it again in every repetition)\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(argc, argv, &o))
        return 2;
    if (o.rss_child)
        return rss_child_main(&o);
    /* a PyTorch server that dies mid-run must not take the bench with it */
    signal(SIGPIPE, SIG_IGN);

    bench_model models[2];
    int n_models = 0, rc = MG_OK;
    if (o.want_dense && !(rc = bench_model_create(&models[n_models], SPEC_CI_DENSE, &o)))
        n_models++;
    if (!rc && o.want_moe && !(rc = bench_model_create(&models[n_models], SPEC_CI_MOE, &o)))
        n_models++;
    results res = {0};
    torch_server ts;
    torch_skip(&ts, "--no-torch");

    if (!rc)
        print_header(models, n_models, &o);
    if (!rc && o.train_only) {
        bench_threads(o.threads[0]);
        for (int k = 0; k < n_models && !rc; k++) {
            timing t;
            if (!(rc = run_steps(&models[k], o.warmup)) &&
                !(rc = time_steps(&models[k], o.steps, &t)))
                printf("%-5s %d thread%s, %d steps: %.0f tokens/s (cpu/wall %.2f, others %.2f)\n",
                       models[k].name, o.threads[0], o.threads[0] > 1 ? "s" : "", o.steps, t.tps,
                       t.cpu_ratio, t.others);
        }
    } else if (!rc) {
        if (o.pair != 2) {
            printf("\n");
            print_flop_header();
            for (int k = 0; k < n_models && !rc; k++) {
                flop_count f;
                if (!(rc = count_flops(&models[k], &f)))
                    print_flop_count(&models[k], &f);
            }
        }
        if (!rc && o.pair != 2 && o.torch) {
            char shapes[160];
            ci_shapes(shapes, sizeof shapes);
            torch_start(&ts, o.torch_python, TORCH_SCRIPT, shapes);
            printf("PyTorch: %s\n", ts.status);
            fflush(stdout);
        }
        if (!rc && o.pair != 2)
            rc = thread_table(models, n_models, &o, &ts, &res);
        if (o.pair == 2)
            res.torch_why = "--pair runs only the pair test";
        else if (!ts.up)
            res.torch_why = ts.status;
        torch_stop(&ts);
        if (!rc && o.pair)
            rc = pair_table(models, n_models, &o, &res);
        if (!rc && o.pair != 2 && o.rss_steps > 0) {
            model_spec specs[N_SPECS];
            int n = 0;
            for (int k = 0; k < n_models; k++)
                specs[n++] = models[k].spec;
            if (o.paper) {
                specs[n++] = SPEC_PAPER_MOE;
                specs[n++] = SPEC_PAPER_DENSE;
            }
            rc = rss_table(specs, n, &o, &res);
        }
        if (!rc && o.paper)
            rc = paper_table(&o, &res);
        if (!rc)
            print_targets(&res, &o);
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
