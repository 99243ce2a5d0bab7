/* The run record (lib/runs/runrecord.c) on fake run folders written here:
 * a well-formed folder read back value by value, then one broken input at
 * a time, each refused with a message naming the file (and the line or
 * field, where the code says it), since a copied, edited or cut-off folder
 * must never stand in for a finished run. Also run_record_last_step, the
 * progress reader of the same metrics.tsv. */
#include "runs/runrecord.h"
#include "train/checkpoint.h"
#include "train/recipe.h"
#include "util/error.h"
#include "testutil.h"

#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SEED = 7 };

/* dense_active at the ci tier's sizes (329024 parameters, tests/claims/
 * test_check.c); 250 steps of 2 x 128 tokens evaluated every 100: the
 * schedule is steps 100, 200 and 250, the last one off the grid. */
static const char RECIPE[] =
    "[model]\nvocab_size = 1024\nd_model = 64\nn_layers = 4\nn_heads = 4\nseq_len = 128\n"
    "ffn_hidden = 257\n[train]\nsteps = 250\nbatch_size = 2\nwarmup = 0.04\neval_every = 100\n"
    "[run]\ntier = ci\n";

/* Train rows between the evaluations, and step 200 evaluated twice, as a
 * resumed run logs it: the later row (2.300000) stands, so the best loss
 * is 2.3 at step 200 and the final 2.35 at step 250. Line 7 is the last
 * step-200 row, line 8 the step-250 row. */
static const char METRICS[] =
    "kind\tstep\ttokens\tlr\ttrain_ce\tval_ce\n"
    "train\t1\t256\t0.003\t2.9\t\n"
    "eval\t100\t25600\t\t\t2.500000\n"
    "train\t101\t25856\t0.003\t2.6\t\n"
    "eval\t200\t51200\t\t\t2.310000\n"
    "train\t201\t51456\t0.003\t2.4\t\n"
    "eval\t200\t51200\t\t\t2.300000\n"
    "eval\t250\t64000\t\t\t2.350000\n";

static const char SUMMARY[] =
    "{\"seed\": 7, \"best_val_loss\": 2.3, \"best_step\": 200, \"final_val_loss\": 2.35, "
    "\"params_total\": 329024, \"params_active\": 329024, \"tokens\": 64000, \"wall_s\": 12.5}\n";
/* `sha256sum` of SUMMARY, computed outside the code under test */
static const char SUMMARY_SHA256[] =
    "22666b4a3cca55824134b092be76ff85cb4ec76a5475a094b99bf20565f9848c";

static char case_dir[1100];

static void remove_file(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* A run folder for one case: the good files, with `summary` and `metrics`
 * in place of the good ones where not NULL ("" leaves the file out). */
static const char *make_run(const char *name, const char *summary, const char *metrics)
{
    snprintf(case_dir, sizeof case_dir, "%s", test_dir(name));
    test_write_file(case_dir, "recipe.ini", RECIPE);
    const char *texts[2] = {summary ? summary : SUMMARY, metrics ? metrics : METRICS};
    const char *files[2] = {"summary.json", "metrics.tsv"};
    for (int i = 0; i < 2; i++) {
        remove_file(case_dir, files[i]);
        if (texts[i][0])
            test_write_file(case_dir, files[i], texts[i]);
    }
    return case_dir;
}

/* provenance.json with every field provenance_write writes; init_seed and
 * data_seed only when >= 0 (older folders have neither). */
static void write_provenance(const char *dir, long seed, long init_seed, long data_seed)
{
    char extra[80] = "", text[800];
    if (init_seed >= 0)
        snprintf(extra, sizeof extra, "\"init_seed\": %ld, \"data_seed\": %ld, ", init_seed,
                 data_seed);
    snprintf(text, sizeof text,
             "{\"git_commit\": \"0000000000000000000000000000000000000000\", \"git_dirty\": "
             "false, \"compiler\": \"gcc 12.2.0\", \"openblas_config\": \"OpenBLAS 0.3.21\", "
             "\"openblas_core\": \"Haswell\", \"openblas_coretype_env\": null, \"threads\": 1, "
             "\"host\": \"fake\", \"seed\": %ld, %s\"start_time\": \"2026-01-01T00:00:00Z\", "
             "\"end_time\": \"2026-01-01T00:01:00Z\", \"resumed_from_step\": -1}\n",
             seed, extra);
    test_write_file(dir, "provenance.json", text);
}

/* The header of a version-3 checkpoint.bin, as checkpoint.h lays it out:
 * all that checkpoint_peek reads (no parameters follow). */
static void write_checkpoint(const char *dir, uint64_t run, uint64_t init, uint64_t data,
                             uint64_t tokenizer_hash)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    uint32_t version = 3, threads = 1;
    uint64_t seeds[3] = {run, init, data}, recipe_bytes = 0, n_params = 0;
    train_state st = {.step = 250, .tokens = 64000, .best_val = 2.3, .best_step = 200,
                      .final_val = 2.35, .tokenizer_hash = tokenizer_hash};
    fwrite("MGCKPT\0\0", 1, 8, f);
    fwrite(&version, 4, 1, f);
    fwrite(&threads, 4, 1, f);
    fwrite(seeds, 8, 3, f);
    fwrite(&recipe_bytes, 8, 1, f);
    fwrite(&n_params, 8, 1, f);
    fwrite(&st, sizeof st, 1, f);
    fclose(f);
}

/* Refused, the message naming the folder and holding frag1 and frag2. */
static void expect_refused(const char *what, const char *dir, long seed, const char *frag1,
                           const char *frag2)
{
    run_record r;
    int rc = run_record_load(&r, dir, seed);
    const char *msg = error_message();
    EXPECT(rc != MG_OK, "%s: accepted", what);
    if (rc == MG_OK) {
        run_record_free(&r);
        return;
    }
    EXPECT(strstr(msg, dir), "%s: message does not name %s: %s", what, dir, msg);
    EXPECT(strstr(msg, frag1), "%s: message lacks '%s': %s", what, frag1, msg);
    EXPECT(!frag2 || strstr(msg, frag2), "%s: message lacks '%s': %s", what, frag2, msg);
    /* a refused record holds nothing to free (ASan's leak check) */
    EXPECT(r.rec == NULL && r.evals.step == NULL && r.evals.n == 0, "%s: refusal kept data", what);
}

static void test_good(void)
{
    const char *dir = make_run("good", NULL, NULL);
    run_record r;
    int rc = run_record_load(&r, dir, SEED);
    EXPECT(rc == MG_OK, "good folder: %s", error_message());
    if (rc)
        return;
    EXPECT(r.best_val_loss == 2.3 && r.best_step == 200, "best %.9g at %ld", r.best_val_loss,
           r.best_step);
    EXPECT(r.final_val_loss == 2.35, "final %.9g", r.final_val_loss);
    EXPECT(r.tokens == 64000 && r.wall_s == 12.5, "tokens %lld wall %g", r.tokens, r.wall_s);
    EXPECT(r.params_total == 329024 && r.params_active == 329024, "params %lld %lld",
           r.params_total, r.params_active);
    EXPECT(strcmp(r.summary_sha256, SUMMARY_SHA256) == 0, "sha256 %s", r.summary_sha256);
    /* the repeated step 200 is one evaluation, the later value */
    EXPECT(r.evals.n == 3, "%zu evaluations", r.evals.n);
    if (r.evals.n == 3) {
        static const long steps[] = {100, 200, 250};
        static const double losses[] = {2.5, 2.3, 2.35};
        for (int i = 0; i < 3; i++)
            EXPECT(r.evals.step[i] == steps[i] && r.evals.loss[i] == losses[i],
                   "evaluation %d: step %ld loss %.9g", i, r.evals.step[i], r.evals.loss[i]);
    }
    EXPECT(fabs(r.evals.val_half_unit - 5e-7) < 1e-15, "half unit %g", r.evals.val_half_unit);
    /* without provenance.json or checkpoint.bin everything is the seed */
    EXPECT(r.seed == SEED && r.init_seed == SEED && r.data_seed == SEED, "seeds %ld %lld %lld",
           r.seed, r.init_seed, r.data_seed);
    EXPECT(r.steps == 250 && r.warmup_steps == recipe_warmup_steps(r.rec) &&
               r.warmup_steps == 10, "steps %ld warmup %ld", r.steps, r.warmup_steps);
    EXPECT(strcmp(r.tier, "ci") == 0 && r.rec && r.rec->batch_size == 2, "tier '%s'", r.tier);
    EXPECT(!r.has_tokenizer_hash, "a tokenizer hash without checkpoint.bin");
    run_record_free(&r);

    /* optional fields absent: tokens -1, wall_s NaN */
    dir = make_run("optional", "{\"seed\": 7, \"best_val_loss\": 2.3, \"best_step\": 200, "
                   "\"final_val_loss\": 2.35, \"params_total\": 329024, \"params_active\": "
                   "329024}\n", NULL);
    rc = run_record_load(&r, dir, SEED);
    EXPECT(rc == MG_OK, "without tokens and wall_s: %s", error_message());
    if (!rc) {
        EXPECT(r.tokens == -1 && isnan(r.wall_s), "tokens %lld wall %g", r.tokens, r.wall_s);
        run_record_free(&r);
    }
}

/* Seeds set apart for the weights and the data order come from
 * provenance.json; checkpoint.bin must agree with it and give the
 * tokenizer's hash. */
static void test_seeds(void)
{
    const char *dir = make_run("seeds", NULL, NULL);
    write_provenance(dir, SEED, 11, 12);
    write_checkpoint(dir, SEED, 11, 12, 0x1234abcdULL);
    run_record r;
    int rc = run_record_load(&r, dir, SEED);
    EXPECT(rc == MG_OK, "seeds set apart: %s", error_message());
    if (!rc) {
        EXPECT(r.init_seed == 11 && r.data_seed == 12, "init %lld data %lld", r.init_seed,
               r.data_seed);
        EXPECT(r.has_tokenizer_hash && r.tokenizer_hash == 0x1234abcdULL, "tokenizer %d %llx",
               r.has_tokenizer_hash, (unsigned long long)r.tokenizer_hash);
        run_record_free(&r);
    }

    write_checkpoint(dir, SEED, 11, 13, 1);
    expect_refused("checkpoint's data seed", dir, SEED,
                   "/checkpoint.bin: init_seed, data_seed: 11 and 13",
                   "but provenance.json names 11 and 12");
    write_checkpoint(dir, SEED, 10, 12, 1);
    expect_refused("checkpoint's init seed", dir, SEED,
                   "/checkpoint.bin: init_seed, data_seed: 10 and 12",
                   "but provenance.json names 11 and 12");
    write_checkpoint(dir, 8, 11, 12, 1);
    expect_refused("checkpoint's seed", dir, SEED, "/checkpoint.bin: seed: 8",
                   "the folder is of seed 7");
    /* no provenance.json: the checkpoint's init and data seeds are the seed's */
    remove_file(dir, "provenance.json");
    write_checkpoint(dir, SEED, 11, 12, 1);
    expect_refused("checkpoint without provenance", dir, SEED,
                   "/checkpoint.bin: init_seed, data_seed: 11 and 12",
                   "provenance.json names 7 and 7");
    remove_file(dir, "checkpoint.bin");

    write_provenance(dir, 8, -1, -1);
    expect_refused("provenance's seed", dir, SEED, "/provenance.json: seed: 8",
                   "the folder is of seed 7");
    expect_refused("summary of another seed", dir, 8, "/summary.json: seed: 7",
                   "the folder is of seed 8");
}

static void bad_summary(const char *what, const char *summary, const char *frag)
{
    expect_refused(what, make_run("summary", summary, NULL), SEED, frag, NULL);
}

static void test_broken_summary(void)
{
    char missing[1200];
    snprintf(missing, sizeof missing, "%s", make_run("nosummary", "", NULL));
    expect_refused("no summary.json", missing, SEED, "has no summary.json",
                   "has not finished");
    snprintf(missing, sizeof missing, "%s/never-trained", case_dir);
    expect_refused("no folder", missing, SEED, "does not exist", NULL);

    bad_summary("malformed JSON", "{\"seed\": 7,\n", "/summary.json:2:");
    /* one field of the good summary changed at a time */
#define S(best, step, fin, total, tokens)                                                       \
    "{\"seed\": 7, \"best_val_loss\": " best ", \"best_step\": " step ", \"final_val_loss\": "  \
    fin ", \"params_total\": " total ", \"params_active\": 329024, \"tokens\": " tokens "}\n"
    run_record r; /* the unchanged fields make a good summary */
    int rc = run_record_load(&r, make_run("summary", S("2.3", "200", "2.35", "329024", "64000"),
                                          NULL), SEED);
    EXPECT(rc == MG_OK, "the template summary: %s", error_message());
    if (!rc)
        run_record_free(&r);
    bad_summary("best_val_loss < 0", S("-1", "200", "2.35", "329024", "64000"),
                "/summary.json: best_val_loss: missing or not a finite loss >= 0");
    bad_summary("best_step not an integer", S("2.3", "\"200\"", "2.35", "329024", "64000"),
                "/summary.json: best_step: missing or not an integer");
    /* the summary against the evaluation rows, to the rows' precision */
    bad_summary("best loss not the rows'", S("2.31", "200", "2.35", "329024", "64000"),
                "/summary.json: best_val_loss: 2.31, but the lowest evaluation in metrics.tsv "
                "is 2.3 (step 200)");
    bad_summary("best step not the rows'", S("2.3", "250", "2.35", "329024", "64000"),
                "/summary.json: best_step: 250, but the lowest evaluation in metrics.tsv is at "
                "step 200");
    bad_summary("final loss not the rows'", S("2.3", "200", "2.3", "329024", "64000"),
                "/summary.json: final_val_loss: 2.3, but the last evaluation in metrics.tsv is "
                "2.35 (step 250)");
    /* the summary against recipe.ini */
    bad_summary("params not the recipe's", S("2.3", "200", "2.35", "329025", "64000"),
                "/summary.json: params_total: 329025, but recipe.ini's model has 329024");
    bad_summary("tokens not the recipe's", S("2.3", "200", "2.35", "329024", "64256"),
                "/summary.json: tokens: 64256, but recipe.ini's 250 steps of 2 x 128 tokens "
                "are 64000");
    /* a negative count or time is refused, not read as absent: -1 is what
     * a missing tokens field becomes in memory */
    expect_refused("tokens -1", make_run("summary", S("2.3", "200", "2.35", "329024", "-1"),
                   NULL), SEED, "/summary.json: tokens: -1", "negative");
    expect_refused("tokens < 0", make_run("summary", S("2.3", "200", "2.35", "329024", "-64000"),
                   NULL), SEED, "/summary.json: tokens: -64000", "negative");
    expect_refused("wall_s < 0", make_run("summary", "{\"seed\": 7, \"best_val_loss\": 2.3, "
                   "\"best_step\": 200, \"final_val_loss\": 2.35, \"params_total\": 329024, "
                   "\"params_active\": 329024, \"tokens\": 64000, \"wall_s\": -12.5}\n", NULL),
                   SEED, "/summary.json: wall_s: -12.5", "negative");
    /* zero is a value, not a refusal */
    rc = run_record_load(&r, make_run("summary", "{\"seed\": 7, \"best_val_loss\": 2.3, "
                         "\"best_step\": 200, \"final_val_loss\": 2.35, \"params_total\": "
                         "329024, \"params_active\": 329024, \"wall_s\": 0}\n", NULL), SEED);
    EXPECT(rc == MG_OK, "wall_s 0: %s", error_message());
    if (!rc) {
        EXPECT(r.wall_s == 0 && r.tokens == -1, "wall %g tokens %lld", r.wall_s, r.tokens);
        run_record_free(&r);
    }
#undef S
}

static void test_broken_metrics(void)
{
    expect_refused("no metrics.tsv", make_run("metrics", NULL, ""), SEED,
                   "/metrics.tsv: cannot open", NULL);
    expect_refused("header without val_ce", make_run("metrics", NULL,
                   "kind\tstep\ttokens\neval\t100\t0\n"), SEED,
                   "/metrics.tsv:1: header lacks a kind, step or val_ce column", NULL);
    expect_refused("a loss that is no number", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\neval\t100\t2.5\ntrain\t150\t\neval\t200\t2.3x\n"
                   "eval\t250\t2.35\n"), SEED,
                   "/metrics.tsv:4: an eval row without a step and a finite val_ce", NULL);
    expect_refused("a loss that is not finite", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\neval\t100\tnan\n"), SEED,
                   "/metrics.tsv:2: an eval row without a step", NULL);
    expect_refused("a step that is no number", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\neval\t100\t2.5\neval\t2OO\t2.3\n"), SEED,
                   "/metrics.tsv:3: an eval row without a step", NULL);
    expect_refused("steps out of order", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\neval\t200\t2.3\neval\t100\t2.5\neval\t250\t2.35\n"), SEED,
                   "/metrics.tsv:3: step 100 comes after step 200", NULL);
    expect_refused("no eval rows", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\ntrain\t1\t\n"), SEED, "/metrics.tsv: no eval rows", NULL);
    /* cut off before the last evaluation: not the recipe's schedule */
    expect_refused("last evaluation missing", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\neval\t100\t2.5\neval\t200\t2.3\n"), SEED,
                   "/metrics.tsv: 2 evaluation rows, the last at step 200, but the schedule of "
                   "recipe.ini (every 100 steps and at step 250) has 3", NULL);
    expect_refused("an evaluation off the schedule", make_run("metrics", NULL,
                   "kind\tstep\tval_ce\neval\t100\t2.5\neval\t150\t2.3\neval\t250\t2.35\n"), SEED,
                   "/metrics.tsv: evaluation 2: step 150, but the schedule", "has step 200");
}

/* Progress while a run trains: the last complete row's step. */
static void test_last_step(void)
{
    long step = -1;
    const char *dir = make_run("laststep", NULL, NULL);
    EXPECT(run_record_last_step(dir, &step) == MG_OK && step == 250, "last step %ld: %s", step,
           error_message());
    /* a row still being written (no newline yet) is not read */
    test_write_file(dir, "metrics.tsv", "kind\tstep\tval_ce\ntrain\t1\t\ntrain\t2\t\ntrain\t3");
    EXPECT(run_record_last_step(dir, &step) == MG_OK && step == 2, "partial row: %ld", step);
    test_write_file(dir, "metrics.tsv", "kind\tstep\tval_ce\ntrain\t1\t\ntrain\tx\t\n");
    int rc = run_record_last_step(dir, &step);
    EXPECT(rc != MG_OK && strstr(error_message(), "/metrics.tsv:3: step: not a step number"),
           "bad step: %d %s", rc, error_message());
    EXPECT(run_record_last_step("testdata_no_such_run", &step) == MG_OK && step == 0,
           "no folder: %ld", step);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    test_good();
    test_seeds();
    test_broken_summary();
    test_broken_metrics();
    test_last_step();
    /* a passing test leaves no folders; a failing one keeps them to look at */
    static const char *const names[] = {"good", "optional", "seeds", "nosummary", "summary",
                                        "metrics", "laststep"};
    if (!test_failures)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            nftw(test_dir(names[i]), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return test_summary("test_runrecord");
}
