/* Finite-difference check of the whole model's gradient: dense, and MoE
 * with both auxiliary losses on, every parameter tensor probed.
 *
 * The loss is the training objective, mean cross-entropy + load balance +
 * z-loss, on a tiny model. Weights are drawn ten times wider than the
 * recipe's initialisation (std 0.2) so every path carries a gradient well
 * above the probes' rounding noise; the auxiliary coefficients are raised
 * for the same reason. Tolerances: see gradcheck.h. */
#include "gradcheck.h"
#include "util/error.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 2, T = 8 };

typedef struct {
    model m;
    uint16_t inputs[B * T], targets[B * T];
    int *base_choice; /* routing of every layer at the unperturbed point */
    size_t n_choice;
} model_ctx;

static int model_loss(void *c, double *loss)
{
    model_ctx *k = c;
    model_forward(&k->m, k->inputs, k->targets, B, T);
    *loss = k->m.losses.total;
    if (k->base_choice)
        return memcmp(k->base_choice, k->m.acts.choice, sizeof(int) * k->n_choice) == 0;
    return 1;
}

static int check_model(const char *label, const model_config *cfg)
{
    model_ctx k;
    memset(&k, 0, sizeof k);
    if (model_create(&k.m, cfg, B) != 0) {
        printf("FAIL %s: model_create: %s\n", label, error_message());
        return 1;
    }
    model_init(&k.m, 42);
    for (int i = 0; i < k.m.n_tensors; i++)
        if (k.m.tensors[i].decay) {
            float *p = k.m.params_block + k.m.tensors[i].offset;
            for (size_t j = 0; j < k.m.tensors[i].size; j++)
                p[j] *= 10.0f;
        }
    for (int n = 0; n < B * T; n++) {
        k.inputs[n] = (uint16_t)((n * 7 + 3) % cfg->vocab_size);
        k.targets[n] = (uint16_t)((n * 5 + 1) % cfg->vocab_size);
    }
    double loss;
    model_loss(&k, &loss);
    model_zero_grad(&k.m);
    model_backward(&k.m, k.inputs, k.targets);
    printf("%s: loss %.5f (ce %.5f, lb %.5f, z %.5f)\n", label, loss, k.m.losses.ce,
           k.m.losses.lb, k.m.losses.z);
    if (model_config_is_moe(cfg)) {
        k.n_choice = (size_t)cfg->n_layers * B * T * cfg->top_k;
        k.base_choice = malloc(sizeof(int) * k.n_choice);
        memcpy(k.base_choice, k.m.acts.choice, sizeof(int) * k.n_choice);
    }

    /* the probes overwrite the gradients' neighbours in memory, never the
     * gradients, but keep a copy so each check reads the point's gradient */
    float *grads = malloc(sizeof(float) * k.m.n_params);
    memcpy(grads, k.m.grads_block, sizeof(float) * k.m.n_params);
    gc_options o;
    gc_default_options(&o);
    int fails = 0, skipped = 0;
    for (int i = 0; i < k.m.n_tensors; i++) {
        const param_tensor *t = &k.m.tensors[i];
        fails += gc_check(t->name, k.m.params_block + t->offset, grads + t->offset, t->size,
                          model_loss, &k, &o, &skipped);
    }
    if (model_config_is_moe(cfg)) {
        printf("  %d probes skipped for a routing flip\n", skipped);
        if (skipped > 10) {
            printf("  FAIL too many probes flipped routing to trust the check\n");
            fails++;
        }
    }
    free(grads);
    free(k.base_choice);
    model_free(&k.m);
    return fails;
}

int main(void)
{
    model_config dense;
    model_config_defaults(&dense);
    dense.vocab_size = 32;
    dense.d_model = 16;
    dense.n_layers = 2;
    dense.n_heads = 2;
    dense.seq_len = T;
    dense.ffn_hidden = 24;

    model_config moe = dense;
    moe.ffn_hidden = 0;
    moe.n_experts = 4;
    moe.top_k = 2;
    moe.expert_hidden = 12;
    moe.lb_coef = 0.5f;
    moe.z_coef = 0.2f;

    int fails = check_model("dense", &dense) + check_model("moe", &moe);
    printf("%s: %d failed probes\n", fails ? "FAIL" : "PASS", fails);
    return fails ? 1 : 0;
}
