/* Reading a check's result file back, field by field in the order
 * check_report_json writes them (claims/check_report.c): a field it writes
 * is a field read here, so a change to one shows as a change to the other
 * (tests/claims/test_check_result_read.c writes with check_write and reads
 * with this). */
#include "claims/check_result_read.h"
#include "train/rundir.h"
#include "runs/runname.h"
#include "runs/tier.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/jsonread.h"
#include "util/sha256.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "file: place.key: " + what, as jsonread's own messages are, for the
 * checks jsonread has no reader for (a sign, a verdict, cross-field
 * agreement). key NULL: the place itself. */
static int bad(const jsonread_place *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(const jsonread_place *p, const char *key, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *sep = p->path[0] && key ? "." : "";
    return error_set(MG_EFORMAT, "%s: %s%s%s: %s", p->file, p->path, sep, key ? key : "", what);
}

/* jsonread_load names the file as opened; the caller's messages name it
 * as `shown` (relative to the folder its reader knows), so the name is
 * replaced at the head of the message. */
static int load(const char *path, const char *shown, json_t **root)
{
    int rc = jsonread_load(path, root);
    size_t n = strlen(path);
    if (rc && strcmp(path, shown) != 0 && strncmp(error_message(), path, n) == 0) {
        char rest[1024];
        snprintf(rest, sizeof rest, "%s", error_message() + n);
        error_set(rc, "%s%s", shown, rest);
    }
    return rc;
}

static int read_sign(const jsonread_place *p, json_t *obj, const char *key, protocol_sign *out)
{
    char s[16];
    int rc = jsonread_string(p, obj, key, s, sizeof s);
    if (rc)
        return rc;
    static const protocol_sign signs[] = {SIGN_POSITIVE, SIGN_NEGATIVE, SIGN_NONE};
    for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++)
        if (strcmp(s, protocol_sign_name(signs[i])) == 0) {
            *out = signs[i];
            return MG_OK;
        }
    return bad(p, key, "'%s': expected positive, negative or none", s);
}

/* A verdict; a test's may also be "-" (VERDICT_NONE: reported, no claim),
 * the check's may not. */
static int read_verdict(const jsonread_place *p, json_t *obj, const char *key, int none_ok,
                        check_verdict *out)
{
    char s[32];
    int rc = jsonread_string(p, obj, key, s, sizeof s);
    if (rc)
        return rc;
    if (none_ok && strcmp(s, check_verdict_name(VERDICT_NONE)) == 0) {
        *out = VERDICT_NONE;
        return MG_OK;
    }
    rc = check_verdict_parse(s, out);
    return rc ? error_prefix(rc, "%s: %s%s%s: ", p->file, p->path, p->path[0] ? "." : "", key)
              : MG_OK;
}

/* A per-step series: exactly n finite numbers, malloc'ed into *out. */
static int read_series(const jsonread_place *p, json_t *obj, const char *key, size_t n,
                       double **out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_array(v) || json_array_size(v) != n)
        return bad(p, key, "expected an array of %zu finite numbers (one per evaluation step)", n);
    *out = malloc(n * sizeof **out);
    if (!*out)
        return error_set(MG_ENOMEM, "%s: out of memory", p->file);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_number(x) || !isfinite(json_number_value(x)))
            return bad(p, key, "expected an array of %zu finite numbers (one per evaluation "
                       "step)", n);
        (*out)[i] = json_number_value(x);
    }
    return MG_OK;
}

/* null, or a row of reference/paper.tsv: its fields as reference_load
 * holds them (non-empty texts, finite numbers, a positive seed count). */
static int read_paper(const jsonread_place *p, json_t *obj, const char *key,
                      check_result_file_paper *out)
{
    memset(out, 0, sizeof *out);
    json_t *v = json_object_get(obj, key);
    if (json_is_null(v))
        return MG_OK;
    int rc = jsonread_object(p, obj, key, &v);
    jsonread_place at = jsonread_place_child(p, key);
    long long n = 0;
    if (!rc)
        rc = jsonread_string(&at, v, "name", out->name, sizeof out->name);
    if (!rc)
        rc = jsonread_number(&at, v, "mean", &out->mean);
    if (!rc)
        rc = jsonread_number(&at, v, "std", &out->sd);
    if (!rc)
        rc = jsonread_integer(&at, v, "n_seeds", 1, 1000000, &n);
    if (!rc)
        rc = jsonread_string(&at, v, "favours", out->favours, sizeof out->favours);
    if (!rc)
        rc = jsonread_string(&at, v, "source", out->source, sizeof out->source);
    out->n_seeds = (int)n;
    out->present = !rc;
    return rc;
}

/* One test object, as jtest writes it: over n_seeds seeds. The caller
 * sets t->present (the test is read, or was not written). */
static int read_test(const jsonread_place *p, json_t *obj, const char *key, int n_seeds,
                     check_result_file_test *t)
{
    memset(t, 0, sizeof *t);
    t->t = t->mde = t->power = NAN;
    json_t *j = NULL;
    int rc = jsonread_object(p, obj, key, &j);
    jsonread_place at = jsonread_place_child(p, key);
    long long df = 0;
    if (!rc)
        rc = jsonread_numbers(&at, j, "per_seed", t->per_seed, (size_t)n_seeds);
    if (!rc)
        rc = read_sign(&at, j, "claim", &t->claim);
    if (!rc)
        rc = jsonread_boolean(&at, j, "gate", &t->gate);
    if (!rc)
        rc = jsonread_number(&at, j, "mean", &t->mean);
    if (!rc)
        rc = jsonread_number(&at, j, "std", &t->sd);
    if (!rc)
        rc = jsonread_integer(&at, j, "df", n_seeds - 1, n_seeds - 1, &df);
    if (!rc)
        rc = jsonread_number_or_null(&at, j, "t", &t->t);
    if (!rc)
        rc = jsonread_number(&at, j, "p_greater", &t->p_greater);
    if (!rc)
        rc = jsonread_number(&at, j, "p_less", &t->p_less);
    if (!rc)
        rc = read_verdict(&at, j, "verdict", 1, &t->verdict);
    /* a claim decides a verdict, and only a claim does */
    if (!rc && (t->claim == SIGN_NONE) != (t->verdict == VERDICT_NONE))
        rc = bad(&at, "verdict", "'%s' with claim %s", check_verdict_name(t->verdict),
                 protocol_sign_name(t->claim));
    if (!rc)
        rc = jsonread_number(&at, j, "ci_level", &t->ci_level);
    json_t *ci = json_object_get(j, "ci");
    if (!rc && (!json_is_array(ci) || json_array_size(ci) != 2 ||
                !json_is_number(json_array_get(ci, 0)) || !json_is_number(json_array_get(ci, 1)) ||
                !isfinite(json_number_value(json_array_get(ci, 0))) ||
                !isfinite(json_number_value(json_array_get(ci, 1)))))
        rc = bad(&at, "ci", "expected an array of 2 finite numbers (the interval's ends)");
    if (!rc) {
        t->ci_lo = json_number_value(json_array_get(ci, 0));
        t->ci_hi = json_number_value(json_array_get(ci, 1));
        rc = jsonread_number_or_null(&at, j, "mde", &t->mde);
    }
    t->df = (int)df;
    if (rc || t->verdict != VERDICT_INCONCLUSIVE)
        return rc;
    json_t *needed = json_object_get(j, "seeds_needed");
    long long k = 0;
    if (!json_is_null(needed))
        rc = jsonread_integer(&at, j, "seeds_needed", 2, STATS_SEEDS_MAX, &k);
    t->seeds_needed = (size_t)k;
    if (!rc)
        rc = read_sign(&at, j, "seeds_needed_toward", &t->needed_sign);
    if (!rc)
        rc = jsonread_number(&at, j, "power", &t->power);
    return rc;
}

/* A key of "models" or "gaps" becomes a fixed-size name: one too long
 * would be cut and then match nothing, so it is refused. */
static int name_fits(const jsonread_place *p, const char *key)
{
    if (strlen(key) >= PROTOCOL_NAME_MAX)
        return bad(p, key, "a name of %d characters at most", PROTOCOL_NAME_MAX - 1);
    return MG_OK;
}

static int read_runs_used(check_result_file *f, const jsonread_place *p, json_t *root)
{
    json_t *used = json_object_get(root, "runs_used");
    f->has_runs_used = used != NULL;
    if (!used)
        return MG_OK;
    const size_t max = (size_t)PROTOCOL_MAX_MODELS * PROTOCOL_MAX_SEEDS;
    if (!json_is_array(used) || json_array_size(used) > max)
        return bad(p, "runs_used", "expected an array of at most %zu runs", max);
    f->runs_used = calloc(json_array_size(used) + 1, sizeof *f->runs_used);
    if (!f->runs_used)
        return error_set(MG_ENOMEM, "%s: out of memory", f->path);
    jsonread_place used_at = jsonread_place_child(p, "runs_used");
    for (size_t i = 0; i < json_array_size(used); i++) {
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        jsonread_place at = jsonread_place_child(&used_at, idx);
        json_t *e = json_array_get(used, i);
        check_result_file_run *u = &f->runs_used[f->n_runs_used++];
        long long seed = 0;
        if (!json_is_object(e))
            return bad(&used_at, idx, "not an object");
        int rc = jsonread_string(&at, e, "model", u->model, sizeof u->model);
        if (!rc)
            rc = jsonread_integer(&at, e, "seed", 1, TIER_SEED_MAX, &seed);
        if (!rc)
            rc = jsonread_string(&at, e, "run", u->run, sizeof u->run);
        if (!rc)
            rc = jsonread_string(&at, e, "summary_sha256", u->summary_sha256,
                                 sizeof u->summary_sha256);
        if (!rc && (strlen(u->summary_sha256) != 64 ||
                    strspn(u->summary_sha256, "0123456789abcdef") != 64))
            rc = bad(&at, "summary_sha256", "expected 64 lower-case hex digits");
        if (rc)
            return rc;
        u->seed = (int)seed;
    }
    return MG_OK;
}

static int read_models(check_result_file *f, const jsonread_place *p, json_t *root)
{
    json_t *models = NULL, *v;
    const char *key;
    int rc = jsonread_object(p, root, "models", &models);
    jsonread_place at = jsonread_place_child(p, "models");
    if (!rc && json_object_size(models) == 0)
        rc = bad(p, "models", "empty");
    json_object_foreach(models, key, v) {
        if (rc)
            break;
        if (f->n_models == PROTOCOL_MAX_MODELS) {
            rc = bad(p, "models", "more than %d models", PROTOCOL_MAX_MODELS);
            break;
        }
        if ((rc = name_fits(&at, key)))
            break;
        check_result_file_model *m = &f->models[f->n_models++];
        snprintf(m->name, sizeof m->name, "%s", key);
        json_t *obj = NULL;
        jsonread_place m_at = jsonread_place_child(&at, key);
        long long n = 0;
        rc = jsonread_object(&at, models, key, &obj);
        if (!rc)
            rc = jsonread_integer(&m_at, obj, "params_active", 1, INT64_MAX, &m->params_active);
        if (!rc)
            rc = jsonread_integer(&m_at, obj, "params_total", 1, INT64_MAX, &m->params_total);
        if (!rc)
            rc = jsonread_integer(&m_at, obj, "n", f->n_seeds, f->n_seeds, &n);
        if (!rc)
            rc = jsonread_numbers(&m_at, obj, "best_val_loss", m->best, (size_t)f->n_seeds);
        if (!rc)
            rc = jsonread_number(&m_at, obj, "mean", &m->mean);
        if (!rc)
            rc = jsonread_number(&m_at, obj, "std", &m->sd);
        if (!rc)
            rc = read_paper(&m_at, obj, "paper", &m->paper);
        if (!rc && f->eval_steps)
            rc = read_series(&m_at, obj, "curve_mean", f->n_eval_steps, &m->curve_mean);
        if (!rc && f->eval_steps)
            rc = read_series(&m_at, obj, "curve_std", f->n_eval_steps, &m->curve_sd);
    }
    return rc;
}

/* eval_steps: absent when the runs' evaluation steps differed (then no
 * curves), else 1.. increasing steps. */
static int read_eval_steps(check_result_file *f, const jsonread_place *p, json_t *root)
{
    json_t *v = json_object_get(root, "eval_steps");
    if (!v)
        return MG_OK;
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0)
        return bad(p, "eval_steps", "expected a non-empty array of increasing positive steps");
    f->eval_steps = malloc(n * sizeof *f->eval_steps);
    if (!f->eval_steps)
        return error_set(MG_ENOMEM, "%s: out of memory", f->path);
    f->n_eval_steps = n;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_integer(x) || json_integer_value(x) < 1 ||
            (i && json_integer_value(x) <= f->eval_steps[i - 1]))
            return bad(p, "eval_steps", "expected a non-empty array of increasing positive steps");
        f->eval_steps[i] = json_integer_value(x);
    }
    return MG_OK;
}

static int is_model(const check_result_file *f, const char *name)
{
    return check_result_file_model_named(f, name) != NULL;
}

static int read_gap(check_result_file *f, const jsonread_place *p, json_t *gaps, const char *key,
                    check_result_file_gap *g)
{
    json_t *obj = NULL;
    jsonread_place at = jsonread_place_child(p, key);
    snprintf(g->name, sizeof g->name, "%s", key);
    int rc = jsonread_object(p, gaps, key, &obj);
    if (!rc)
        rc = jsonread_string(&at, obj, "a", g->a, sizeof g->a);
    if (!rc && !is_model(f, g->a))
        rc = bad(&at, "a", "'%s' is none of the file's models", g->a);
    if (!rc)
        rc = jsonread_string(&at, obj, "b", g->b, sizeof g->b);
    if (!rc && !is_model(f, g->b))
        rc = bad(&at, "b", "'%s' is none of the file's models", g->b);
    if (!rc)
        rc = jsonread_boolean(&at, obj, "gate", &g->gate);
    if (!rc)
        rc = read_test(&at, obj, "best_val_loss_gap", f->n_seeds, &g->best);
    g->best.present = !rc;
    if (!rc)
        rc = read_paper(&at, obj, "paper", &g->paper);
    if (!rc && f->eval_steps)
        rc = read_series(&at, obj, "trajectory_mean", f->n_eval_steps, &g->traj_mean);
    if (!rc && f->eval_steps)
        rc = read_series(&at, obj, "trajectory_std", f->n_eval_steps, &g->traj_sd);
    if (rc || f->statistic != STATISTIC_TRAJECTORY)
        return rc;
    rc = read_test(&at, obj, "slope_log_step", f->n_seeds, &g->slope);
    g->slope.present = !rc;
    if (!rc)
        rc = read_test(&at, obj, "final", f->n_seeds, &g->final);
    g->final.present = !rc;
    json_t *early = NULL;
    if (!rc)
        rc = jsonread_object(&at, obj, "early", &early);
    jsonread_place e_at = jsonread_place_child(&at, "early");
    if (!rc)
        rc = jsonread_integer(&e_at, early, "step", 1, INT64_MAX, &g->early_step);
    if (!rc)
        rc = jsonread_number(&e_at, early, "mean", &g->early_mean);
    if (!rc)
        rc = jsonread_number(&e_at, early, "std", &g->early_sd);
    return rc;
}

static int read_gaps(check_result_file *f, const jsonread_place *p, json_t *root)
{
    json_t *gaps = NULL, *v;
    const char *key;
    int rc = jsonread_object(p, root, "gaps", &gaps);
    jsonread_place at = jsonread_place_child(p, "gaps");
    if (!rc && json_object_size(gaps) == 0)
        rc = bad(p, "gaps", "empty");
    json_object_foreach(gaps, key, v) {
        if (rc)
            break;
        if (f->n_gaps == PROTOCOL_MAX_GAPS) {
            rc = bad(p, "gaps", "more than %d gaps", PROTOCOL_MAX_GAPS);
            break;
        }
        if (!(rc = name_fits(&at, key)))
            rc = read_gap(f, &at, gaps, key, &f->gaps[f->n_gaps++]);
    }
    return rc;
}

static int read_seeds(const jsonread_place *p, json_t *root, int *seeds, int *n)
{
    size_t k = 0;
    int rc = jsonread_integers(p, root, "seeds", 1, TIER_SEED_MAX, seeds, PROTOCOL_MAX_SEEDS, &k);
    char why[200];
    if (!rc && !tier_seeds_valid(seeds, (int)k, why, sizeof why))
        rc = bad(p, "seeds", "%s", why);
    *n = (int)k;
    return rc;
}

static int read_root(check_result_file *f, json_t *root)
{
    jsonread_place at = jsonread_place_root(f->path);
    char s[64];
    int rc = jsonread_string(&at, root, "protocol", f->protocol, sizeof f->protocol);
    if (!rc)
        rc = jsonread_string(&at, root, "protocol_file", f->protocol_file,
                             sizeof f->protocol_file);
    if (!rc)
        rc = jsonread_string(&at, root, "claim", f->claim, sizeof f->claim);
    if (!rc)
        rc = jsonread_string(&at, root, "runs", f->runs, sizeof f->runs);
    if (!rc)
        rc = jsonread_string(&at, root, "statistic", s, sizeof s);
    if (!rc) {
        if (strcmp(s, protocol_statistic_name(STATISTIC_BEST_VAL_LOSS)) == 0)
            f->statistic = STATISTIC_BEST_VAL_LOSS;
        else if (strcmp(s, protocol_statistic_name(STATISTIC_TRAJECTORY)) == 0)
            f->statistic = STATISTIC_TRAJECTORY;
        else
            rc = bad(&at, "statistic", "'%s': expected %s or %s", s,
                     protocol_statistic_name(STATISTIC_BEST_VAL_LOSS),
                     protocol_statistic_name(STATISTIC_TRAJECTORY));
    }
    if (!rc)
        rc = jsonread_string(&at, root, "test", s, sizeof s);
    if (!rc && strcmp(s, "paired_t_one_sided") != 0)
        rc = bad(&at, "test", "'%s': expected paired_t_one_sided", s);
    if (!rc)
        rc = jsonread_number(&at, root, "alpha", &f->alpha);
    if (!rc)
        rc = jsonread_number(&at, root, "power", &f->power);
    if (!rc)
        rc = read_seeds(&at, root, f->seeds, &f->n_seeds);
    if (!rc)
        rc = read_runs_used(f, &at, root);
    /* eval_steps before the models: it says whether they have curves */
    if (!rc)
        rc = read_eval_steps(f, &at, root);
    if (!rc)
        rc = read_models(f, &at, root);
    if (!rc)
        rc = read_gaps(f, &at, root);
    if (!rc && f->statistic == STATISTIC_TRAJECTORY) {
        if (!f->eval_steps)
            rc = bad(&at, "eval_steps", "missing (a trajectory's runs share their steps)");
        if (!rc)
            rc = jsonread_integer(&at, root, "steps", 1, INT64_MAX, &f->total_steps);
        if (!rc)
            rc = jsonread_integer(&at, root, "warmup_steps", 0, f->total_steps, &f->warmup_steps);
        if (!rc)
            rc = jsonread_integer(&at, root, "fit_points", 2, (long long)f->n_eval_steps,
                                  &f->fit_points);
    }
    if (!rc)
        rc = read_verdict(&at, root, "verdict", 0, &f->verdict);
    long long status = 0;
    if (!rc)
        rc = jsonread_integer(&at, root, "exit_status", 0, 255, &status);
    f->exit_status = (int)status;
    if (!rc && f->exit_status != check_exit_status(f->verdict))
        rc = bad(&at, "exit_status", "%d, but verdict %s exits %d", f->exit_status,
                 check_verdict_name(f->verdict), check_exit_status(f->verdict));
    return rc;
}

int check_result_file_read(check_result_file *f, const char *path, const char *shown)
{
    memset(f, 0, sizeof *f);
    if (!shown)
        shown = path;
    if (snprintf(f->path, sizeof f->path, "%s", shown) >= (int)sizeof f->path)
        return error_set(MG_EINVAL, "%s: path too long", shown);
    json_t *root = NULL;
    int rc = load(path, f->path, &root);
    if (!rc)
        rc = read_root(f, root);
    json_decref(root);
    return rc;
}

void check_result_file_free(check_result_file *f)
{
    for (int m = 0; m < PROTOCOL_MAX_MODELS; m++) {
        free(f->models[m].curve_mean);
        free(f->models[m].curve_sd);
        f->models[m].curve_mean = f->models[m].curve_sd = NULL;
    }
    for (int g = 0; g < PROTOCOL_MAX_GAPS; g++) {
        free(f->gaps[g].traj_mean);
        free(f->gaps[g].traj_sd);
        f->gaps[g].traj_mean = f->gaps[g].traj_sd = NULL;
    }
    free(f->runs_used);
    free(f->eval_steps);
    f->runs_used = NULL;
    f->eval_steps = NULL;
    f->n_runs_used = f->n_eval_steps = 0;
}

int check_result_file_seeds(const char *path, const char *shown, int *seeds, int *n)
{
    *n = 0;
    if (!shown)
        shown = path;
    json_t *root = NULL;
    int rc = load(path, shown, &root);
    jsonread_place at = jsonread_place_root(shown);
    if (!rc)
        rc = read_seeds(&at, root, seeds, n);
    json_decref(root);
    return rc;
}

const check_result_file_model *check_result_file_model_named(const check_result_file *f,
                                                             const char *name)
{
    for (int m = 0; m < f->n_models; m++)
        if (strcmp(f->models[m].name, name) == 0)
            return &f->models[m];
    return NULL;
}

const check_result_file_gap *check_result_file_gap_named(const check_result_file *f,
                                                         const char *name)
{
    for (int g = 0; g < f->n_gaps; g++)
        if (strcmp(f->gaps[g].name, name) == 0)
            return &f->gaps[g];
    return NULL;
}

int check_result_file_fits(const check_result_file *f, const protocol *p)
{
    if (strcmp(f->protocol, p->name) != 0)
        return error_set(MG_EFORMAT, "%s: protocol: '%s', expected '%s'", f->path, f->protocol,
                         p->name);
    if (f->statistic != p->statistic)
        return error_set(MG_EFORMAT, "%s: statistic: '%s', but the protocol's is '%s'", f->path,
                         protocol_statistic_name(f->statistic),
                         protocol_statistic_name(p->statistic));
    for (int m = 0; m < p->n_models; m++)
        if (!check_result_file_model_named(f, p->models[m]))
            return error_set(MG_EFORMAT, "%s: models.%s: missing (the protocol names this model)",
                             f->path, p->models[m]);
    for (int g = 0; g < p->n_gaps; g++) {
        const protocol_gap *pg = &p->gaps[g];
        const check_result_file_gap *fg = check_result_file_gap_named(f, pg->name);
        if (!fg)
            return error_set(MG_EFORMAT, "%s: gaps.%s: missing (the protocol names this gap)",
                             f->path, pg->name);
        if (strcmp(fg->a, p->models[pg->a]) != 0 || strcmp(fg->b, p->models[pg->b]) != 0)
            return error_set(MG_EFORMAT, "%s: gaps.%s: %s - %s, but the protocol's gap is "
                             "%s - %s", f->path, pg->name, fg->a, fg->b, p->models[pg->a],
                             p->models[pg->b]);
    }
    return MG_OK;
}

static const check_result_file_run *run_used(const check_result_file *f, const char *model,
                                             int seed)
{
    for (size_t i = 0; i < f->n_runs_used; i++)
        if (f->runs_used[i].seed == seed && strcmp(f->runs_used[i].model, model) == 0)
            return &f->runs_used[i];
    return NULL;
}

/* The messages name the run (model and seed, or its summary.json under
 * shown_runs_dir) and how it differs: the result predates runs_used, the
 * check did not use the run, its summary.json cannot be hashed, or both
 * hash prefixes, then (or that none was recorded) and now, so a reader can
 * tell retrained from missing. The report and the baseline show them as they are. */
int check_result_file_fresh(const check_result_file *f, const protocol *p, const char *runs_dir,
                            const char *shown_runs_dir, char *why, size_t n)
{
    if (!f->has_runs_used) {
        snprintf(why, n, "it does not record the runs it used (written before moegap check "
                 "recorded them), so whether they changed since cannot be told");
        return 0;
    }
    for (int m = 0; m < p->n_models; m++)
        for (int s = 0; s < p->n_seeds; s++) {
            const check_result_file_run *u = run_used(f, p->models[m], p->seeds[s]);
            if (!u) {
                snprintf(why, n, "the protocol names %s seed %d, a run the check did not use",
                         p->models[m], p->seeds[s]);
                return 0;
            }
            char dir[FS_PATH_BUF], path[FS_PATH_BUF], now[65];
            if (runname_dir(dir, sizeof dir, runs_dir, p->models[m], p->seeds[s]) != MG_OK ||
                rundir_path(path, sizeof path, dir, RUN_FILE_SUMMARY) != MG_OK ||
                sha256_file(path, now) != MG_OK) {
                snprintf(why, n, "%s seed %d: %s", p->models[m], p->seeds[s], error_message());
                return 0;
            }
            /* check_result_file_read refuses a file without the hash, but a
             * result built in memory may lack it: an empty one matches no
             * summary, yet "changed" would claim what cannot be told */
            int recorded = u->summary_sha256[0] != '\0';
            if (!recorded || strcmp(u->summary_sha256, now) != 0) {
                snprintf(why, n, "%s/%s-s%d/summary.json%s (sha256 %.12s then, %.12s now)",
                         shown_runs_dir, p->models[m], p->seeds[s],
                         recorded ? " changed since the check used it"
                                  : ": whether it changed since the check used it cannot be told",
                         recorded ? u->summary_sha256 : "not recorded", now);
                return 0;
            }
        }
    return 1;
}
