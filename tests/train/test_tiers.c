/* The tiers' recipes (protocols/tiers/<tier>/moe4.ini, moe8.ini): each
 * reads and validates, names its tier, its dense baselines from the solver
 * match within 0.5%, the paper tier's main comparison stays under 25M
 * parameters as in the paper, and every model builds and takes a training
 * step (the data files need not exist for that).
 * usage: test_tiers PROTOCOLS_DIR */
#include "util/error.h"
#include "model/model.h"
#include "train/adamw.h"
#include "model/params.h"
#include "train/recipe.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

/* builds the model at batch 1 and takes one forward and backward pass */
static void check_starts(const char *label, const model_config *cfg)
{
    model m;
    int rc = model_create(&m, cfg, 1);
    EXPECT(rc == MG_OK, "%s: model_create: %s", label, error_message());
    if (rc)
        return;
    model_init(&m, 1);
    int T = cfg->seq_len;
    uint16_t *in = malloc(sizeof(uint16_t) * T), *tg = malloc(sizeof(uint16_t) * T);
    for (int t = 0; t < T; t++) {
        in[t] = (uint16_t)((t * 31 + 7) % cfg->vocab_size);
        tg[t] = (uint16_t)((t * 17 + 3) % cfg->vocab_size);
    }
    rc = model_forward(&m, in, tg, 1, T);
    EXPECT(rc == MG_OK && isfinite(m.losses.total), "%s: forward failed", label);
    /* a fresh model predicts about uniformly: loss near log(vocab) */
    EXPECT(fabs(m.losses.ce - log((double)cfg->vocab_size)) < 0.5, "%s: initial loss %.3f",
           label, m.losses.ce);
    model_zero_grad(&m);
    model_backward(&m, in, tg);
    double gnorm = grad_clip_global(m.grads_block, m.n_params, 1e9);
    EXPECT(isfinite(gnorm) && gnorm > 0, "%s: gradient norm %g", label, gnorm);
    free(in);
    free(tg);
    model_free(&m);
}

static void check_tier(const char *dir, const char *tier)
{
    const char *names[2] = {"moe4", "moe8"};
    for (int i = 0; i < 2; i++) {
        char path[1200], label[64];
        snprintf(path, sizeof path, "%s/tiers/%s/%s.ini", dir, tier, names[i]);
        snprintf(label, sizeof label, "%s/%s", tier, names[i]);
        recipe r;
        int rc = recipe_read(&r, path);
        EXPECT(rc == MG_OK, "%s", error_message());
        if (rc)
            continue;
        EXPECT(strcmp(r.tier, tier) == 0, "%s: [run] tier is '%s'", label, r.tier);
        EXPECT(r.corpus[0] != '\0', "%s: no [run] corpus", label);
        EXPECT(r.model.n_experts == (i == 0 ? 4 : 8) && r.model.top_k == 2,
               "%s: expected %d experts, top-2", label, i == 0 ? 4 : 8);
        check_starts(label, &r.model);
        for (int t = 0; t < 2; t++) {
            params_match_request req = {t ? PARAMS_TARGET_TOTAL : PARAMS_TARGET_ACTIVE,
                                        PARAMS_WIDTH_FFN_HIDDEN, 1, 0};
            params_match_result res;
            rc = params_match(&r.model, &req, &res);
            EXPECT(rc == MG_OK, "%s: %s", label, error_message());
            if (rc)
                continue;
            printf("%-12s %-6s match: ffn_hidden %5d, %9zu vs %9zu parameters (%+.4f%%)\n", label,
                   t ? "total" : "active", res.dense.ffn_hidden, res.dense_count, res.moe_count,
                   100 * res.mismatch);
            EXPECT(fabs(res.mismatch) <= 0.005, "%s: mismatch %.4f%% over 0.5%%", label,
                   100 * res.mismatch);
            /* the paper: every model of the main comparison under 25M */
            if (strcmp(tier, "paper") == 0 && i == 0) {
                EXPECT(res.dense_count < 25000000 && res.moe.n_total < 25000000,
                       "%s: over 25M parameters", label);
            }
            char dl[96];
            snprintf(dl, sizeof dl, "%s dense %s", label, t ? "total" : "active");
            check_starts(dl, &res.dense);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_tiers PROTOCOLS_DIR\n");
        return 2;
    }
    check_tier(argv[1], "smoke");
    check_tier(argv[1], "ci");
    check_tier(argv[1], "paper");
    return test_summary("test_tiers");
}
