#include "train/metrics.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"
#include "util/tsv.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void metrics_header(FILE *f, const model *m)
{
    fprintf(f, "kind\tstep\ttokens\tlr\ttrain_ce\tlb_loss\tz_loss\tgrad_norm\ttokens_per_s\tval_ce");
    if (model_config_is_moe(&m->cfg))
        for (int l = 0; l < m->cfg.n_layers; l++)
            for (int e = 0; e < m->cfg.n_experts; e++)
                fprintf(f, "\tload_l%d_e%d", l, e);
    fputc('\n', f);
}

void metrics_train_row(FILE *f, const model *m, long step, long tokens, float lr, double gnorm,
                       double tps)
{
    fprintf(f, "train\t%ld\t%ld\t%.6g\t%.6f\t%.6g\t%.6g\t%.6g\t%.1f\t", step, tokens, lr,
            m->losses.ce, m->losses.lb, m->losses.z, gnorm, tps);
    if (model_config_is_moe(&m->cfg))
        for (int i = 0; i < m->cfg.n_layers * m->cfg.n_experts; i++)
            fprintf(f, "\t%.4f", m->expert_load[i]);
    fputc('\n', f);
}

void metrics_eval_row(FILE *f, const model *m, long step, long tokens, double val)
{
    fprintf(f, "eval\t%ld\t%ld\t\t\t\t\t\t\t%.6f", step, tokens, val);
    if (model_config_is_moe(&m->cfg))
        for (int i = 0; i < m->cfg.n_layers * m->cfg.n_experts; i++)
            fputc('\t', f);
    fputc('\n', f);
}

/* A whole number >= 1 in `text`, or 0. */
static long step_number(const char *text)
{
    char *end = NULL;
    long v = text ? strtol(text, &end, 10) : 0;
    return end && end != text && !*end && v >= 1 ? v : 0;
}

/* A resumed run's file must read as if the run had never stopped: rows
 * past the checkpoint are redone, and a row cut short by the kill would
 * corrupt the row appended after it. */
int metrics_truncate(const char *path, long step)
{
    tsv_reader t;
    int rc = tsv_open(&t, path);
    if (rc)
        return error_prefix(rc, "to resume: ");
    fileio_atomic_file af;
    if ((rc = fileio_atomic_open(&af, path))) {
        tsv_close(&t);
        return rc;
    }
    int got, c_step = -1;
    while ((got = tsv_next(&t, 0)) == TSV_ROW) {
        if (!t.complete)
            break; /* a row cut short by the kill */
        if (t.line == 1)
            c_step = tsv_column(&t, "step");
        else {
            long v = step_number(tsv_field(&t, c_step));
            if (!v || v > step)
                continue;
        }
        /* the row as it was: the reader split it at its tabs */
        for (int i = 0; i < t.n_fields; i++)
            fprintf(af.f, "%s%s", i ? "\t" : "", t.fields[i]);
        fputc('\n', af.f);
    }
    if (got != TSV_END && got != TSV_ROW)
        rc = got;
    tsv_close(&t);
    if (rc) {
        fileio_atomic_abort(&af);
        return rc;
    }
    return fileio_atomic_commit(&af);
}

/* Half a unit of the last digit of a printed number ("1.234567": 5e-7;
 * "1.5e-05": 5e-7): how far the printed value may lie from the one
 * printed, which is how closely a summary can be held to the rows. */
static double half_unit_printed(const char *text)
{
    const char *dot = strchr(text, '.');
    long decimals = 0;
    for (const char *c = dot ? dot + 1 : ""; isdigit((unsigned char)*c); c++)
        decimals++;
    const char *e = strpbrk(text, "eE");
    long exponent = e ? strtol(e + 1, NULL, 10) : 0;
    return 0.5 * pow(10.0, (double)(exponent - decimals));
}

static int push_eval(metrics_evals *ev, size_t *cap, const char *path, long step, double loss)
{
    /* a resumed run may log an evaluation again: the later row stands */
    if (ev->n && ev->step[ev->n - 1] == step) {
        ev->loss[ev->n - 1] = loss;
        return MG_OK;
    }
    if (ev->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        long *s = realloc(ev->step, nc * sizeof *s);
        if (s)
            ev->step = s;
        double *l = realloc(ev->loss, nc * sizeof *l);
        if (l)
            ev->loss = l;
        if (!s || !l)
            return error_set(MG_ENOMEM, "%s: out of memory", path);
        *cap = nc;
    }
    ev->step[ev->n] = step;
    ev->loss[ev->n++] = loss;
    return MG_OK;
}

int metrics_read_evals(const char *path, metrics_evals *out)
{
    memset(out, 0, sizeof *out);
    tsv_reader t;
    int rc = tsv_open(&t, path);
    if (rc)
        return rc;
    size_t cap = 0;
    int got, c_kind = -1, c_step = -1, c_val = -1;
    while (!rc && (got = tsv_next(&t, 0)) == TSV_ROW) {
        if (t.line == 1) {
            c_kind = tsv_column(&t, "kind");
            c_step = tsv_column(&t, "step");
            c_val = tsv_column(&t, "val_ce");
            if (c_kind < 0 || c_step < 0 || c_val < 0)
                rc = error_set(MG_EFORMAT, "%s:1: header lacks a kind, step or val_ce column",
                               path);
            continue;
        }
        const char *kind = tsv_field(&t, c_kind);
        if (!kind || strcmp(kind, "eval") != 0)
            continue;
        const char *val_s = tsv_field(&t, c_val);
        long step = step_number(tsv_field(&t, c_step));
        char *end = NULL;
        double val = val_s ? strtod(val_s, &end) : NAN;
        if (!step || !end || end == val_s || *end || !isfinite(val))
            rc = error_set(MG_EFORMAT, "%s:%ld: an eval row without a step and a finite val_ce",
                           path, t.line);
        else if (out->n && step < out->step[out->n - 1])
            rc = error_set(MG_EFORMAT, "%s:%ld: step %ld comes after step %ld", path, t.line,
                           step, out->step[out->n - 1]);
        else
            rc = push_eval(out, &cap, path, step, val);
        if (!rc)
            out->val_half_unit = fmax(out->val_half_unit, half_unit_printed(val_s));
    }
    if (!rc && got != TSV_END && got != TSV_ROW)
        rc = got;
    tsv_close(&t);
    if (!rc && out->n == 0)
        rc = error_set(MG_EFORMAT, "%s: no eval rows", path);
    if (rc)
        metrics_evals_free(out);
    return rc;
}

void metrics_evals_free(metrics_evals *e)
{
    free(e->step);
    free(e->loss);
    memset(e, 0, sizeof *e);
}

int metrics_last_step(const char *path, long *step)
{
    *step = 0;
    if (!fs_exists(path))
        return MG_OK;
    tsv_reader t;
    int rc = tsv_open(&t, path);
    if (rc)
        return rc;
    int got, c_step = -1;
    while (!rc && (got = tsv_next(&t, 0)) == TSV_ROW) {
        /* the trainer appends as it goes: a last line without its newline
         * is still being written */
        if (!t.complete)
            break;
        if (t.line == 1) {
            if ((c_step = tsv_column(&t, "step")) < 0)
                rc = error_set(MG_EFORMAT, "%s:1: header lacks a step column", path);
            continue;
        }
        long v = step_number(tsv_field(&t, c_step));
        if (!v)
            rc = error_set(MG_EFORMAT, "%s:%ld: step: not a step number", path, t.line);
        else if (v > *step)
            *step = v;
    }
    if (!rc && got != TSV_END && got != TSV_ROW)
        rc = got;
    tsv_close(&t);
    return rc;
}
