/* Which accepted baseline a comparison reads (baseline_choose,
 * lib/baseline/baseline_choose.c): one baseline per OpenBLAS kernel set,
 * since MoE results differ across sets; Zen and Haswell compute alike.
 * Each case writes real baseline files and reads them back, so a choice by
 * anything but the recorded core type (the order given, the file name)
 * fails here. */
#include "baseline/baseline.h"
#include "util/error.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static baseline b, now, got; /* large: not on the stack */

/* A minimal valid baseline of one protocol, on OpenBLAS core `core`, told
 * apart by its gap's mean. */
static void write_baseline(const char *path, const char *core, double mean)
{
    memset(&b, 0, sizeof b);
    snprintf(b.tier, sizeof b.tier, "ci");
    snprintf(b.commit, sizeof b.commit, "0123456789abcdef0123456789abcdef01234567");
    snprintf(b.date, sizeof b.date, "2026-12-01T00:00:00Z");
    snprintf(b.machine.core, sizeof b.machine.core, "%s", core);
    snprintf(b.machine.coretype_env, sizeof b.machine.coretype_env, "%s", core);
    b.machine.threads = 1;
    snprintf(b.machine.openblas, sizeof b.machine.openblas, "OpenBLAS 0.3.21");
    snprintf(b.machine.compiler, sizeof b.machine.compiler, "gcc 12.2.0");
    b.gap_tolerance = 0.02;
    b.loss_tolerance = 0.02;
    snprintf(b.tolerance_reason, sizeof b.tolerance_reason, "test");
    baseline_protocol *p = &b.protocols[b.n_protocols++];
    snprintf(p->name, sizeof p->name, "active_gap");
    snprintf(p->verdict, sizeof p->verdict, "PASS");
    p->present = 1;
    p->n_seeds = 2;
    p->seeds[0] = 1, p->seeds[1] = 2;
    baseline_item *it = &p->items[p->n_items++];
    it->kind = BASELINE_GAP;
    snprintf(it->name, sizeof it->name, "active");
    snprintf(it->stat, sizeof it->stat, "best_val_loss_gap");
    it->mean = mean;
    it->per_seed[0] = it->per_seed[1] = mean;
    it->mde = 0.01;
    if (baseline_write(&b, path) != MG_OK) {
        fprintf(stderr, "FAIL: cannot write %s: %s\n", path, error_message());
        exit(1);
    }
}

/* The file chosen for results of core `core` among paths, and its mean. */
static void expect_choice(const char *core, const char *const *paths, int n, const char *want,
                          double want_mean)
{
    memset(&now, 0, sizeof now);
    snprintf(now.machine.core, sizeof now.machine.core, "%s", core);
    const char *chosen = NULL;
    int rc = baseline_choose(&now, &got, paths, n, &chosen);
    EXPECT(rc == MG_OK, "%s: %s", core, error_message());
    if (rc)
        return;
    EXPECT(chosen && strcmp(chosen, want) == 0, "results of core %s: chose %s, expected %s", core,
           chosen ? chosen : "(none)", want);
    double mean = got.protocols[0].items[0].mean;
    EXPECT(mean == want_mean, "results of core %s: read a baseline of mean %g, expected %g (%s)",
           core, mean, want_mean, want);
}

int main(void)
{
    const char *dir = test_dir("baseline_choose");
    char cooper[600], haswell[600], missing[600];
    snprintf(cooper, sizeof cooper, "%s/baseline-ci.json", dir);
    snprintf(haswell, sizeof haswell, "%s/baseline-ci-haswell.json", dir);
    snprintf(missing, sizeof missing, "%s/nope.json", dir);
    write_baseline(cooper, "Cooperlake", 0.035);
    write_baseline(haswell, "Haswell", 0.033);
    const char *both[] = {cooper, haswell}, *reversed[] = {haswell, cooper};

    expect_choice("Cooperlake", both, 2, cooper, 0.035);
    expect_choice("Haswell", both, 2, haswell, 0.033);
    /* Zen is built from Haswell's kernels */
    expect_choice("Zen", both, 2, haswell, 0.033);
    expect_choice("Zen", reversed, 2, haswell, 0.033);
    /* no baseline of the set: the first given, read again whole */
    expect_choice("SkylakeX", both, 2, cooper, 0.035);
    expect_choice("SkylakeX", reversed, 2, haswell, 0.033);
    expect_choice("Cooperlake", (const char *const[]){cooper}, 1, cooper, 0.035);

    EXPECT(strcmp(baseline_kernel_set("Zen"), "Haswell") == 0, "Zen computes as Haswell");
    EXPECT(strcmp(baseline_kernel_set("Cooperlake"), "Cooperlake") == 0, "Cooperlake is its own");

    /* an unreadable file is an error naming it, wherever it stands */
    const char *with_missing[] = {haswell, missing};
    const char *chosen = NULL;
    memset(&now, 0, sizeof now);
    snprintf(now.machine.core, sizeof now.machine.core, "Cooperlake");
    EXPECT(baseline_choose(&now, &got, with_missing, 2, &chosen) != MG_OK,
           "a missing second baseline is not an error");
    EXPECT(chosen && strcmp(chosen, missing) == 0, "the error names %s, not the missing file",
           chosen ? chosen : "(none)");
    EXPECT(strstr(error_message(), "nope.json") != NULL, "message lacks the file: %s",
           error_message());
    return test_summary("baseline_choose");
}
