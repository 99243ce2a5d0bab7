#include "gradcheck.h"
#include "util/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void gc_default_options(gc_options *o)
{
    o->h = 1e-3f;
    o->rtol = 1e-2;
    o->atol = 1e-3;
    o->n_top = 6;
    o->n_random = 6;
    o->seed = 1234;
}

void gc_fill_normal(float *x, size_t n, double std, uint64_t seed)
{
    rng_state r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(std * rng_normal(&r));
}

/* Central difference of the loss along direction v (v NULL: unit vector at
 * index i). Returns 0 if either probe was invalid. */
static int central_diff(float *p, size_t n, size_t i, const float *v, float h, gc_loss_fn f,
                        void *ctx, double *out)
{
    double lp, lm;
    int ok = 1;
    if (v) {
        float *saved = malloc(sizeof(float) * n);
        for (size_t j = 0; j < n; j++) {
            saved[j] = p[j];
            p[j] = saved[j] + h * v[j];
        }
        ok &= f(ctx, &lp);
        for (size_t j = 0; j < n; j++)
            p[j] = saved[j] - h * v[j];
        ok &= f(ctx, &lm);
        for (size_t j = 0; j < n; j++)
            p[j] = saved[j];
        free(saved);
    } else {
        float saved = p[i];
        p[i] = saved + h;
        float up = p[i];
        ok &= f(ctx, &lp);
        p[i] = saved - h;
        float down = p[i];
        ok &= f(ctx, &lm);
        p[i] = saved;
        /* divide by the step float arithmetic really took */
        *out = (lp - lm) / ((double)up - (double)down);
        return ok;
    }
    *out = (lp - lm) / (2.0 * h);
    return ok;
}

static int probe_ok(double fd, double an, const gc_options *o)
{
    double tol = o->rtol * fmax(fabs(fd), fabs(an)) + o->atol;
    return fabs(fd - an) <= tol;
}

int gc_check(const char *name, float *p, const float *grad, size_t n, gc_loss_fn f, void *ctx,
             const gc_options *o, int *skipped)
{
    int failed = 0, probes = 0;
    double worst = 0.0;
    size_t n_idx = (size_t)(o->n_top + o->n_random);
    size_t *idx = malloc(sizeof(size_t) * (n_idx ? n_idx : 1));
    int *used = calloc(n, sizeof(int));
    size_t k = 0;
    for (int t = 0; t < o->n_top && k < n; t++) {
        size_t best = n;
        for (size_t j = 0; j < n; j++)
            if (!used[j] && (best == n || fabsf(grad[j]) > fabsf(grad[best])))
                best = j;
        used[best] = 1;
        idx[k++] = best;
    }
    rng_state r;
    rng_seed(&r, o->seed + n);
    for (int t = 0; t < o->n_random && k < n_idx; t++)
        idx[k++] = (size_t)rng_below(&r, n);

    for (size_t t = 0; t < k; t++) {
        double fd;
        if (!central_diff(p, n, idx[t], NULL, o->h, f, ctx, &fd)) {
            (*skipped)++;
            continue;
        }
        probes++;
        double an = grad[idx[t]];
        double err = fabs(fd - an);
        if (err > worst)
            worst = err;
        if (!probe_ok(fd, an, o)) {
            failed++;
            printf("  FAIL %s[%zu]: analytic %.6e, finite difference %.6e\n", name, idx[t], an, fd);
        }
    }

    /* one random direction through every entry */
    float *v = malloc(sizeof(float) * n);
    gc_fill_normal(v, n, 1.0, o->seed + 7 * n);
    /* unit length, so the step is h whatever the tensor's size */
    double norm = 0.0;
    for (size_t j = 0; j < n; j++)
        norm += (double)v[j] * v[j];
    for (size_t j = 0; j < n; j++)
        v[j] = (float)(v[j] / sqrt(norm));
    double dir_an = 0.0, dir_fd;
    for (size_t j = 0; j < n; j++)
        dir_an += (double)grad[j] * v[j];
    int dir_ok = central_diff(p, n, 0, v, o->h, f, ctx, &dir_fd);
    if (!dir_ok) {
        (*skipped)++;
    } else if (!probe_ok(dir_fd, dir_an, o)) {
        failed++;
        printf("  FAIL %s along a random direction: analytic %.6e, finite difference %.6e\n", name,
               dir_an, dir_fd);
    }
    printf("  %-10s %7zu values  %2d probes  worst |diff| %.2e  direction %.5e vs %.5e  %s\n", name,
           n, probes, worst, dir_an, dir_ok ? dir_fd : NAN, failed ? "FAIL" : "ok");
    free(v);
    free(used);
    free(idx);
    return failed;
}
