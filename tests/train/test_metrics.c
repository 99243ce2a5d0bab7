/* metrics.tsv (lib/train/metrics.c), its writer and its readers:
 *  - the writer's bytes, dense and mixture-of-experts, are pinned here
 *    character for character, since a changed format would change every
 *    run folder's file;
 *  - what the writer wrote reads back through metrics_read_evals: the eval
 *    rows' steps and losses, the half unit of their printed precision (the
 *    coarsest row's), and a step logged twice (a resumed run) keeps the
 *    later row;
 *  - metrics_truncate keeps the header and the complete rows up to the
 *    step, dropping a row cut short, and metrics_last_step then reads that
 *    step;
 *  - each refusal of metrics_read_evals (a header without kind, step or
 *    val_ce; an eval row without a step or a finite val_ce; a step that
 *    goes down; no eval rows) and of metrics_last_step (no step column, a
 *    row without a step number) is an error naming the file and the line;
 *    metrics_last_step ignores an incomplete last line and reads 0 for a
 *    missing file. */
#include "train/metrics.h"
#include "util/error.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256];

/* The file's bytes in a malloc'd string ("" when unreadable). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 16);
    if (f && buf) {
        size_t n = fread(buf, 1, (1 << 16) - 1, f);
        buf[n] = '\0';
    }
    if (f)
        fclose(f);
    return buf;
}

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int next;
    char *s = p[next++ % 4];
    snprintf(s, sizeof p[0], "%s/%s", dir, name);
    return s;
}

/* The writer needs a model's configuration, losses and expert loads only. */
static void fake_model(model *m, int n_experts, double *load)
{
    memset(m, 0, sizeof *m);
    model_config_defaults(&m->cfg);
    m->cfg.n_layers = 2;
    m->cfg.n_experts = n_experts;
    m->expert_load = load;
}

static void set_losses(model *m, double ce, double lb, double z)
{
    m->losses.ce = ce;
    m->losses.lb = lb;
    m->losses.z = z;
    m->losses.total = ce + lb + z;
}

static void test_write_read(void)
{
    const char *path = path_of("dense.tsv");
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    model m;
    fake_model(&m, 0, NULL);
    metrics_header(f, &m);
    set_losses(&m, 4.1234567, 0, 0);
    metrics_train_row(f, &m, 1, 64, 3e-4f, 1.25, 1234.56);
    set_losses(&m, 3.5, 0, 0);
    metrics_train_row(f, &m, 2, 128, 6e-4f, 0.875, 999.94);
    metrics_eval_row(f, &m, 2, 128, 3.75);
    metrics_train_row(f, &m, 3, 192, 5e-4f, 0.5, 1000);
    metrics_eval_row(f, &m, 3, 192, 3.625);
    /* a resumed run evaluates step 3 again */
    metrics_eval_row(f, &m, 3, 192, 3.6251234);
    metrics_train_row(f, &m, 4, 256, 1e-5f, 0.25, 1000);
    metrics_eval_row(f, &m, 4, 256, 3.5);
    fclose(f);

    char *text = slurp(path);
    const char *want =
        "kind\tstep\ttokens\tlr\ttrain_ce\tlb_loss\tz_loss\tgrad_norm\ttokens_per_s\tval_ce\n"
        "train\t1\t64\t0.0003\t4.123457\t0\t0\t1.25\t1234.6\t\n"
        "train\t2\t128\t0.0006\t3.500000\t0\t0\t0.875\t999.9\t\n"
        "eval\t2\t128\t\t\t\t\t\t\t3.750000\n"
        "train\t3\t192\t0.0005\t3.500000\t0\t0\t0.5\t1000.0\t\n"
        "eval\t3\t192\t\t\t\t\t\t\t3.625000\n"
        "eval\t3\t192\t\t\t\t\t\t\t3.625123\n"
        "train\t4\t256\t1e-05\t3.500000\t0\t0\t0.25\t1000.0\t\n"
        "eval\t4\t256\t\t\t\t\t\t\t3.500000\n";
    EXPECT(strcmp(text, want) == 0, "dense bytes:\n%s", text);
    free(text);

    metrics_evals ev;
    int rc = metrics_read_evals(path, &ev);
    EXPECT(rc == MG_OK, "read: %s", error_message());
    if (rc)
        return;
    EXPECT(ev.n == 3, "%zu eval rows", ev.n);
    if (ev.n == 3) {
        EXPECT(ev.step[0] == 2 && ev.step[1] == 3 && ev.step[2] == 4, "steps %ld %ld %ld",
               ev.step[0], ev.step[1], ev.step[2]);
        EXPECT(ev.loss[0] == 3.75 && ev.loss[2] == 3.5, "losses %.9g %.9g", ev.loss[0],
               ev.loss[2]);
        /* the later of the two rows of step 3 */
        EXPECT(ev.loss[1] == 3.625123, "repeated step: %.9g", ev.loss[1]);
    }
    EXPECT(fabs(ev.val_half_unit - 5e-7) < 1e-18, "half unit %g", ev.val_half_unit);
    metrics_evals_free(&ev);
    EXPECT(ev.step == NULL && ev.loss == NULL && ev.n == 0, "freed evals keep pointers");

    /* the coarsest row sets the half unit */
    path = test_write_file(dir, "coarse.tsv",
                           "kind\tstep\tval_ce\neval\t1\t2.123456\neval\t2\t2.5\neval\t3\t1.5e-05\n");
    rc = metrics_read_evals(path, &ev);
    EXPECT(rc == MG_OK && fabs(ev.val_half_unit - 0.05) < 1e-15, "coarse half unit %g: %s",
           ev.val_half_unit, error_message());
    if (!rc)
        metrics_evals_free(&ev);
}

static void test_write_moe(void)
{
    const char *path = path_of("moe.tsv");
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    double load[4] = {0.5, 0.5, 0.25, 0.75};
    model m;
    fake_model(&m, 2, load);
    metrics_header(f, &m);
    set_losses(&m, 2.0, 0.0101, 0.00123);
    metrics_train_row(f, &m, 7, 448, 0.001f, 2.5, 10.04);
    metrics_eval_row(f, &m, 7, 448, 2.25);
    fclose(f);
    char *text = slurp(path);
    const char *want =
        "kind\tstep\ttokens\tlr\ttrain_ce\tlb_loss\tz_loss\tgrad_norm\ttokens_per_s\tval_ce"
        "\tload_l0_e0\tload_l0_e1\tload_l1_e0\tload_l1_e1\n"
        "train\t7\t448\t0.001\t2.000000\t0.0101\t0.00123\t2.5\t10.0\t"
        "\t0.5000\t0.5000\t0.2500\t0.7500\n"
        "eval\t7\t448\t\t\t\t\t\t\t2.250000\t\t\t\t\n";
    EXPECT(strcmp(text, want) == 0, "moe bytes:\n%s", text);
    free(text);
}

static void test_truncate(void)
{
    const char *path =
        test_write_file(dir, "resume.tsv", "kind\tstep\tval_ce\ntrain\t1\t\ntrain\t2\t\n"
                        "eval\t2\t3.5\ntrain\t3\t\ntrain\t4\t\neval\t4\t3.25\ntrain\t5");
    int rc = metrics_truncate(path, 2);
    EXPECT(rc == MG_OK, "truncate: %s", error_message());
    char *text = slurp(path);
    EXPECT(strcmp(text, "kind\tstep\tval_ce\ntrain\t1\t\ntrain\t2\t\neval\t2\t3.5\n") == 0,
           "truncated to 2:\n%s", text);
    free(text);
    long step = -1;
    rc = metrics_last_step(path, &step);
    EXPECT(rc == MG_OK && step == 2, "last step after truncate: %ld: %s", step, error_message());

    /* a row cut short by a kill goes even when its step is kept */
    path = test_write_file(dir, "cut.tsv", "kind\tstep\tval_ce\ntrain\t1\t\ntrain\t2");
    rc = metrics_truncate(path, 5);
    text = slurp(path);
    EXPECT(rc == MG_OK && strcmp(text, "kind\tstep\tval_ce\ntrain\t1\t\n") == 0,
           "cut row kept:\n%s", text);
    free(text);

    rc = metrics_truncate(path_of("no_such.tsv"), 1);
    EXPECT(rc == MG_EIO && strncmp(error_message(), "to resume: ", 11) == 0 &&
               strstr(error_message(), "no_such.tsv: cannot open"),
           "missing file: %d %s", rc, error_message());
}

/* metrics_read_evals refuses `text` with exactly "PATH" + `msg`. */
static void expect_refused(const char *what, const char *text, const char *msg)
{
    const char *path = test_write_file(dir, "bad.tsv", text);
    metrics_evals ev;
    int rc = metrics_read_evals(path, &ev);
    char want[1024];
    snprintf(want, sizeof want, "%s%s", path, msg);
    EXPECT(rc == MG_EFORMAT && strcmp(error_message(), want) == 0, "%s: %d '%s', want '%s'",
           what, rc, error_message(), want);
    EXPECT(ev.step == NULL && ev.loss == NULL && ev.n == 0, "%s: refused evals not empty", what);
    if (!rc)
        metrics_evals_free(&ev);
}

static void test_refusals(void)
{
    expect_refused("no val_ce column", "kind\tstep\ttokens\neval\t1\t0\n",
                   ":1: header lacks a kind, step or val_ce column");
    expect_refused("no kind column", "step\tval_ce\n1\t2.5\n",
                   ":1: header lacks a kind, step or val_ce column");
    expect_refused("val_ce no number", "kind\tstep\tval_ce\neval\t1\t2.5\ntrain\t2\t\n"
                   "eval\t3\t2.3x\n", ":4: an eval row without a step and a finite val_ce");
    expect_refused("val_ce not finite", "kind\tstep\tval_ce\neval\t1\tinf\n",
                   ":2: an eval row without a step and a finite val_ce");
    expect_refused("val_ce empty", "kind\tstep\tval_ce\neval\t1\t\n",
                   ":2: an eval row without a step and a finite val_ce");
    expect_refused("step 0", "kind\tstep\tval_ce\neval\t0\t2.5\n",
                   ":2: an eval row without a step and a finite val_ce");
    expect_refused("step going down", "kind\tstep\tval_ce\neval\t20\t2.3\neval\t10\t2.5\n",
                   ":3: step 10 comes after step 20");
    expect_refused("no eval rows", "kind\tstep\tval_ce\ntrain\t1\t\n", ": no eval rows");
    expect_refused("header only", "kind\tstep\tval_ce\n", ": no eval rows");
}

static void test_last_step(void)
{
    long step = -1;
    const char *path = test_write_file(dir, "live.tsv",
                                       "kind\tstep\tval_ce\ntrain\t1\t\ntrain\t2\t\ntrain\t3");
    int rc = metrics_last_step(path, &step);
    EXPECT(rc == MG_OK && step == 2, "incomplete last line: %ld: %s", step, error_message());
    /* an incomplete line is not judged either */
    path = test_write_file(dir, "live.tsv", "kind\tstep\tval_ce\ntrain\t1\t\ntrain\tx");
    rc = metrics_last_step(path, &step);
    EXPECT(rc == MG_OK && step == 1, "incomplete bad line: %ld: %s", step, error_message());
    path = test_write_file(dir, "live.tsv", "kind\tstep\tval_ce\n");
    rc = metrics_last_step(path, &step);
    EXPECT(rc == MG_OK && step == 0, "header only: %ld", step);
    step = -1;
    rc = metrics_last_step(path_of("no_such.tsv"), &step);
    EXPECT(rc == MG_OK && step == 0, "missing file: %d %ld", rc, step);

    char want[1024];
    path = test_write_file(dir, "live.tsv", "kind\tstep\tval_ce\ntrain\t1\t\ntrain\tx\t\n");
    rc = metrics_last_step(path, &step);
    snprintf(want, sizeof want, "%s:3: step: not a step number", path);
    EXPECT(rc == MG_EFORMAT && strcmp(error_message(), want) == 0, "bad step: %d %s", rc,
           error_message());
    path = test_write_file(dir, "live.tsv", "kind\tval_ce\ntrain\t\n");
    rc = metrics_last_step(path, &step);
    snprintf(want, sizeof want, "%s:1: header lacks a step column", path);
    EXPECT(rc == MG_EFORMAT && strcmp(error_message(), want) == 0, "no step column: %d %s", rc,
           error_message());
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", test_dir("metrics"));
    test_write_read();
    test_write_moe();
    test_truncate();
    test_refusals();
    test_last_step();
    const char *names[] = {"dense.tsv", "coarse.tsv", "moe.tsv", "resume.tsv", "cut.tsv",
                           "bad.tsv",   "live.tsv"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        remove(path_of(names[i]));
    rmdir(dir);
    return test_summary("test_metrics");
}
