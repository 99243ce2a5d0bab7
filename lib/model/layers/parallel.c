#include "model/layers/parallel.h"
#include "util/error.h"

#include <pthread.h>
#include <string.h>

/* One job at a time, published under the lock with a new generation
 * number; each worker runs its block and counts itself done. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    pthread_t worker[PAR_MAX_THREADS];
    long start_gen[PAR_MAX_THREADS]; /* the generation a worker was started at */
    int threads;   /* the caller's included */
    int stop;
    long gen;
    int pending;   /* workers still in the current job */
    par_task_fn fn;
    void *ctx;
    int n_tasks, job_threads;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          .threads = 1};

static _Thread_local int in_job;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* Thread t's block of the job's tasks. */
static void run_block(par_task_fn fn, void *ctx, int n_tasks, int job_threads, int t)
{
    if (t >= job_threads)
        return;
    int lo = (int)((long)n_tasks * t / job_threads);
    int hi = (int)((long)n_tasks * (t + 1) / job_threads);
    for (int i = lo; i < hi; i++)
        fn(ctx, t, i);
}

static void *worker_main(void *arg)
{
    int t = (int)(size_t)arg;
    in_job = 1;
    pthread_mutex_lock(&pool.mu);
    long seen = pool.start_gen[t];
    for (;;) {
        while (!pool.stop && pool.gen == seen)
            pthread_cond_wait(&pool.go, &pool.mu);
        if (pool.stop)
            break;
        seen = pool.gen;
        par_task_fn fn = pool.fn;
        void *ctx = pool.ctx;
        int n_tasks = pool.n_tasks, job_threads = pool.job_threads;
        pthread_mutex_unlock(&pool.mu);
        run_block(fn, ctx, n_tasks, job_threads, t);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

/* A forked child has the calling thread only: its pool starts as one. */
static void after_fork_child(void)
{
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.go, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.threads = 1;
    pool.stop = 0;
    pool.pending = 0;
}

static void register_fork_handler(void)
{
    pthread_atfork(NULL, NULL, after_fork_child);
}

static void stop_workers(void)
{
    pthread_mutex_lock(&pool.mu);
    pool.stop = 1;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    for (int t = 1; t < pool.threads; t++)
        pthread_join(pool.worker[t], NULL);
    pool.stop = 0;
    pool.threads = 1;
}

int par_threads_set(int threads)
{
    pthread_once(&fork_once, register_fork_handler);
    threads = threads < 1 ? 1 : threads > PAR_MAX_THREADS ? PAR_MAX_THREADS : threads;
    if (threads == pool.threads)
        return MG_OK;
    stop_workers();
    for (int t = 1; t < threads; t++) {
        pool.start_gen[t] = pool.gen;
        int err = pthread_create(&pool.worker[t], NULL, worker_main, (void *)(size_t)t);
        if (err) {
            stop_workers();
            return error_set(MG_ENOMEM, "cannot start thread %d of %d: %s", t + 1, threads,
                             strerror(err));
        }
        pool.threads = t + 1;
    }
    return MG_OK;
}

int par_threads(void)
{
    return pool.threads;
}

void par_for(int n_tasks, int max_threads, par_task_fn fn, void *ctx)
{
    int nt = max_threads > 0 && max_threads < pool.threads ? max_threads : pool.threads;
    nt = nt < n_tasks ? nt : n_tasks;
    if (nt <= 1 || in_job) {
        for (int i = 0; i < n_tasks; i++)
            fn(ctx, 0, i);
        return;
    }
    pthread_mutex_lock(&pool.mu);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n_tasks = n_tasks;
    pool.job_threads = nt;
    pool.pending = pool.threads - 1;
    pool.gen++;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    in_job = 1;
    run_block(fn, ctx, n_tasks, nt, 0);
    in_job = 0;
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}
