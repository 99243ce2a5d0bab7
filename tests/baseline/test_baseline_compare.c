/* The nightly comparison (baseline_compare, lib/baseline/baseline_compare.c)
 * on baselines built in memory: what passes exactly, within tolerance or
 * not at all, and that each failure's line names the protocol, the item and
 * why, since the table is all a reader of a failed nightly sees. */
#include "baseline/baseline.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static baseline old_b, now_b; /* large (per-seed arrays): not on the stack */

static void add_item(baseline_protocol *p, baseline_kind kind, const char *name,
                     const char *stat, double mean, double s1, double s2, double s3)
{
    baseline_item *it = &p->items[p->n_items++];
    it->kind = kind;
    snprintf(it->name, sizeof it->name, "%s", name);
    snprintf(it->stat, sizeof it->stat, "%s", stat);
    it->mean = mean;
    it->per_seed[0] = s1, it->per_seed[1] = s2, it->per_seed[2] = s3;
    it->mde = kind == BASELINE_GAP ? 0.01 : NAN;
}

static baseline_protocol *add_protocol(baseline *b, const char *name, const char *verdict)
{
    baseline_protocol *p = &b->protocols[b->n_protocols++];
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->verdict, sizeof p->verdict, "%s", verdict);
    p->present = 1;
    p->n_seeds = 3;
    for (int s = 0; s < 3; s++)
        p->seeds[s] = s + 1;
    return p;
}

/* Two protocols, seven compared lines: active_gap (verdict, one gap, two
 * models) and gap_trajectory (verdict, a gap's slope and final). The
 * tolerances are 0.01 nats for a gap, 0.02 for a model. */
static void make_baseline(baseline *b, const char *commit)
{
    memset(b, 0, sizeof *b);
    snprintf(b->path, sizeof b->path, "reference/baseline-ci-haswell.json");
    snprintf(b->tier, sizeof b->tier, "ci");
    snprintf(b->commit, sizeof b->commit, "%s", commit);
    snprintf(b->date, sizeof b->date, "2026-12-01T00:00:00Z");
    baseline_machine m = {.core = "Haswell", .threads = 1, .openblas = "OpenBLAS 0.3.21",
                          .compiler = "gcc 12.2.0"};
    b->machine = m;
    b->gap_tolerance = 0.01;
    b->loss_tolerance = 0.02;
    snprintf(b->tolerance_reason, sizeof b->tolerance_reason, "test");
    baseline_protocol *p = add_protocol(b, "active_gap", "PASS");
    add_item(p, BASELINE_GAP, "active", "best_val_loss", 0.05, 0.048, 0.05, 0.052);
    add_item(p, BASELINE_MODEL, "dense_active", "", 3.6, 3.59, 3.6, 3.61);
    add_item(p, BASELINE_MODEL, "moe4", "", 3.55, 3.542, 3.55, 3.558);
    p = add_protocol(b, "gap_trajectory", "INCONCLUSIVE");
    add_item(p, BASELINE_GAP, "active", "slope", 0.002, 0.001, 0.002, 0.003);
    add_item(p, BASELINE_GAP, "active", "final", 0.04, 0.03, 0.04, 0.05);
}

static char out[16384];

/* The comparison of old_b with now_b, its table in out[]. */
static int compare(void)
{
    FILE *f = fmemopen(out, sizeof out, "w");
    if (!f) {
        perror("fmemopen");
        exit(1);
    }
    int failures = baseline_compare(&old_b, &now_b, f);
    fclose(f);
    return failures;
}

/* The table row of protocol `proto` whose item is `item`, ending in
 * `status`. */
static void expect_row(const char *what, const char *proto, const char *item,
                       const char *status)
{
    char line[1024];
    size_t np = strlen(proto);
    for (const char *s = out; *s;) {
        size_t n = strcspn(s, "\n");
        snprintf(line, sizeof line, "%.*s", (int)n, s);
        s += n + (s[n] == '\n');
        if (strncmp(line, proto, np) != 0 || line[np] != ' ' || !strstr(line, item))
            continue;
        size_t nl = strlen(line), ns = strlen(status);
        EXPECT(nl > ns && strcmp(line + nl - ns, status) == 0 && line[nl - ns - 1] == ' ',
               "%s: row '%s' does not end in '%s'", what, line, status);
        return;
    }
    EXPECT(0, "%s: no row for %s %s in:\n%s", what, proto, item, out);
}

#define EXPECT_OUT(what, frag) EXPECT(strstr(out, frag), "%s: lacks '%s' in:\n%s", what, frag, out)
#define EXPECT_NOT_OUT(what, frag)                                                             \
    EXPECT(!strstr(out, frag), "%s: has '%s' in:\n%s", what, frag, out)

static const char C1[] = "83a69971041fe8503d990793ceec0fd065e0fa42";
static const char C2[] = "45f8828aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/* Same clean commit, same machine: every kept digit must come back. */
static void test_exact(void)
{
    make_baseline(&old_b, C1);
    make_baseline(&now_b, C1);
    int rc = compare();
    EXPECT(rc == 0, "identical: %d failures", rc);
    EXPECT_OUT("identical", "same commit and machine: every value must reproduce exactly");
    EXPECT_OUT("identical", "\nresult: ok, 7 lines: reproduced exactly\n");
    expect_row("identical", "active_gap", "gap active best_val_loss", " ok");
    expect_row("identical", "gap_trajectory", "verdict", " ok");

    /* beyond the 12 digits the files keep, a difference is no difference */
    now_b.protocols[0].items[0].per_seed[1] += 1e-15;
    rc = compare();
    EXPECT(rc == 0, "a move beyond the kept digits: %d failures", rc);

    /* within every tolerance, but a value moved at the same commit */
    now_b.protocols[0].items[0].per_seed[1] = 0.050000001;
    rc = compare();
    EXPECT(rc == 1, "a per-seed move at the same commit: %d failures", rc);
    expect_row("not exact", "active_gap", "gap active best_val_loss", " NOT EXACT");
    EXPECT_OUT("not exact", "\n    NOT reproduced exactly: seed 2 0.05 → 0.050000001\n");
    EXPECT_OUT("not exact", "\nresult: FAIL: NOT reproduced exactly: 1 value differs at the same "
               "commit on the same machine\n");
}

/* Another commit or machine: a move within tolerance passes, not as exact. */
static void test_within_tolerance(void)
{
    make_baseline(&old_b, C1);
    make_baseline(&now_b, C2);
    now_b.protocols[0].items[0].mean += 0.004;
    now_b.protocols[0].items[0].per_seed[0] += 0.012;
    /* a model's tolerance is its own: 0.015 is beyond a gap's, within a model's */
    now_b.protocols[0].items[2].mean += 0.015;
    int rc = compare();
    EXPECT(rc == 0, "within tolerance: %d failures", rc);
    EXPECT_OUT("other commit", "same machine, commit differs");
    EXPECT_OUT("other commit", "\nresult: ok, 7 lines: within tolerance\n");
    EXPECT_NOT_OUT("other commit", "reproduced exactly");
    expect_row("other commit", "active_gap", "gap active best_val_loss", "+0.0040   0.0100  ok");
    expect_row("other commit", "active_gap", "model moe4 best loss", "+0.0150   0.0200  ok");

    make_baseline(&now_b, C1);
    snprintf(now_b.machine.core, sizeof now_b.machine.core, "Cooperlake");
    now_b.protocols[1].items[1].mean -= 0.009;
    rc = compare();
    EXPECT(rc == 0, "other machine: %d failures", rc);
    EXPECT_OUT("other machine", "machine differs (baseline: OpenBLAS core Haswell, "
               "OPENBLAS_CORETYPE unset, 1 thread (OpenBLAS 0.3.21; gcc 12.2.0); now: OpenBLAS "
               "core Cooperlake");
    EXPECT_OUT("other machine", "\nresult: ok, 7 lines: within tolerance\n");

    make_baseline(&now_b, C1);
    now_b.dirty = 1;
    now_b.protocols[0].items[0].per_seed[1] += 0.001;
    rc = compare();
    EXPECT(rc == 0, "dirty tree: %d failures", rc);
    EXPECT_OUT("dirty tree", "same machine, but a commit is mixed or not clean");
}

static void test_regressions(void)
{
    make_baseline(&old_b, C1);
    make_baseline(&now_b, C2);
    now_b.protocols[1].items[0].mean += 0.02;
    int rc = compare();
    EXPECT(rc == 1, "gap beyond tolerance: %d failures", rc);
    expect_row("gap moved", "gap_trajectory", "gap active slope",
               "0.0020 → 0.0220       → +0.0200   0.0100  REGRESSION");
    EXPECT_OUT("gap moved", "\nresult: FAIL: 1 REGRESSION of 7 lines\n");

    make_baseline(&now_b, C1);
    snprintf(now_b.protocols[0].verdict, sizeof now_b.protocols[0].verdict, "INCONCLUSIVE");
    rc = compare();
    EXPECT(rc == 1, "verdict flip: %d failures", rc);
    expect_row("verdict flip", "active_gap", "verdict",
               "PASS → INCONCLUSIVE → flip              REGRESSION (the claim's status changed)");
    EXPECT_OUT("verdict flip", "\nresult: FAIL: 1 REGRESSION of 7 lines\n");

    /* other seeds: one line says why, and no number is compared */
    make_baseline(&now_b, C1);
    now_b.protocols[0].seeds[2] = 4;
    now_b.protocols[0].items[0].mean += 1; /* would regress, were it compared */
    rc = compare();
    EXPECT(rc == 1, "other seeds: %d failures", rc);
    expect_row("other seeds", "active_gap", "seeds",
               "1,2,3 → 1,2,4        → differ            REGRESSION (other seeds than the "
               "baseline's: not comparable)");
    EXPECT_OUT("other seeds", "\n    active_gap: the results are over seeds 1,2,4, the baseline "
               "over seeds 1,2,3; its gaps and models are not compared");
    EXPECT_NOT_OUT("other seeds", "active_gap      gap active");
    EXPECT_OUT("other seeds", "\nresult: FAIL: 1 REGRESSION of 5 lines; the seeds of 1 protocol "
               "differ from the baseline's, so it is not compared\n");

    /* a result missing now, an item on one side only */
    make_baseline(&now_b, C1);
    baseline_protocol *p = &now_b.protocols[0];
    p->present = 0;
    snprintf(p->missing, sizeof p->missing, "paper/results/active_gap.json");
    p = &now_b.protocols[1];
    p->items[1] = p->items[0];
    snprintf(p->items[1].name, sizeof p->items[1].name, "total");
    rc = compare();
    EXPECT(rc == 3, "missing and extra: %d failures", rc);
    expect_row("missing result", "active_gap", "result", "REGRESSION (no result now)");
    EXPECT_OUT("missing result", "\n    paper/results/active_gap.json: no such file\n");
    expect_row("item missing", "gap_trajectory", "gap active final", "REGRESSION (missing now)");
    expect_row("item added", "gap_trajectory", "gap total slope",
               "REGRESSION (not in the baseline: accept a new one)");
    EXPECT_OUT("missing and extra", "\nresult: FAIL: 3 REGRESSIONS of 5 lines\n");
}

int main(void)
{
    test_exact();
    test_within_tolerance();
    test_regressions();
    return test_summary("test_baseline_compare");
}
