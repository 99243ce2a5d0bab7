#include "model/layers/parallel.h"
#include "util/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* One job at a time, published under the lock with a new generation
 * number. Its threads claim chunks of tasks from one counter, so a worker
 * that wakes late leaves its share to the threads already running instead
 * of holding them at the end of the job. A worker joins a job only while it
 * is open, and the caller closes it and waits for the joined ones before it
 * returns, so no worker touches a finished job's context. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    pthread_t worker[PAR_MAX_THREADS];
    long start_gen[PAR_MAX_THREADS]; /* the generation a worker was started at */
    int threads;   /* the caller's included */
    int stop;
    long gen;
    int open;      /* the current job still takes workers */
    int active;    /* workers inside the current job */
    par_task_fn fn;
    void *ctx;
    int n_tasks, job_threads, chunk;
    atomic_int next; /* the current job's first unclaimed task */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
          .threads = 1};

static _Thread_local int in_job;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* Claims chunks of the current job's tasks until none is left. */
static void run_claims(par_task_fn fn, void *ctx, int n_tasks, int chunk, int t)
{
    for (;;) {
        int lo = atomic_fetch_add_explicit(&pool.next, chunk, memory_order_relaxed);
        if (lo >= n_tasks)
            return;
        int hi = n_tasks - lo < chunk ? n_tasks : lo + chunk;
        for (int i = lo; i < hi; i++)
            fn(ctx, t, i);
    }
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
        if (!pool.open || t >= pool.job_threads)
            continue;
        pool.active++;
        par_task_fn fn = pool.fn;
        void *ctx = pool.ctx;
        int n_tasks = pool.n_tasks, chunk = pool.chunk;
        pthread_mutex_unlock(&pool.mu);
        run_claims(fn, ctx, n_tasks, chunk, t);
        pthread_mutex_lock(&pool.mu);
        if (--pool.active == 0 && !pool.open)
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
    pool.open = 0;
    pool.active = 0;
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
    /* a few chunks per thread: balance without a claim per small task */
    int chunk = n_tasks / (nt * 8);
    pool.chunk = chunk > 0 ? chunk : 1;
    atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
    pool.open = 1;
    pool.active = 0;
    pool.gen++;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    in_job = 1;
    run_claims(fn, ctx, n_tasks, pool.chunk, 0);
    in_job = 0;
    pthread_mutex_lock(&pool.mu);
    pool.open = 0;
    while (pool.active > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}
