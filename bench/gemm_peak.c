#include "gemm_peak.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double gemm_call_flops(const gemm_call *c)
{
    return 2.0 * c->M * c->N * (double)c->K;
}

/* --- the recorder --------------------------------------------------------
 * The linker sends every cblas_sgemm reference to __wrap_cblas_sgemm and
 * makes __real_cblas_sgemm name OpenBLAS's own function. These names are
 * fixed by ld's --wrap, hence the reserved-looking identifiers. */
void __real_cblas_sgemm(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                        OPENBLAS_CONST enum CBLAS_TRANSPOSE tb, OPENBLAS_CONST blasint M,
                        OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, OPENBLAS_CONST float alpha,
                        OPENBLAS_CONST float *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *B,
                        OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *C,
                        OPENBLAS_CONST blasint ldc);
void __wrap_cblas_sgemm(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                        OPENBLAS_CONST enum CBLAS_TRANSPOSE tb, OPENBLAS_CONST blasint M,
                        OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, OPENBLAS_CONST float alpha,
                        OPENBLAS_CONST float *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *B,
                        OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *C,
                        OPENBLAS_CONST blasint ldc);

/* The library is single-threaded outside OpenBLAS, and OpenBLAS's worker
 * threads never call back into cblas_sgemm, so plain globals suffice. */
static gemm_list *g_rec;
static double g_rec_seconds;

int gemm_list_push(gemm_list *l, const gemm_call *c)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4096;
        gemm_call *grown = realloc(l->calls, cap * sizeof *grown);
        if (!grown) {
            l->oom = 1;
            return -1;
        }
        l->calls = grown;
        l->cap = cap;
    }
    l->calls[l->n++] = *c;
    l->flops += gemm_call_flops(c);
    return 0;
}

void __wrap_cblas_sgemm(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                        OPENBLAS_CONST enum CBLAS_TRANSPOSE tb, OPENBLAS_CONST blasint M,
                        OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, OPENBLAS_CONST float alpha,
                        OPENBLAS_CONST float *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *B,
                        OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *C,
                        OPENBLAS_CONST blasint ldc)
{
    /* Not recording: one predictable branch, so timed steps run at full
     * speed through the wrapper. */
    if (!g_rec) {
        __real_cblas_sgemm(order, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    double t0 = bench_now_s();
    __real_cblas_sgemm(order, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    g_rec_seconds += bench_now_s() - t0;
    gemm_call c = {(int)order, (int)ta, (int)tb, (int)M, (int)N, (int)K, (int)lda, (int)ldb,
                   (int)ldc, alpha, beta};
    gemm_list_push(g_rec, &c);
}

void gemm_record_start(gemm_list *l)
{
    l->n = 0;
    l->flops = 0.0;
    l->oom = 0;
    g_rec_seconds = 0.0;
    g_rec = l;
}

double gemm_record_stop(void)
{
    g_rec = NULL;
    return g_rec_seconds;
}

void gemm_list_free(gemm_list *l)
{
    free(l->calls);
    memset(l, 0, sizeof *l);
}

/* --- replay ---------------------------------------------------------------- */

/* Floats an operand of `rows` x `cols` (as stored, before any transpose)
 * spans with leading dimension ld, in the given storage order. */
static size_t operand_floats(int order, int rows, int cols, int ld)
{
    if (rows == 0 || cols == 0)
        return 0;
    if (order == CblasRowMajor)
        return (size_t)(rows - 1) * ld + cols;
    return (size_t)(cols - 1) * ld + rows;
}

static void call_sizes(const gemm_call *c, size_t *na, size_t *nb, size_t *nc)
{
    int a_rows = c->trans_a == CblasNoTrans ? c->M : c->K;
    int a_cols = c->trans_a == CblasNoTrans ? c->K : c->M;
    int b_rows = c->trans_b == CblasNoTrans ? c->K : c->N;
    int b_cols = c->trans_b == CblasNoTrans ? c->N : c->K;
    *na = operand_floats(c->order, a_rows, a_cols, c->lda);
    *nb = operand_floats(c->order, b_rows, b_cols, c->ldb);
    *nc = operand_floats(c->order, c->M, c->N, c->ldc);
}

static int grow(float **p, size_t *have, size_t need, float value)
{
    if (need <= *have)
        return 0;
    float *q = realloc(*p, need * sizeof *q);
    if (!q)
        return -1;
    for (size_t i = *have; i < need; i++)
        q[i] = value * (float)(1 + (int)(i % 7)); /* not all equal, all small */
    *p = q;
    *have = need;
    return 0;
}

int gemm_arena_fit(gemm_arena *ar, const gemm_list *l)
{
    size_t na = 0, nb = 0, nc = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t a, b, c;
        call_sizes(&l->calls[i], &a, &b, &c);
        na = a > na ? a : na;
        nb = b > nb ? b : nb;
        nc = c > nc ? c : nc;
    }
    if (grow(&ar->a, &ar->na, na, 1e-2f) || grow(&ar->b, &ar->nb, nb, 1e-2f) ||
        grow(&ar->c, &ar->nc, nc, 1e-3f))
        return -1;
    return 0;
}

void gemm_arena_free(gemm_arena *ar)
{
    free(ar->a);
    free(ar->b);
    free(ar->c);
    memset(ar, 0, sizeof *ar);
}

static void run_call(const gemm_call *c, const gemm_arena *ar)
{
    __real_cblas_sgemm((enum CBLAS_ORDER)c->order, (enum CBLAS_TRANSPOSE)c->trans_a,
                       (enum CBLAS_TRANSPOSE)c->trans_b, c->M, c->N, c->K, c->alpha, ar->a,
                       c->lda, ar->b, c->ldb, c->beta, ar->c, c->ldc);
}

double gemm_replay(const gemm_list *l, const gemm_arena *ar, int passes)
{
    double t0 = bench_now_s();
    for (int p = 0; p < passes; p++)
        for (size_t i = 0; i < l->n; i++)
            run_call(&l->calls[i], ar);
    return bench_now_s() - t0;
}

double gemm_replay_one(const gemm_call *c, const gemm_arena *ar, long times)
{
    double t0 = bench_now_s();
    for (long i = 0; i < times; i++)
        run_call(c, ar);
    return bench_now_s() - t0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double gemm_square_gfs(int n, int reps)
{
    gemm_arena ar = {0};
    gemm_call c = {CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, n, n, n, 1.0f, 0.0f};
    gemm_list l = {&c, 1, 1, gemm_call_flops(&c), 0};
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t || gemm_arena_fit(&ar, &l)) {
        free(t);
        gemm_arena_free(&ar);
        return -1.0;
    }
    run_call(&c, &ar);
    for (int i = 0; i < reps; i++)
        t[i] = gemm_replay_one(&c, &ar, 1);
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    double gfs = l.flops / t[reps / 2] * 1e-9;
    free(t);
    gemm_arena_free(&ar);
    return gfs;
}
