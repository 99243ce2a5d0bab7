/* The nightly comparison table: new results against the accepted baseline. */
#include "baseline/baseline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The significant digits the result and baseline files keep (jsonio_write):
 * "exactly" means equal to every digit kept. Comparing the text rather than
 * the doubles keeps that true should the result files ever keep more. */
enum { KEPT_DIGITS = 12 };

static int same_digits(double a, double b)
{
    char x[40], y[40];
    snprintf(x, sizeof x, "%.*g", KEPT_DIGITS, a);
    snprintf(y, sizeof y, "%.*g", KEPT_DIGITS, b);
    return strcmp(x, y) == 0;
}

typedef struct {
    FILE *f;
    const baseline *old;
    int exact;       /* same clean commit, same machine: nothing may move */
    int regressions; /* lines that fail */
    int inexact;     /* values that moved where nothing may move */
    int compared;    /* lines compared */
    int seeds_differ; /* protocols whose seeds are not the baseline's */
} comparison;

static void row(comparison *c, const char *name, const char *item, const char *old,
                const char *now, const char *change, const char *tol, const char *status)
{
    fprintf(c->f, "%-15s %-38s %12s → %-12s → %-9s %-7s %s\n", name, item, old, now, change,
            tol, status);
    c->compared++;
}

static void row_header(FILE *f)
{
    fprintf(f, "%-15s %-38s %12s   %-12s   %-9s %-7s %s\n", "protocol", "item", "old", "new",
            "change", "tol", "status");
}

static void item_label(char *dst, size_t cap, const baseline_item *it)
{
    if (it->kind == BASELINE_MODEL)
        snprintf(dst, cap, "model %s best loss", it->name);
    else
        snprintf(dst, cap, "gap %s %s", it->name, it->stat);
}

static const baseline_item *find_item(const baseline_protocol *p, const baseline_item *it)
{
    for (int i = 0; i < p->n_items; i++)
        if (p->items[i].kind == it->kind && strcmp(p->items[i].name, it->name) == 0 &&
            strcmp(p->items[i].stat, it->stat) == 0)
            return &p->items[i];
    return NULL;
}

static const baseline_protocol *find_protocol(const baseline *b, const char *name)
{
    for (int i = 0; i < b->n_protocols; i++)
        if (strcmp(b->protocols[i].name, name) == 0)
            return &b->protocols[i];
    return NULL;
}

static void seeds_text(char *dst, size_t cap, const baseline_protocol *p)
{
    size_t n = 0;
    dst[0] = '\0';
    for (size_t s = 0; s < p->n_seeds && n < cap; s++)
        n += (size_t)snprintf(dst + n, cap - n, "%s%d", s ? "," : "", p->seeds[s]);
}

static int same_seeds(const baseline_protocol *a, const baseline_protocol *b)
{
    return a->n_seeds == b->n_seeds &&
           memcmp(a->seeds, b->seeds, a->n_seeds * sizeof *a->seeds) == 0;
}

/* At the same commit and machine every per-seed value and the mean must be
 * what was accepted; lists the ones that are not. */
static int exact_misses(comparison *c, const baseline_item *o, const baseline_item *n,
                        const baseline_protocol *p, int list)
{
    int misses = !same_digits(o->mean, n->mean);
    if (list && misses)
        fprintf(c->f, "    NOT reproduced exactly: mean %.*g → %.*g\n", KEPT_DIGITS, o->mean,
                KEPT_DIGITS, n->mean);
    for (size_t s = 0; s < p->n_seeds; s++)
        if (!same_digits(o->per_seed[s], n->per_seed[s])) {
            misses++;
            if (list)
                fprintf(c->f, "    NOT reproduced exactly: seed %d %.*g → %.*g\n", p->seeds[s],
                        KEPT_DIGITS, o->per_seed[s], KEPT_DIGITS, n->per_seed[s]);
        }
    return misses;
}

static void compare_item(comparison *c, const baseline_protocol *p, const baseline_item *o,
                         const baseline_item *n)
{
    char label[160], old_s[32], new_s[32], change[32], tol_s[32];
    item_label(label, sizeof label, o);
    double tol = o->kind == BASELINE_GAP ? c->old->gap_tolerance : c->old->loss_tolerance;
    snprintf(old_s, sizeof old_s, "%.4f", o->mean);
    snprintf(tol_s, sizeof tol_s, "%.4f", tol);
    if (!n) {
        row(c, p->name, label, old_s, "missing", "", tol_s, "REGRESSION (missing now)");
        c->regressions++;
        return;
    }
    double d = n->mean - o->mean;
    snprintf(new_s, sizeof new_s, "%.4f", n->mean);
    /* a move too small for four decimals still shows, as it may matter */
    snprintf(change, sizeof change, d != 0 && fabs(d) < 5e-5 ? "%+.1e" : "%+.4f", d);
    if (fabs(d) > tol) {
        row(c, p->name, label, old_s, new_s, change, tol_s, "REGRESSION");
        c->regressions++;
        return;
    }
    if (c->exact && exact_misses(c, o, n, p, 0)) {
        row(c, p->name, label, old_s, new_s, change, tol_s, "NOT EXACT");
        c->inexact += exact_misses(c, o, n, p, 1);
        return;
    }
    row(c, p->name, label, old_s, new_s, change, tol_s, "ok");
}

static void compare_protocol(comparison *c, const baseline_protocol *o,
                             const baseline_protocol *n)
{
    int flip = strcmp(o->verdict, n->verdict) != 0;
    row(c, o->name, "verdict", o->verdict, n->verdict, flip ? "flip" : "same", "",
        flip ? "REGRESSION (the claim's status changed)" : "ok");
    c->regressions += flip;
    if (!same_seeds(o, n)) {
        /* a mean over other seeds is another number: nothing is compared,
         * rather than a move per item that only the seeds explain */
        char a[256], b[256];
        seeds_text(a, sizeof a, o);
        seeds_text(b, sizeof b, n);
        row(c, o->name, "seeds", a, b, "differ", "", "REGRESSION (other seeds than the "
            "baseline's: not comparable)");
        fprintf(c->f, "    %s: the results are over seeds %s, the baseline over seeds %s; "
                "its gaps and models are not compared (configure the tier's seeds, or accept "
                "a baseline over these)\n", o->name, b, a);
        c->regressions++;
        c->seeds_differ++;
        return;
    }
    for (int i = 0; i < o->n_items; i++)
        compare_item(c, o, &o->items[i], find_item(n, &o->items[i]));
    for (int i = 0; i < n->n_items; i++)
        if (!find_item(o, &n->items[i])) {
            char label[160], new_s[32];
            item_label(label, sizeof label, &n->items[i]);
            snprintf(new_s, sizeof new_s, "%.4f", n->items[i].mean);
            row(c, n->name, label, "absent", new_s, "", "",
                "REGRESSION (not in the baseline: accept a new one)");
            c->regressions++;
        }
}

void baseline_machine_text(char *dst, size_t cap, const baseline_machine *m)
{
    char env[96];
    if (m->coretype_env[0])
        snprintf(env, sizeof env, "OPENBLAS_CORETYPE=%s", m->coretype_env);
    else
        snprintf(env, sizeof env, "OPENBLAS_CORETYPE unset");
    snprintf(dst, cap, "OpenBLAS core %s, %s, %lld thread%s (%s; %s)", m->core, env, m->threads,
             m->threads == 1 ? "" : "s", m->openblas, m->compiler);
}

static void commit_text(char *dst, size_t cap, const baseline *b)
{
    snprintf(dst, cap, "%s (%s)", b->commit[0] ? b->commit : "several commits",
             b->dirty ? "dirty or not a git tree" : "clean");
}

int baseline_same_machine(const baseline_machine *a, const baseline_machine *b)
{
    return strcmp(a->core, b->core) == 0 && strcmp(a->coretype_env, b->coretype_env) == 0 &&
           a->threads == b->threads && strcmp(a->openblas, b->openblas) == 0 &&
           strcmp(a->compiler, b->compiler) == 0;
}

/* Says what is compared with what, and decides whether nothing may move. */
static void context(comparison *c, const baseline *old, const baseline *now)
{
    char om[768], nm[768], oc[128], nc[128];
    baseline_machine_text(om, sizeof om, &old->machine);
    baseline_machine_text(nm, sizeof nm, &now->machine);
    commit_text(oc, sizeof oc, old);
    commit_text(nc, sizeof nc, now);
    fprintf(c->f, "baseline: %s: tier %s, accepted %s, commit %s\n", old->path, old->tier,
            old->date, oc);
    fprintf(c->f, "          %s\n", om);
    if (!now->tier[0]) {
        /* no result, so no run was read: nothing to say about code or machine */
        fprintf(c->f, "now:      no results\n\n");
        row_header(c->f);
        return;
    }
    fprintf(c->f, "now:      tier %s, commit %s\n", now->tier, nc);
    fprintf(c->f, "          %s\n", nm);
    int commit_pinned = old->commit[0] && !old->dirty && now->commit[0] && !now->dirty;
    if (!baseline_same_machine(&old->machine, &now->machine))
        fprintf(c->f, "machine differs (baseline: %s; now: %s): comparing within tolerance\n",
                om, nm);
    else if (!commit_pinned)
        fprintf(c->f, "same machine, but a commit is mixed or not clean (baseline: %s; now: "
                "%s): comparing within tolerance\n", oc, nc);
    else if (strcmp(old->commit, now->commit) != 0)
        fprintf(c->f, "same machine, commit differs (baseline: %s; now: %s): comparing within "
                "tolerance\n", old->commit, now->commit);
    else {
        fprintf(c->f, "same commit and machine: every value must reproduce exactly (runs are "
                "deterministic)\n");
        c->exact = 1;
    }
    fprintf(c->f, "tolerance: %.4f nats for a gap's mean, %.4f for a model's mean best loss "
            "(%s)\n\n", old->gap_tolerance, old->loss_tolerance, old->path);
    row_header(c->f);
}

int baseline_compare(const baseline *old, const baseline *now, FILE *f)
{
    comparison c = {.f = f, .old = old};
    context(&c, old, now);
    for (int i = 0; i < old->n_protocols; i++) {
        const baseline_protocol *o = &old->protocols[i];
        const baseline_protocol *n = find_protocol(now, o->name);
        if (n && n->present) {
            compare_protocol(&c, o, n);
            continue;
        }
        row(&c, o->name, "result", "present", n ? "missing" : "no protocol", "", "",
            "REGRESSION (no result now)");
        if (n)
            fprintf(f, "    %s: no such file\n", n->missing);
        c.regressions++;
    }
    for (int i = 0; i < now->n_protocols; i++)
        if (!find_protocol(old, now->protocols[i].name)) {
            row(&c, now->protocols[i].name, "result", "absent",
                now->protocols[i].present ? "present" : "missing", "", "",
                "REGRESSION (not in the baseline: accept a new one)");
            c.regressions++;
        }

    fprintf(f, "\n");
    if (!c.regressions && !c.inexact) {
        fprintf(f, "result: ok, %d lines: %s\n", c.compared,
                c.exact ? "reproduced exactly" : "within tolerance");
        return 0;
    }
    fprintf(f, "result: FAIL:");
    if (c.regressions)
        fprintf(f, " %d REGRESSION%s of %d lines%s", c.regressions,
                c.regressions == 1 ? "" : "S", c.compared, c.inexact ? ";" : "");
    if (c.inexact)
        fprintf(f, " NOT reproduced exactly: %d value%s differ%s at the same commit on the same "
                "machine", c.inexact, c.inexact == 1 ? "" : "s", c.inexact == 1 ? "s" : "");
    if (c.seeds_differ)
        fprintf(f, "; the seeds of %d protocol%s differ from the baseline's, so %s not compared",
                c.seeds_differ, c.seeds_differ == 1 ? "" : "s",
                c.seeds_differ == 1 ? "it is" : "they are");
    fprintf(f, "\n");
    return c.regressions + c.inexact;
}

void baseline_print(const baseline *b, FILE *f)
{
    char m[768], cm[128];
    baseline_machine_text(m, sizeof m, &b->machine);
    commit_text(cm, sizeof cm, b);
    fprintf(f, "tier %s, commit %s, date %s\n%s\n", b->tier, cm, b->date, m);
    fprintf(f, "tolerance: %.4f nats for a gap's mean, %.4f for a model's mean best loss\n",
            b->gap_tolerance, b->loss_tolerance);
    for (int i = 0; i < b->n_protocols; i++) {
        const baseline_protocol *p = &b->protocols[i];
        char seeds[256];
        seeds_text(seeds, sizeof seeds, p);
        fprintf(f, "%-15s verdict %s, seeds %s\n", p->name, p->verdict, seeds);
        for (int k = 0; k < p->n_items; k++) {
            char label[160];
            item_label(label, sizeof label, &p->items[k]);
            fprintf(f, "  %-38s mean %.6f, per seed", label, p->items[k].mean);
            for (size_t s = 0; s < p->n_seeds; s++)
                fprintf(f, " %.6f", p->items[k].per_seed[s]);
            fprintf(f, "\n");
        }
    }
}
