#include "train/summary.h"
#include "train/rundir.h"
#include "model/params.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/jsonio.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

int run_summary_write(const char *dir, const run_summary *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(j, "threads", json_integer(s->threads));
    json_object_set_new(j, "best_val_loss", json_real(s->best_val_loss));
    json_object_set_new(j, "best_step", json_integer(s->best_step));
    json_object_set_new(j, "final_val_loss", json_real(s->final_val_loss));
    json_object_set_new(j, "n_params", json_integer((json_int_t)s->n_params));
    if (s->params_total > 0) {
        json_object_set_new(j, "params_total", json_integer((json_int_t)s->params_total));
        json_object_set_new(j, "params_active", json_integer((json_int_t)s->params_active));
        json_object_set_new(j, "params_convention", json_string(PARAMS_CONVENTION));
    }
    json_object_set_new(j, "tokens", json_integer((json_int_t)s->tokens));
    json_object_set_new(j, "wall_s", json_real(s->wall_s));
    json_object_set_new(j, "moe", json_boolean(s->moe));
    char path[FS_PATH_MAX + 64];
    int rc = rundir_path(path, sizeof path, dir, RUN_FILE_SUMMARY);
    if (rc) {
        json_decref(j);
        return rc;
    }
    return jsonio_write(path, j);
}

int run_summary_parse(const char *path, const char *text, size_t len, run_summary *out)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return error_set(MG_EFORMAT, "%s:%d: %s", path, jerr.line, jerr.text);
    json_t *best = json_object_get(root, "best_val_loss");
    json_t *fin = json_object_get(root, "final_val_loss");
    json_t *bstep = json_object_get(root, "best_step");
    json_t *tot = json_object_get(root, "params_total");
    json_t *act = json_object_get(root, "params_active");
    json_t *tokens = json_object_get(root, "tokens");
    json_t *wall = json_object_get(root, "wall_s");
    json_t *seed = json_object_get(root, "seed");
    int rc = MG_OK;
    /* a cross-entropy is finite and never negative */
    if (!json_is_number(best) || !isfinite(json_number_value(best)) ||
        json_number_value(best) < 0)
        rc = error_set(MG_EFORMAT, "%s: best_val_loss: missing or not a finite loss >= 0", path);
    else if (!json_is_number(fin) || !isfinite(json_number_value(fin)) ||
             json_number_value(fin) < 0)
        rc = error_set(MG_EFORMAT, "%s: final_val_loss: missing or not a finite loss >= 0", path);
    else if (!json_is_integer(seed))
        rc = error_set(MG_EFORMAT, "%s: seed: missing or not an integer", path);
    else if (!json_is_integer(bstep))
        rc = error_set(MG_EFORMAT, "%s: best_step: missing or not an integer", path);
    else if (!json_is_integer(tot) || json_integer_value(tot) <= 0)
        rc = error_set(MG_EFORMAT, "%s: params_total: missing or not a positive integer", path);
    else if (!json_is_integer(act) || json_integer_value(act) <= 0)
        rc = error_set(MG_EFORMAT, "%s: params_active: missing or not a positive integer", path);
    else if (tokens && !json_is_integer(tokens))
        rc = error_set(MG_EFORMAT, "%s: tokens: not an integer", path);
    else if (tokens && json_integer_value(tokens) < 0)
        /* refused here, since out->tokens -1 means "not recorded" */
        rc = error_set(MG_EFORMAT, "%s: tokens: %lld, but a count of tokens is never negative",
                       path, (long long)json_integer_value(tokens));
    else if (wall && !json_is_number(wall))
        rc = error_set(MG_EFORMAT, "%s: wall_s: not a number", path);
    else if (wall && !(json_number_value(wall) >= 0))
        rc = error_set(MG_EFORMAT, "%s: wall_s: %g, but a wall time is never negative", path,
                       json_number_value(wall));
    if (!rc) {
        out->seed = (long)json_integer_value(seed);
        out->best_val_loss = json_number_value(best);
        out->final_val_loss = json_number_value(fin);
        out->best_step = (long)json_integer_value(bstep);
        out->params_total = json_integer_value(tot);
        out->params_active = json_integer_value(act);
        out->tokens = tokens ? json_integer_value(tokens) : -1;
        out->wall_s = wall ? json_number_value(wall) : NAN;
    }
    json_decref(root);
    return rc;
}
