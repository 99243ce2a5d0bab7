/* Whether a check's result still describes its runs (check_result_file_fresh,
 * check_result_file_seeds in lib/claims/check_result_read.c): a result
 * records the SHA-256 of each run's summary.json under "runs_used", so a
 * report or a baseline must not rest on it once a run was retrained, edited
 * or removed. The results are built in memory as check_result_file_read
 * leaves them, so each case is one field changed; the seeds reader reads a
 * path, so its cases are small files. The hashes below are sha256sum's, not
 * the library's, so a broken hash fails here too. */
#include "claims/check_result_read.h"
#include "runs/protocol.h"
#include "util/error.h"
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const MODELS[2] = {"dense_active", "moe4"};
/* sha256sum of '{"seed": S, "model": "M"}\n', [model][seed - 1] */
static const char *const SHA[2][2] = {
    {"45026ddaa1958b4ac24a70bef53e63b1ed091b3e610b0d4019edd5dee6d8c540",
     "3bf6e0cbacb79b4e8a94e09e4e2eedb60765bcc1e56fcd89bc549e544ee2935d"},
    {"2b1a948be88c503ad7d8ce2db166c8845ffd509bf806da45c8f3862a705d7d44",
     "73b7691ab67f79caa51f291bf2b0a251d36caaf11f3e6adc2aa7cbd7c2ce92cc"},
};
/* of moe4-s2's summary once edited */
static const char EDITED_SHA[] = "e4d5a8ac74b9267c8300dd0b35335157a91b7a006dd21d3831d7f318a09dedbe";

static char runs[1100];

static void write_summary(int m, int seed, const char *extra)
{
    char dir[1200], text[200];
    snprintf(dir, sizeof dir, "%s/%s-s%d", runs, MODELS[m], seed);
    mkdir(dir, 0777);
    snprintf(text, sizeof text, "{\"seed\": %d, \"model\": \"%s\"%s}\n", seed, MODELS[m], extra);
    test_write_file(dir, "summary.json", text);
}

/* A result as check_result_file_read leaves one that moegap check wrote:
 * its seeds and every run it used (only the fields freshness reads; free
 * with check_result_file_free). Seed 3's hash is seed 1's, wrong on
 * purpose: only the protocol's runs are held to theirs. */
static void result_file(check_result_file *f, int n_seeds)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "results/fresh.json");
    snprintf(f->protocol, sizeof f->protocol, "fresh");
    for (int s = 1; s <= n_seeds; s++)
        f->seeds[f->n_seeds++] = s;
    f->has_runs_used = 1;
    f->runs_used = calloc((size_t)(2 * n_seeds), sizeof *f->runs_used);
    if (!f->runs_used) {
        printf("FAIL: out of memory\n");
        exit(1);
    }
    for (int m = 0; m < 2; m++)
        for (int s = 1; s <= n_seeds; s++) {
            check_result_file_run *u = &f->runs_used[f->n_runs_used++];
            snprintf(u->model, sizeof u->model, "%s", MODELS[m]);
            u->seed = s;
            snprintf(u->run, sizeof u->run, "runs/%s-s%d", MODELS[m], s);
            snprintf(u->summary_sha256, sizeof u->summary_sha256, "%s",
                     s <= 2 ? SHA[m][s - 1] : SHA[m][0]);
        }
}

/* The result's runs_used entry for (model, seed). */
static check_result_file_run *entry(check_result_file *f, const char *model_name, int seed)
{
    for (size_t i = 0; i < f->n_runs_used; i++)
        if (strcmp(f->runs_used[i].model, model_name) == 0 && f->runs_used[i].seed == seed)
            return &f->runs_used[i];
    return NULL;
}

/* Fresh (1) or stale (0, why holding frag). */
static void expect_fresh(const char *what, const check_result_file *f, const protocol *p,
                         int want, const char *frag)
{
    char why[1200] = "";
    int fresh = check_result_file_fresh(f, p, runs, "paper/runs", why, sizeof why);
    EXPECT(fresh == want, "%s: fresh %d, want %d (%s)", what, fresh, want, why);
    EXPECT(!frag || strstr(why, frag), "%s: why lacks '%s': %s", what, frag, why);
}

static void test_fresh_and_stale(const protocol *p)
{
    check_result_file f;
    result_file(&f, 2);
    expect_fresh("unchanged runs", &f, p, 1, NULL);

    /* a summary that changed: named under the caller's name of runs_dir */
    write_summary(1, 2, ", \"edited\": true");
    char frag[300];
    snprintf(frag, sizeof frag, "paper/runs/moe4-s2/summary.json changed since the check used it "
             "(sha256 %.12s then, %.12s now)", SHA[1][1], EDITED_SHA);
    expect_fresh("moe4-s2 edited", &f, p, 0, frag);
    /* the same bytes again: fresh, so it is the content that counts */
    write_summary(1, 2, "");
    expect_fresh("moe4-s2 restored", &f, p, 1, NULL);

    /* a run removed: its summary cannot be hashed */
    char path[1300];
    snprintf(path, sizeof path, "%s/dense_active-s1/summary.json", runs);
    unlink(path);
    expect_fresh("dense_active-s1 missing", &f, p, 0, "dense_active seed 1: ");
    expect_fresh("dense_active-s1 missing", &f, p, 0, "dense_active-s1/summary.json");
    write_summary(0, 1, "");

    /* a run the check did not use: moe4 seed 2, the last entry, dropped */
    f.n_runs_used--;
    expect_fresh("moe4-s2 not used", &f, p, 0,
                 "the protocol names moe4 seed 2, a run the check did not use");
    f.n_runs_used++;
    /* an entry without its hash: check_result_file_read refuses a file so,
     * so in memory it is the empty string, and it must not match any
     * summary (nor be read past its end) */
    entry(&f, "moe4", 1)->summary_sha256[0] = '\0';
    snprintf(frag, sizeof frag, "paper/runs/moe4-s1/summary.json: whether it changed since the "
             "check used it cannot be told (sha256 not recorded then, %.12s now)", SHA[1][0]);
    expect_fresh("moe4-s1 without a hash", &f, p, 0, frag);
    check_result_file_free(&f);

    /* a result from before check recorded its runs */
    result_file(&f, 2);
    f.has_runs_used = 0;
    f.n_runs_used = 0;
    expect_fresh("no runs_used", &f, p, 0, "does not record the runs it used");
    check_result_file_free(&f);

    /* a result over more seeds than the protocol's still holds its runs */
    result_file(&f, 3);
    expect_fresh("a result over more seeds", &f, p, 1, NULL);
    check_result_file_free(&f);
}

/* The seeds a result was given, read from its file, become the protocol's;
 * bad ones are refused naming the file (as shown) and the field. */
static void test_result_seeds(const char *dir, protocol *p)
{
    int seeds[PROTOCOL_MAX_SEEDS], n = 0;
    const char *path = test_write_file(dir, "fresh.json", "{\"seeds\": [2, 1]}\n");
    int rc = check_result_file_seeds(path, "results/fresh.json", seeds, &n);
    if (!rc)
        rc = protocol_set_seeds(p, seeds, n);
    EXPECT(rc == MG_OK && p->n_seeds == 2 && p->seeds[0] == 2 && p->seeds[1] == 1,
           "seeds 2,1: %d seeds (%s)", p->n_seeds, rc ? error_message() : "ok");

    static const struct {
        const char *json, *frag;
    } bad[] = {
        {"{\"seeds\": [1]}", "results/fresh.json: seeds: 1 seed; a paired t-test over seeds "
                             "needs at least 2"},
        {"{\"seeds\": [1, 1]}", "results/fresh.json: seeds: seed 1 is listed twice"},
        {"{\"seeds\": [0, 1]}", "results/fresh.json: seeds: expected an array of 1..64 integers"},
        {"{\"seeds\": \"1,2\"}", "results/fresh.json: seeds: expected an array"},
        {"{}", "results/fresh.json: seeds: expected an array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = test_write_file(dir, "fresh.json", bad[i].json);
        rc = check_result_file_seeds(path, "results/fresh.json", seeds, &n);
        EXPECT(rc != MG_OK && strstr(error_message(), bad[i].frag), "%s: %d %s", bad[i].json, rc,
               error_message());
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    const char *dir = test_dir("freshness");
    const char *ini = test_write_file(dir, "fresh.ini",
        "[claim]\nname = fresh\ntext = t\n[runs]\nmodels = dense_active, moe4\n"
        "[check]\nstatistic = best_val_loss\ntest = paired_t_one_sided\nalpha = 0.05\n"
        "power = 0.8\n[gap a]\ngap = dense_active - moe4\nrole = gate\ndirection = positive\n");
    protocol p;
    if (protocol_read(&p, ini) != MG_OK) {
        printf("FAIL: %s\n", error_message());
        return 1;
    }
    snprintf(runs, sizeof runs, "%s/runs", dir);
    mkdir(runs, 0777);
    for (int m = 0; m < 2; m++)
        for (int s = 1; s <= 3; s++)
            write_summary(m, s, "");

    test_result_seeds(dir, &p);
    /* seeds 1 and 2, as a result over them sets them */
    int seeds[] = {1, 2};
    EXPECT(protocol_set_seeds(&p, seeds, 2) == MG_OK, "%s", error_message());
    test_fresh_and_stale(&p);

    if (!test_failures)
        nftw(test_dir("freshness"), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return test_summary("test_freshness");
}
