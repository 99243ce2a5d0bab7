/* sgemm call lists: recorded from the library, and replayed.
 *
 * moegap_bench is linked with -Wl,--wrap=cblas_sgemm, so every cblas_sgemm
 * call the library makes goes through a recorder first. Recording one step
 * gives the calls the library really makes today and the time spent in
 * them. Replaying a list (model_gemms.h builds the model's own) on scratch
 * buffers, with the same shapes, transposes and leading dimensions,
 * measures what this machine's cblas_sgemm achieves on those shapes: the
 * bench's "peak". The scratch operands are reused call after call, so the
 * replay sees caches at least as warm as the step does: an upper bound. */
#ifndef MOEGAP_BENCH_GEMM_PEAK_H
#define MOEGAP_BENCH_GEMM_PEAK_H

#include <stddef.h>

typedef struct {
    int order, trans_a, trans_b; /* the CBLAS enum values as passed */
    int M, N, K;
    int lda, ldb, ldc;
    float alpha, beta;
} gemm_call;

typedef struct {
    gemm_call *calls;
    size_t n, cap;
    double flops;   /* 2 M N K summed over the calls */
    int oom;        /* a call could not be recorded (out of memory) */
} gemm_list;

/* 2 M N K: the multiply-adds of the product, as every GFLOP/s figure of
 * the bench counts them (the alpha and beta scaling is not counted). */
double gemm_call_flops(const gemm_call *c);

/* Appends a call; returns 0, or -1 out of memory (and sets l->oom). */
int gemm_list_push(gemm_list *l, const gemm_call *c);

/* Records every cblas_sgemm call into `l` (emptied first) until
 * gemm_record_stop, and sums the wall time spent inside those calls. */
void gemm_record_start(gemm_list *l);
/* Stops recording; returns the seconds spent inside cblas_sgemm. */
double gemm_record_stop(void);
void gemm_list_free(gemm_list *l);

/* Scratch operands large enough for every call of a list. The contents are
 * small finite values, so repeated beta = 1 accumulation never reaches
 * infinities or denormals that would change the speed. */
typedef struct {
    float *a, *b, *c;
    size_t na, nb, nc; /* floats in each */
} gemm_arena;

/* Grows the arena to fit every call of `l`; returns 0, or -1 out of memory. */
int gemm_arena_fit(gemm_arena *ar, const gemm_list *l);
void gemm_arena_free(gemm_arena *ar);

/* Runs the list `passes` times in recorded order on the arena; returns the
 * wall seconds. */
double gemm_replay(const gemm_list *l, const gemm_arena *ar, int passes);
/* Runs one call `times` times in a row; returns the wall seconds. */
double gemm_replay_one(const gemm_call *c, const gemm_arena *ar, long times);

/* GFLOP/s of a square n x n x n sgemm at the current OpenBLAS thread
 * count, median of `reps` calls after one untimed call: the machine's
 * large-matrix rate, for scale. Returns -1 out of memory. */
double gemm_square_gfs(int n, int reps);

double bench_now_s(void);

#endif
