/* Training end to end on a synthetic token stream:
 *  - the same recipe, seed and thread count give bit-identical losses at
 *    every step; another seed gives other losses;
 *  - --init-seed and --data-seed each move only their own draw: equal to
 *    the seed they change nothing, bit for bit; set apart, each alone
 *    changes the losses, and a run's data order stays the data seed's;
 *  - a dense and an MoE model both drive the validation loss far below
 *    log(vocab) (the stream's entropy rate is about 1.1 nats/token);
 *  - a training stream shorter than one batch, or a validation stream
 *    shorter than one window, is refused before the first step, by name. */
#include "util/error.h"
#include "train/train.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_STEPS = 400 };

typedef struct {
    long n;
    model_losses l[MAX_STEPS];
} loss_log;

static void record(void *user, long step, const model_losses *l)
{
    loss_log *log = user;
    if (log->n < MAX_STEPS)
        log->l[log->n++] = *l;
}

static void make_streams(const char *dir, recipe *r, uint32_t vocab)
{
    size_t n_train = 200000, n_val = 20000;
    uint16_t *ids = malloc(sizeof(uint16_t) * (n_train + n_val));
    EXPECT(tokens_synthesize(ids, n_train + n_val, vocab, 99) == MG_OK, "%s", error_message());
    snprintf(r->train_tokens, sizeof r->train_tokens, "%s/train.tok", dir);
    snprintf(r->val_tokens, sizeof r->val_tokens, "%s/val.tok", dir);
    EXPECT(tokens_write(r->train_tokens, ids, n_train, vocab, 0) == MG_OK, "%s", error_message());
    EXPECT(tokens_write(r->val_tokens, ids + n_train, n_val, vocab, 0) == MG_OK, "%s", error_message());
    free(ids);
}

static void small_recipe(recipe *r, int moe, long steps)
{
    r->model.vocab_size = 128;
    r->model.d_model = 32;
    r->model.n_layers = 2;
    r->model.n_heads = 2;
    r->model.seq_len = 32;
    if (moe) {
        r->model.n_experts = 4;
        r->model.top_k = 2;
        r->model.expert_hidden = 32;
    } else {
        r->model.ffn_hidden = 64;
    }
    r->batch_size = 8;
    r->steps = steps;
    r->eval_every = steps / 4;
    r->lr = 3e-3f;
}

static train_result run_seeded(const recipe *r, uint64_t seed, const uint64_t *init,
                               const uint64_t *data, int threads, loss_log *log)
{
    train_options o = {r, seed, threads, NULL, 0, 0, record, log, 0, init, data};
    train_result res;
    log->n = 0;
    int rc = train_run(&o, &res);
    EXPECT(rc == MG_OK, "train_run: %s", error_message());
    return res;
}

static train_result run(const recipe *r, uint64_t seed, int threads, loss_log *log)
{
    return run_seeded(r, seed, NULL, NULL, threads, log);
}

static int same_bits(const loss_log *a, const loss_log *b)
{
    return a->n == b->n && memcmp(a->l, b->l, sizeof(model_losses) * a->n) == 0;
}

static void check_determinism(const recipe *base, int moe)
{
    recipe r = *base;
    small_recipe(&r, moe, 20);
    static loss_log a, b, c;
    for (int threads = 1; threads <= 2; threads++) {
        run(&r, 1, threads, &a);
        run(&r, 1, threads, &b);
        EXPECT(a.n == 20 && same_bits(&a, &b),
               "%s, %d thread(s): two runs with seed 1 differ", moe ? "moe" : "dense", threads);
    }
    run(&r, 2, 1, &c);
    run(&r, 1, 1, &a);
    EXPECT(!same_bits(&a, &c), "%s: seeds 1 and 2 give the same losses", moe ? "moe" : "dense");
    printf("%s: step 20 loss, seed 1 %.9f, seed 2 %.9f\n", moe ? "moe" : "dense",
           a.l[19].total, c.l[19].total);
}

static void check_split_seeds(const recipe *base, int moe)
{
    recipe r = *base;
    small_recipe(&r, moe, 20);
    const char *kind = moe ? "moe" : "dense";
    static loss_log def, same, init7, data7, both7, seed7;
    const uint64_t one = 1, seven = 7;
    run(&r, 1, 1, &def);
    run_seeded(&r, 1, &one, &one, 1, &same);
    EXPECT(same_bits(&def, &same), "%s: --init-seed 1 --data-seed 1 differ from --seed 1", kind);
    run_seeded(&r, 1, &seven, NULL, 1, &init7);
    run_seeded(&r, 1, NULL, &seven, 1, &data7);
    run_seeded(&r, 1, &seven, &seven, 1, &both7);
    run(&r, 7, 1, &seed7);
    EXPECT(!same_bits(&def, &init7), "%s: --init-seed 7 changed nothing", kind);
    EXPECT(!same_bits(&def, &data7), "%s: --data-seed 7 changed nothing", kind);
    EXPECT(!same_bits(&init7, &data7), "%s: the init and data seeds draw the same", kind);
    /* the run's seed is only a name once both draws are set */
    EXPECT(same_bits(&both7, &seed7), "%s: --init-seed 7 --data-seed 7 differ from --seed 7",
           kind);
    printf("%s: step 20 loss, seed 1 %.9f, init 7 %.9f, data 7 %.9f\n", kind, def.l[19].total,
           init7.l[19].total, data7.l[19].total);
}

static void check_learning(const recipe *base, int moe)
{
    recipe r = *base;
    small_recipe(&r, moe, 300);
    static loss_log steps_log;
    train_result res = run(&r, 1, 1, &steps_log);
    double chance = log((double)r.model.vocab_size);
    printf("%s: best validation loss %.4f at step %ld (log(vocab) = %.4f)\n", moe ? "moe" : "dense",
           res.best_val, res.best_step, chance);
    /* well below half of chance; the stream's floor is about 1.1 nats */
    EXPECT(res.best_val < 0.5 * chance, "%s did not learn: %.4f", moe ? "moe" : "dense", res.best_val);
    if (moe) {
        EXPECT(steps_log.l[steps_log.n - 1].lb > 0 && steps_log.l[steps_log.n - 1].z > 0, "auxiliary losses missing");
    } else {
        EXPECT(steps_log.l[steps_log.n - 1].lb == 0 && steps_log.l[steps_log.n - 1].z == 0, "dense model has aux losses");
    }
}

/* A stream of n tokens at dir/name, in place of the recipe's path. */
static void short_stream(const char *dir, const char *name, size_t n, char *path, size_t cap)
{
    uint16_t ids[1024] = {0};
    snprintf(path, cap, "%s/%s", dir, name);
    EXPECT(n <= 1024 && tokens_write(path, ids, n, 128, 0) == MG_OK, "%s", error_message());
}

static void expect_refused_before_step_one(const recipe *r, const char *path)
{
    static loss_log log;
    log.n = 0;
    train_options o = {r, 1, 1, NULL, 0, 0, record, &log, 0, NULL, NULL};
    train_result res;
    int rc = train_run(&o, &res);
    EXPECT(rc == MG_EINVAL && strstr(error_message(), path),
           "a stream too short (%s): rc %d, '%s'", path, rc, error_message());
    EXPECT(log.n == 0, "a stream too short (%s) was found only after %ld steps", path, log.n);
}

static void check_short_streams(const char *dir, const recipe *base)
{
    recipe r = *base;
    small_recipe(&r, 0, 20);
    r.eval_every = 10;
    const int T = r.model.seq_len, B = r.batch_size;
    /* seq_len tokens: one short of the one window an evaluation needs */
    short_stream(dir, "short_val.tok", (size_t)T, r.val_tokens, sizeof r.val_tokens);
    expect_refused_before_step_one(&r, r.val_tokens);
    r = *base;
    small_recipe(&r, 0, 20);
    /* B windows of T+1 tokens that overlap by one: B*T+1 would be enough */
    short_stream(dir, "short_train.tok", (size_t)B * T, r.train_tokens, sizeof r.train_tokens);
    expect_refused_before_step_one(&r, r.train_tokens);
    short_stream(dir, "enough_train.tok", (size_t)B * T + 1, r.train_tokens, sizeof r.train_tokens);
    static loss_log log;
    log.n = 0;
    run(&r, 1, 1, &log);
    EXPECT(log.n == 20, "a training stream of exactly one batch ran %ld steps", log.n);
}

int main(void)
{
    const char *dir = test_dir("train");
    recipe r;
    recipe_defaults(&r);
    make_streams(dir, &r, 128);
    check_short_streams(dir, &r);
    check_determinism(&r, 0);
    check_determinism(&r, 1);
    check_split_seeds(&r, 0);
    check_split_seeds(&r, 1);
    check_learning(&r, 0);
    check_learning(&r, 1);
    return test_summary("test_train");
}
