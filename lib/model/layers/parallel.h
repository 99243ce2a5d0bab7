/* The layers' own threads, for the work outside OpenBLAS.
 *
 * A small pool of POSIX threads that sleep between jobs: OpenBLAS's
 * workers and these share the machine's cores in turn, and a worker that
 * spun while waiting would hold the core an sgemm call needs next (OpenMP's
 * runtime spins by default, which halved the two-thread step).
 *
 * Only work whose every output element is computed alone is split: rows,
 * heads, or slices of an element-wise pass. No sum crosses two threads, so
 * a step's bits do not depend on how many threads share it or which takes
 * which part, and a one-thread run makes the calls it always made. */
#ifndef MOEGAP_PARALLEL_H
#define MOEGAP_PARALLEL_H

#include <stddef.h>

enum { PAR_MAX_THREADS = 256 };

/* One task of a job: `thread` in [0, the job's thread count) names the
 * thread that runs it (a per-thread scratch index), `task` the item. */
typedef void (*par_task_fn)(void *ctx, int thread, int task);

/* Threads of every later job, the caller's included (1..PAR_MAX_THREADS;
 * out-of-range counts are clamped). Starts or stops workers; call it from
 * the thread that runs the jobs, never during one. MG_OK, or MG_ENOMEM
 * naming the thread that could not start (the pool is then one thread). */
int par_threads_set(int threads);
int par_threads(void);

/* Runs fn(ctx, thread, task) for every task in [0, n_tasks) on at most
 * max_threads threads (0: all of them), each thread claiming chunks of
 * tasks in turn, so which thread runs a task varies from run to run: a
 * task's outputs must not depend on it (`thread` picks a scratch only).
 * Returns when all are done. From inside a job, it runs the tasks on the
 * calling thread. */
void par_for(int n_tasks, int max_threads, par_task_fn fn, void *ctx);

/* Part `part` of `parts` of n items, [*lo, *hi): contiguous, in order, each
 * boundary a multiple of `align` (a vector's width, so only the last part
 * ends in the scalar tail the whole pass would have). */
static inline void par_slice(size_t n, size_t align, int part, int parts, size_t *lo, size_t *hi)
{
    size_t blocks = (n + align - 1) / align;
    size_t b0 = blocks * (size_t)part / (size_t)parts;
    size_t b1 = blocks * (size_t)(part + 1) / (size_t)parts;
    *lo = b0 * align < n ? b0 * align : n;
    *hi = b1 * align < n ? b1 * align : n;
}

#endif
