#include "model/layers/layers.h"
#include "model/layers/vmath.h"

double xent_forward(float *losses, float *logits, const uint16_t *targets, int N, int V)
{
    double sum = 0.0;
    for (int n = 0; n < N; n++) {
        float *row = logits + (size_t)n * V;
        float target_logit = row[targets[n]];
        float lse = softmax_inplace(row, V);
        /* -log p = lse - logit, without the rounding of log(p) for tiny p */
        losses[n] = lse - target_logit;
        sum += losses[n];
    }
    return N > 0 ? sum / N : 0.0;
}

void xent_backward(float *probs, const uint16_t *targets, int N, int V, float dloss)
{
    float scale = dloss / N;
    for (int n = 0; n < N; n++) {
        float *row = probs + (size_t)n * V;
        row[targets[n]] -= 1.0f;
        vm_scale(row, (size_t)V, scale);
    }
}
