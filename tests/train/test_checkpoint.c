/* Checkpoints (lib/train/checkpoint.c):
 *  - save then load restores every parameter, both AdamW moments, the
 *    optimizer step, the whole train_state (loader place included), the
 *    seeds and the thread count bit for bit, into a model that held other
 *    values; checkpoint_peek reads the same seeds and state;
 *  - a truncated file, a flipped byte anywhere, bytes appended, a bad
 *    magic or version, another recipe, seed, thread count or model size are
 *    refused with a message naming the file and the field, and leave the
 *    model and optimizer untouched;
 *  - a version-2 file (no init/data seeds, made here from a version-3 one
 *    with its hash recomputed) is read with both seeds drawn from the
 *    run's seed, as version 2 did. */
#include "util/error.h"
#include "train/checkpoint.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

static const char *RECIPE = "[model]\nd_model = 16\n# a recipe's text, compared verbatim\n";
static const run_seeds SEEDS = {11, 22, 33};
static const uint32_t THREADS = 3;

typedef struct {
    model m;
    adamw_state opt;
} net;

static void net_create(net *n, int d_model)
{
    model_config cfg;
    model_config_defaults(&cfg);
    cfg.vocab_size = 64;
    cfg.d_model = d_model;
    cfg.n_layers = 2;
    cfg.n_heads = 2;
    cfg.seq_len = 8;
    cfg.n_experts = 4;
    cfg.top_k = 2;
    cfg.expert_hidden = 16;
    adamw_config a = {0.9f, 0.95f, 1e-8f, 0.1f};
    EXPECT(model_create(&n->m, &cfg, 2) == MG_OK, "%s", error_message());
    EXPECT(adamw_create(&n->opt, &a, n->m.n_params) == MG_OK, "%s", error_message());
}

static void net_free(net *n)
{
    adamw_free(&n->opt);
    model_free(&n->m);
}

/* Distinct values everywhere, so a shifted or swapped array shows. */
static void net_fill(net *n, uint64_t seed)
{
    model_init(&n->m, seed);
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < n->m.n_params; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        n->opt.m[i] = (float)((int64_t)(x >> 11) - (1LL << 52)) * 0x1p-60f;
        n->opt.v[i] = (float)(x >> 40) * 0x1p-30f;
    }
    n->opt.step = (long)seed;
}

static int same_net(const net *a, const net *b)
{
    size_t n = a->m.n_params * sizeof(float);
    return a->m.n_params == b->m.n_params && memcmp(a->m.params_block, b->m.params_block, n) == 0 &&
           memcmp(a->opt.m, b->opt.m, n) == 0 && memcmp(a->opt.v, b->opt.v, n) == 0 &&
           a->opt.step == b->opt.step;
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n + 16);
    if (fread(b, 1, *n, f) != *n)
        *n = 0;
    fclose(f);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static const train_state STATE = {.step = 1234, .tokens = 5678901, .best_val = 2.718281828,
                                  .best_step = 1000, .final_val = 3.14159, .loader_epoch = 2,
                                  .loader_pos = 77, .wall_s = 12.5,
                                  .tokenizer_hash = 0xfedcba9876543210ULL};

/* checkpoint_load of `path` into `into` (holding other values) must fail
 * with `code`, name the file and `field`, and change nothing. */
static void expect_refused(const char *path, net *into, const net *before, int code,
                           const char *field, const char *recipe_text, const run_seeds *seeds,
                           const uint32_t *threads)
{
    train_state st = {.step = -7};
    run_seeds got = {0, 0, 0};
    int rc = checkpoint_load(path, &into->m, &into->opt, &st, recipe_text, seeds, threads, &got);
    const char *msg = error_message();
    char want[1200];
    snprintf(want, sizeof want, "%s: %s", path, field);
    EXPECT(rc == code, "%s: rc %d, expected %d (%s)", field, rc, code, msg);
    EXPECT(strncmp(msg, want, strlen(want)) == 0, "message '%s', expected '%s...'", msg, want);
    EXPECT(same_net(into, before) && st.step == -7, "%s: a refused file changed the model", field);
}

static void test_round_trip(const char *path)
{
    net a, b;
    net_create(&a, 16);
    net_create(&b, 16);
    net_fill(&a, 5);
    a.opt.step = (long)STATE.step;
    net_fill(&b, 6);
    EXPECT(!same_net(&a, &b), "two fills are equal");
    EXPECT(checkpoint_save(path, &a.m, &a.opt, &STATE, RECIPE, &SEEDS, THREADS) == MG_OK, "%s",
           error_message());
    train_state st;
    memset(&st, 0xab, sizeof st);
    run_seeds got = {0, 0, 0};
    EXPECT(checkpoint_load(path, &b.m, &b.opt, &st, RECIPE, &SEEDS, &THREADS, &got) == MG_OK,
           "load: %s", error_message());
    EXPECT(same_net(&a, &b), "parameters, moments or step differ after the round trip");
    EXPECT(memcmp(&st, &STATE, sizeof st) == 0 && st.loader_pos == 77 && st.loader_epoch == 2 &&
               st.best_val == 2.718281828 && st.tokenizer_hash == STATE.tokenizer_hash,
           "train_state differs: step %lld pos %llu", (long long)st.step,
           (unsigned long long)st.loader_pos);
    EXPECT(got.run == 11 && got.init == 22 && got.data == 33, "seeds %llu %llu %llu",
           (unsigned long long)got.run, (unsigned long long)got.init,
           (unsigned long long)got.data);
    /* no expectations given: nothing but the recipe is compared */
    net_fill(&b, 6);
    EXPECT(checkpoint_load(path, &b.m, &b.opt, &st, RECIPE, NULL, NULL, NULL) == MG_OK &&
               same_net(&a, &b), "load without expectations: %s", error_message());

    run_seeds ps = {0, 0, 0};
    train_state pst;
    memset(&pst, 0, sizeof pst);
    EXPECT(checkpoint_peek(path, &ps, &pst) == MG_OK, "peek: %s", error_message());
    EXPECT(ps.run == 11 && ps.init == 22 && ps.data == 33 && memcmp(&pst, &STATE, sizeof pst) == 0,
           "peek read other seeds or state");
    net_free(&a);
    net_free(&b);
}

static void test_refusals(const char *dir, const char *good)
{
    net into, before;
    net_create(&into, 16);
    net_create(&before, 16);
    net_fill(&into, 9);
    net_fill(&before, 9);
    size_t n = 0;
    unsigned char *b = read_all(good, &n);
    unsigned char *bad = malloc(n + 16);
    char path[1200];
    snprintf(path, sizeof path, "%s/bad.ckpt", dir);
    size_t recipe_at = 48, state_at = recipe_at + strlen(RECIPE) + 8;
    size_t params_at = state_at + sizeof(train_state), n_params = into.m.n_params;
    EXPECT(n == params_at + 12 * n_params + 16, "file size %zu", n);

    /* truncated anywhere: header, recipe, n_params, state, parameters,
     * trailer. A cut inside the version or n_params leaves part of the
     * field unread, so the message must say truncated rather than print
     * a half-read number. */
    size_t cuts[] = {0, 5, 8, 10, 30, recipe_at + 3, state_at - 8, state_at - 4, state_at + 3,
                     params_at + 100, n - 16, n - 9, n - 1};
    const char *cut_field[] = {"magic", "magic", "version: truncated", "version: truncated",
                               "header", "recipe", "n_params: truncated", "n_params: truncated",
                               "train_state", "parameters", "trailer", "trailer", "trailer"};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_all(path, b, cuts[i]);
        expect_refused(path, &into, &before, MG_EFORMAT, cut_field[i], RECIPE, NULL, NULL);
    }
    /* one flipped byte in the state, a parameter, a moment or the hash */
    size_t flips[] = {state_at + 9, params_at + 4 * 17, params_at + 4 * n_params + 2,
                      params_at + 8 * n_params + 4 * n_params - 1, n - 1};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        memcpy(bad, b, n);
        bad[flips[i]] ^= 0x10;
        write_all(path, bad, n);
        expect_refused(path, &into, &before, MG_EFORMAT, "checksum", RECIPE, NULL, NULL);
    }
    memcpy(bad, b, n);
    bad[n - 12] ^= 1; /* inside "MGCKEND" */
    write_all(path, bad, n);
    expect_refused(path, &into, &before, MG_EFORMAT, "trailer", RECIPE, NULL, NULL);
    memcpy(bad, b, n);
    bad[0] = 'X';
    write_all(path, bad, n);
    expect_refused(path, &into, &before, MG_EFORMAT, "magic", RECIPE, NULL, NULL);
    memcpy(bad, b, n);
    bad[8] = 4; /* version 4 */
    write_all(path, bad, n);
    expect_refused(path, &into, &before, MG_EFORMAT, "version: 4", RECIPE, NULL, NULL);
    memcpy(bad, b, n);
    bad[8] = 1; /* version 1 is no longer read */
    write_all(path, bad, n);
    expect_refused(path, &into, &before, MG_EFORMAT, "version: 1", RECIPE, NULL, NULL);
    memcpy(bad, b, n);
    memcpy(bad + n, "x", 1);
    write_all(path, bad, n + 1);
    expect_refused(path, &into, &before, MG_EFORMAT, "size", RECIPE, NULL, NULL);
    EXPECT(strstr(error_message(), "appended"), "%s", error_message());

    /* another recipe, seed, thread count or model size */
    expect_refused(good, &into, &before, MG_EINVAL, "recipe", "[model]\nd_model = 32\n", NULL,
                   NULL);
    run_seeds s = SEEDS;
    s.run = 12;
    expect_refused(good, &into, &before, MG_EINVAL, "seed", RECIPE, &s, NULL);
    s = SEEDS, s.init = 23;
    expect_refused(good, &into, &before, MG_EINVAL, "init_seed", RECIPE, &s, NULL);
    s = SEEDS, s.data = 34;
    expect_refused(good, &into, &before, MG_EINVAL, "data_seed", RECIPE, &s, NULL);
    uint32_t t = 1;
    expect_refused(good, &into, &before, MG_EINVAL, "threads", RECIPE, &SEEDS, &t);
    net wide, wide_before;
    net_create(&wide, 32);
    net_create(&wide_before, 32);
    expect_refused(good, &wide, &wide_before, MG_EFORMAT, "n_params", RECIPE, NULL, NULL);
    net_free(&wide);
    net_free(&wide_before);

    char missing[1200];
    snprintf(missing, sizeof missing, "%s/none.ckpt", dir);
    expect_refused(missing, &into, &before, MG_EIO, "cannot open", RECIPE, NULL, NULL);
    free(b);
    free(bad);
    net_free(&into);
    net_free(&before);
}

/* A version-2 file: the version-3 bytes without init_seed and data_seed
 * (bytes 24..40), version 2, the FNV-1a hash of everything before the
 * trailer recomputed. */
static void test_version2(const char *dir, const char *good)
{
    size_t n = 0;
    unsigned char *b = read_all(good, &n);
    unsigned char *v2 = malloc(n);
    memcpy(v2, b, 24);
    memcpy(v2 + 24, b + 40, n - 40);
    size_t m = n - 16;
    uint32_t version = 2;
    memcpy(v2 + 8, &version, 4);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < m - 16; i++) { /* not the trailer: "MGCKEND\0" + hash */
        h ^= v2[i];
        h *= 0x100000001b3ULL;
    }
    memcpy(v2 + m - 8, &h, 8);
    char path[1200];
    snprintf(path, sizeof path, "%s/v2.ckpt", dir);
    write_all(path, v2, m);

    net a, ref;
    net_create(&a, 16);
    net_create(&ref, 16);
    net_fill(&ref, 5);
    ref.opt.step = (long)STATE.step;
    net_fill(&a, 8);
    train_state st;
    run_seeds got = {0, 0, 0};
    run_seeds from_seed = {11, 11, 11};
    EXPECT(checkpoint_load(path, &a.m, &a.opt, &st, RECIPE, &from_seed, &THREADS, &got) == MG_OK,
           "version 2: %s", error_message());
    EXPECT(same_net(&a, &ref) && memcmp(&st, &STATE, sizeof st) == 0,
           "version 2: parameters or state differ");
    EXPECT(got.run == 11 && got.init == 11 && got.data == 11, "version 2 seeds %llu %llu %llu",
           (unsigned long long)got.run, (unsigned long long)got.init,
           (unsigned long long)got.data);
    /* its init seed is the run's: a resume expecting 22 is refused */
    net_fill(&a, 8);
    net_fill(&ref, 8);
    expect_refused(path, &a, &ref, MG_EINVAL, "init_seed", RECIPE, &SEEDS, NULL);
    run_seeds ps;
    EXPECT(checkpoint_peek(path, &ps, &st) == MG_OK && ps.init == 11 && ps.data == 11 &&
               st.loader_pos == 77, "version 2 peek: %s", error_message());
    free(b);
    free(v2);
    net_free(&a);
    net_free(&ref);
}

int main(void)
{
    const char *dir = test_dir("checkpoint");
    char good[1200];
    snprintf(good, sizeof good, "%s/good.ckpt", dir);
    test_round_trip(good);
    test_refusals(dir, good);
    test_version2(dir, good);
    return test_summary("test_checkpoint");
}
