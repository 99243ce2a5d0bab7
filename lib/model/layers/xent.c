#include "model/layers/layers.h"
#include "model/layers/parallel.h"
#include "model/layers/vmath.h"

typedef struct {
    float *losses, *rows;
    const uint16_t *targets;
    int V;
    float scale;
} xent_job;

static void forward_row(void *ctx, int thread, int n)
{
    const xent_job *j = ctx;
    float *row = j->rows + (size_t)n * j->V;
    float target_logit = row[j->targets[n]];
    float lse = softmax_inplace(row, j->V);
    /* -log p = lse - logit, without the rounding of log(p) for tiny p */
    j->losses[n] = lse - target_logit;
}

double xent_forward(float *losses, float *logits, const uint16_t *targets, int N, int V)
{
    xent_job j = {.losses = losses, .rows = logits, .targets = targets, .V = V};
    par_for(N, 0, forward_row, &j);
    /* summed in token order on one thread: the same mean at any thread count */
    double sum = 0.0;
    for (int n = 0; n < N; n++)
        sum += losses[n];
    return N > 0 ? sum / N : 0.0;
}

static void backward_row(void *ctx, int thread, int n)
{
    const xent_job *j = ctx;
    float *row = j->rows + (size_t)n * j->V;
    row[j->targets[n]] -= 1.0f;
    vm_scale(row, (size_t)j->V, j->scale);
}

void xent_backward(float *probs, const uint16_t *targets, int N, int V, float dloss)
{
    xent_job j = {.rows = probs, .targets = targets, .V = V, .scale = dloss / N};
    par_for(N, 0, backward_row, &j);
}
