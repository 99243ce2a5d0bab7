/* The baseline file (reference/baseline-<tier>.json): read with every field
 * checked, written atomically. Numbers keep the 12 significant digits of
 * jsonio_write, the precision of the result files they come from, so a value
 * read back is the value read from the result. */
#include "baseline/baseline.h"
#include "util/error.h"

#include "util/jsonio.h"
#include "claims/check.h"
#include "train/provenance.h"
#include "util/jsonread.h"

#include <math.h>
#include <string.h>

static const char what[] =
    "The accepted results of the paper label at this tier, which ci/nightly compares new "
    "results with (moegap baseline; written by ci/nightly --accept).";

static json_t *numbers_json(const double *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(x[i]));
    return a;
}

static json_t *item_json(const baseline_item *it, size_t n_seeds)
{
    json_t *j = json_object();
    json_object_set_new(j, "mean", json_real(it->mean));
    json_object_set_new(j, "per_seed", numbers_json(it->per_seed, n_seeds));
    if (it->kind == BASELINE_GAP)
        json_object_set_new(j, "mde", isfinite(it->mde) ? json_real(it->mde) : json_null());
    return j;
}

static json_t *protocol_json(const baseline_protocol *bp)
{
    json_t *j = json_object(), *seeds = json_array(), *gaps = json_object(),
           *models = json_object();
    json_object_set_new(j, "verdict", json_string(bp->verdict));
    for (size_t s = 0; s < bp->n_seeds; s++)
        json_array_append_new(seeds, json_integer(bp->seeds[s]));
    json_object_set_new(j, "seeds", seeds);
    for (int i = 0; i < bp->n_items; i++) {
        const baseline_item *it = &bp->items[i];
        if (it->kind == BASELINE_MODEL) {
            json_object_set_new(models, it->name, item_json(it, bp->n_seeds));
            continue;
        }
        json_t *gap = json_object_get(gaps, it->name);
        if (!gap) {
            gap = json_object();
            json_object_set_new(gaps, it->name, gap);
        }
        json_object_set_new(gap, it->stat, item_json(it, bp->n_seeds));
    }
    json_object_set_new(j, "gaps", gaps);
    json_object_set_new(j, "models", models);
    return j;
}

int baseline_write(const baseline *b, const char *path)
{
    for (int i = 0; i < b->n_protocols; i++)
        if (!b->protocols[i].present)
            return error_set(MG_EINVAL, "%s: not accepted: no result for protocol %s (%s is "
                             "missing)", path, b->protocols[i].name, b->protocols[i].missing);
    json_t *j = json_object(), *machine = json_object(), *tol = json_object(),
           *protocols = json_object();
    json_object_set_new(j, "what", json_string(what));
    json_object_set_new(j, "tier", json_string(b->tier));
    json_object_set_new(j, "commit", b->commit[0] ? json_string(b->commit) : json_null());
    json_object_set_new(j, "dirty", json_boolean(b->dirty));
    json_object_set_new(j, "date", json_string(b->date));
    json_object_set_new(machine, "openblas_core", json_string(b->machine.core));
    json_object_set_new(machine, "openblas_coretype_env",
                        b->machine.coretype_env[0] ? json_string(b->machine.coretype_env)
                                                   : json_null());
    json_object_set_new(machine, "threads", json_integer(b->machine.threads));
    json_object_set_new(machine, "openblas_config", json_string(b->machine.openblas));
    json_object_set_new(machine, "compiler", json_string(b->machine.compiler));
    json_object_set_new(j, "machine", machine);
    json_object_set_new(tol, "gap_mean", json_real(b->gap_tolerance));
    json_object_set_new(tol, "best_loss_mean", json_real(b->loss_tolerance));
    json_object_set_new(j, "tolerance", tol);
    json_object_set_new(j, "tolerance_reason", json_string(b->tolerance_reason));
    for (int i = 0; i < b->n_protocols; i++)
        json_object_set_new(protocols, b->protocols[i].name, protocol_json(&b->protocols[i]));
    json_object_set_new(j, "protocols", protocols);
    return jsonio_write(path, j);
}

static int read_item(baseline_item *it, const jsonread_place *at, json_t *parent, const char *key,
                     size_t n_seeds)
{
    json_t *obj = NULL;
    int rc = jsonread_object(at, parent, key, &obj);
    jsonread_place it_at = jsonread_place_child(at, key);
    if (!rc)
        rc = jsonread_number(&it_at, obj, "mean", &it->mean);
    if (!rc)
        rc = jsonread_numbers(&it_at, obj, "per_seed", it->per_seed, n_seeds);
    it->mde = NAN;
    if (!rc && it->kind == BASELINE_GAP)
        rc = jsonread_number_or_null(&it_at, obj, "mde", &it->mde);
    return rc;
}

/* Names become fixed-size fields: one too long would be cut and then match
 * nothing, so it is refused. */
static int name_fits(const jsonread_place *at, const char *key)
{
    if (strlen(key) >= PROTOCOL_NAME_MAX)
        return error_set(MG_EFORMAT, "%s: %s.%s: a name of %d characters at most", at->file,
                         at->path, key, PROTOCOL_NAME_MAX - 1);
    return MG_OK;
}

static int full(const jsonread_place *at, const char *key)
{
    return error_set(MG_EFORMAT, "%s: %s.%s: more than %d gap statistics and models",
                     at->file, at->path, key, BASELINE_MAX_ITEMS);
}

static int read_protocol(baseline_protocol *bp, const jsonread_place *at, json_t *obj)
{
    bp->present = 1;
    int rc = jsonread_string(at, obj, "verdict", bp->verdict, sizeof bp->verdict);
    check_verdict verdict;
    if (!rc && (rc = check_verdict_parse(bp->verdict, &verdict)))
        rc = error_prefix(rc, "%s: %s.verdict: ", at->file, at->path);
    if (!rc)
        rc = jsonread_integers(at, obj, "seeds", 0, 1000000000, bp->seeds, PROTOCOL_MAX_SEEDS,
                               &bp->n_seeds);
    json_t *gaps = NULL, *models = NULL, *v;
    const char *key;
    if (!rc)
        rc = jsonread_object(at, obj, "gaps", &gaps);
    jsonread_place gaps_at = jsonread_place_child(at, "gaps");
    json_object_foreach(gaps, key, v) {
        if (rc)
            break;
        json_t *stats = NULL, *sv;
        const char *stat;
        rc = name_fits(&gaps_at, key);
        if (!rc)
            rc = jsonread_object(&gaps_at, gaps, key, &stats);
        jsonread_place gap_at = jsonread_place_child(&gaps_at, key);
        json_object_foreach(stats, stat, sv) {
            if (rc)
                break;
            if (bp->n_items == BASELINE_MAX_ITEMS) {
                rc = full(at, "gaps");
                break;
            }
            rc = name_fits(&gap_at, stat);
            if (rc)
                break;
            baseline_item *it = &bp->items[bp->n_items++];
            it->kind = BASELINE_GAP;
            snprintf(it->name, sizeof it->name, "%s", key);
            snprintf(it->stat, sizeof it->stat, "%s", stat);
            rc = read_item(it, &gap_at, stats, stat, bp->n_seeds);
        }
    }
    if (!rc)
        rc = jsonread_object(at, obj, "models", &models);
    jsonread_place models_at = jsonread_place_child(at, "models");
    json_object_foreach(models, key, v) {
        if (rc)
            break;
        if (bp->n_items == BASELINE_MAX_ITEMS) {
            rc = full(at, "models");
            break;
        }
        if ((rc = name_fits(&models_at, key)))
            break;
        baseline_item *it = &bp->items[bp->n_items++];
        it->kind = BASELINE_MODEL;
        snprintf(it->name, sizeof it->name, "%s", key);
        rc = read_item(it, &models_at, models, key, bp->n_seeds);
    }
    return rc;
}

static int read_root(baseline *b, json_t *root)
{
    jsonread_place at = jsonread_place_root(b->path);
    json_t *machine = NULL, *tol = NULL, *protocols = NULL;
    int rc = jsonread_string(&at, root, "tier", b->tier, sizeof b->tier);
    if (!rc)
        rc = jsonread_string_or_null(&at, root, "commit", b->commit, sizeof b->commit);
    if (!rc)
        rc = jsonread_boolean(&at, root, "dirty", &b->dirty);
    if (!rc)
        rc = jsonread_string(&at, root, "date", b->date, sizeof b->date);
    if (!rc)
        rc = jsonread_object(&at, root, "machine", &machine);
    jsonread_place m_at = jsonread_place_child(&at, "machine");
    if (!rc)
        rc = provenance_machine_read(&b->machine, &m_at, machine);
    if (!rc)
        rc = jsonread_object(&at, root, "tolerance", &tol);
    jsonread_place t_at = jsonread_place_child(&at, "tolerance");
    if (!rc)
        rc = jsonread_number(&t_at, tol, "gap_mean", &b->gap_tolerance);
    if (!rc)
        rc = jsonread_number(&t_at, tol, "best_loss_mean", &b->loss_tolerance);
    if (!rc && !(b->gap_tolerance > 0 && b->loss_tolerance > 0))
        rc = error_set(MG_EFORMAT, "%s: tolerance: gap_mean and best_loss_mean must be > 0",
                       b->path);
    if (!rc)
        rc = jsonread_string(&at, root, "tolerance_reason", b->tolerance_reason,
                             sizeof b->tolerance_reason);
    if (!rc)
        rc = jsonread_object(&at, root, "protocols", &protocols);
    jsonread_place p_at = jsonread_place_child(&at, "protocols");
    const char *key;
    json_t *v;
    json_object_foreach(protocols, key, v) {
        if (rc)
            break;
        if (b->n_protocols == BASELINE_MAX_PROTOCOLS) {
            rc = error_set(MG_EFORMAT, "%s: protocols: more than %d", b->path,
                           BASELINE_MAX_PROTOCOLS);
            break;
        }
        if ((rc = name_fits(&p_at, key)))
            break;
        baseline_protocol *bp = &b->protocols[b->n_protocols++];
        snprintf(bp->name, sizeof bp->name, "%s", key);
        json_t *obj = NULL;
        rc = jsonread_object(&p_at, protocols, key, &obj);
        jsonread_place bp_at = jsonread_place_child(&p_at, key);
        if (!rc)
            rc = read_protocol(bp, &bp_at, obj);
    }
    return rc;
}

int baseline_read(baseline *b, const char *path)
{
    memset(b, 0, sizeof *b);
    if (snprintf(b->path, sizeof b->path, "%s", path) >= (int)sizeof b->path)
        return error_set(MG_EINVAL, "%s: path too long", path);
    json_t *root = NULL;
    int rc = jsonread_load(path, &root);
    if (rc)
        return rc;
    rc = read_root(b, root);
    json_decref(root);
    return rc;
}
