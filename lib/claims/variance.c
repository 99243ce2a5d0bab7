#include "claims/variance.h"
#include "util/error.h"
#include "util/fileio.h"
#include "runs/tier.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int variance_split(const double *y, size_t I, size_t J, variance_components *out)
{
    if (I < 2 || J < 2 || I > VARIANCE_MAX_SEEDS || J > VARIANCE_MAX_SEEDS)
        return error_set(MG_EINVAL, "variance: a %zu x %zu design; each side needs 2 to %d seeds",
                         I, J, VARIANCE_MAX_SEEDS);
    double row[VARIANCE_MAX_SEEDS] = {0}, col[VARIANCE_MAX_SEEDS] = {0}, grand = 0;
    for (size_t i = 0; i < I; i++)
        for (size_t j = 0; j < J; j++) {
            double v = y[i * J + j];
            if (!isfinite(v))
                return error_set(MG_EINVAL, "variance: cell (%zu, %zu) is %g", i, j, v);
            row[i] += v / (double)J;
            col[j] += v / (double)I;
            grand += v / (double)(I * J);
        }
    double ss_init = 0, ss_data = 0, ss_inter = 0;
    for (size_t i = 0; i < I; i++)
        ss_init += (double)J * (row[i] - grand) * (row[i] - grand);
    for (size_t j = 0; j < J; j++)
        ss_data += (double)I * (col[j] - grand) * (col[j] - grand);
    for (size_t i = 0; i < I; i++)
        for (size_t j = 0; j < J; j++) {
            double r = y[i * J + j] - row[i] - col[j] + grand;
            ss_inter += r * r;
        }
    variance_components c = {0};
    c.mean = grand;
    c.ms_init = ss_init / (double)(I - 1);
    c.ms_data = ss_data / (double)(J - 1);
    c.ms_inter = ss_inter / (double)((I - 1) * (J - 1));
    c.var_init = fmax(0.0, (c.ms_init - c.ms_inter) / (double)J);
    c.var_data = fmax(0.0, (c.ms_data - c.ms_inter) / (double)I);
    c.var_inter = c.ms_inter;
    c.var_total = c.var_init + c.var_data + c.var_inter;
    if (c.var_total > 0) {
        c.share_init = c.var_init / c.var_total;
        c.share_data = c.var_data / c.var_total;
        c.share_inter = c.var_inter / c.var_total;
    }
    *out = c;
    return MG_OK;
}

/* ---- variance.tsv ---------------------------------------------------------- */

static const char HEADER[] = "quantity\tmean\tvar_total\tvar_init\tvar_data\tvar_inter\t"
                             "share_init\tshare_data\tshare_inter\tms_init\tms_data\tms_inter";

static void put_seeds(FILE *f, const char *key, const int *s, size_t n)
{
    fprintf(f, "%s\t", key);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? "," : "", s[i]);
    fputc('\n', f);
}

int variance_table_write(const char *path, const variance_table *t)
{
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, path);
    if (rc)
        return rc;
    fprintf(af.f, "# moegap variance: best validation loss (nats) over a crossed design of "
                  "initialisation by data-order seeds\n");
    fprintf(af.f, "tier\t%s\n", t->tier);
    fprintf(af.f, "steps\t%ld\n", t->steps);
    put_seeds(af.f, "init_seeds", t->init_seeds, t->n_init);
    put_seeds(af.f, "data_seeds", t->data_seeds, t->n_data);
    fprintf(af.f, "%s\n", HEADER);
    for (size_t r = 0; r < t->n_rows; r++) {
        const variance_components *c = &t->rows[r].c;
        fprintf(af.f, "%s\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.6f\t%.6f\t%.6f\t%.9g\t%.9g\t%.9g\n",
                t->rows[r].quantity, c->mean, c->var_total, c->var_init, c->var_data,
                c->var_inter, c->share_init, c->share_data, c->share_inter, c->ms_init,
                c->ms_data, c->ms_inter);
    }
    return fileio_atomic_commit(&af);
}

/* Reads line `line` into buf without its newline; 0 at the end. */
static int next_line(FILE *f, char *buf, size_t n, const char *path, int *line, int *rc)
{
    if (!fgets(buf, (int)n, f))
        return 0;
    (*line)++;
    size_t len = strlen(buf);
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    else if (!feof(f))
        *rc = error_set(MG_EFORMAT, "%s:%d: line longer than %zu characters", path, *line, n - 2);
    return *rc == MG_OK;
}

int variance_seed_list(const char *text, int *s, size_t *n)
{
    int seeds[PROTOCOL_MAX_SEEDS], count = 0;
    char why[512];
    if (!tier_seeds_parse(text, seeds, &count, why, sizeof why))
        return error_set(MG_EINVAL, "%s", why);
    if (count > VARIANCE_MAX_SEEDS)
        return error_set(MG_EINVAL, "'%s': %d seeds, more than %d", text, count,
                         VARIANCE_MAX_SEEDS);
    memcpy(s, seeds, (size_t)count * sizeof *seeds);
    *n = (size_t)count;
    return MG_OK;
}

static int parse_seeds(const char *text, int *s, size_t *n, const char *path, int line,
                       const char *key)
{
    int rc = variance_seed_list(text, s, n);
    return rc ? error_prefix(MG_EFORMAT, "%s:%d: %s: ", path, line, key) : MG_OK;
}

/* "KEY\tVALUE" with the expected key. */
static const char *keyed(const char *buf, const char *key, const char *path, int line, int *rc)
{
    size_t k = strlen(key);
    if (strncmp(buf, key, k) != 0 || buf[k] != '\t') {
        *rc = error_set(MG_EFORMAT, "%s:%d: expected the field %s", path, line, key);
        return NULL;
    }
    return buf + k + 1;
}

static int parse_row(char *buf, variance_row *row, const char *path, int line)
{
    static const char *fields[] = {"mean",       "var_total",  "var_init",    "var_data",
                                   "var_inter",  "share_init", "share_data",  "share_inter",
                                   "ms_init",    "ms_data",    "ms_inter"};
    variance_components *c = &row->c;
    double *dst[] = {&c->mean,       &c->var_total,  &c->var_init,   &c->var_data,
                     &c->var_inter,  &c->share_init, &c->share_data, &c->share_inter,
                     &c->ms_init,    &c->ms_data,    &c->ms_inter};
    char *tab = strchr(buf, '\t');
    if (!tab || tab == buf || (size_t)(tab - buf) >= sizeof row->quantity)
        return error_set(MG_EFORMAT, "%s:%d: quantity: missing or too long", path, line);
    memcpy(row->quantity, buf, (size_t)(tab - buf));
    row->quantity[tab - buf] = '\0';
    char *p = tab + 1;
    for (size_t k = 0; k < sizeof fields / sizeof *fields; k++) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        int last = k + 1 == sizeof fields / sizeof *fields;
        if (end != p && !last && *end == '\0')
            return error_set(MG_EFORMAT, "%s:%d: %s: missing (the row ends after %s)", path,
                             line, fields[k + 1], fields[k]);
        if (end == p || errno || !isfinite(v) || (last ? *end != '\0' : *end != '\t'))
            return error_set(MG_EFORMAT, "%s:%d: %s: not a number%s", path, line, fields[k],
                             last && end != p && *end ? " (fields after the last)" : "");
        if ((k >= 1 && k <= 4 && v < 0) || (k >= 5 && k <= 7 && (v < 0 || v > 1)) ||
            (k >= 8 && v < 0))
            return error_set(MG_EFORMAT, "%s:%d: %s: %g is out of range", path, line, fields[k],
                             v);
        *dst[k] = v;
        p = end + 1;
    }
    return MG_OK;
}

int variance_table_read(const char *path, variance_table *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    char buf[1024];
    int line = 0, rc = MG_OK;
    const char *v;
    if (!next_line(f, buf, sizeof buf, path, &line, &rc) || buf[0] != '#') {
        if (!rc)
            rc = error_set(MG_EFORMAT, "%s:1: not a moegap variance table", path);
    } else if (!next_line(f, buf, sizeof buf, path, &line, &rc) ||
               !(v = keyed(buf, "tier", path, line, &rc))) {
        if (!rc)
            rc = error_set(MG_EFORMAT, "%s:%d: tier: missing", path, line);
    } else if (!*v || strlen(v) >= sizeof t->tier) {
        rc = error_set(MG_EFORMAT, "%s:%d: tier: empty or too long", path, line);
    } else {
        snprintf(t->tier, sizeof t->tier, "%s", v);
        char *end = NULL;
        if (!next_line(f, buf, sizeof buf, path, &line, &rc) ||
            !(v = keyed(buf, "steps", path, line, &rc))) {
            if (!rc)
                rc = error_set(MG_EFORMAT, "%s:%d: steps: missing", path, line);
        } else if ((t->steps = strtol(v, &end, 10)) < 1 || *end || end == v) {
            rc = error_set(MG_EFORMAT, "%s:%d: steps: '%s': expected a positive integer", path,
                           line, v);
        } else if (!next_line(f, buf, sizeof buf, path, &line, &rc) ||
            !(v = keyed(buf, "init_seeds", path, line, &rc)) ||
            (rc = parse_seeds(v, t->init_seeds, &t->n_init, path, line, "init_seeds")) ||
            !next_line(f, buf, sizeof buf, path, &line, &rc) ||
            !(v = keyed(buf, "data_seeds", path, line, &rc)) ||
            (rc = parse_seeds(v, t->data_seeds, &t->n_data, path, line, "data_seeds"))) {
            if (!rc)
                rc = error_set(MG_EFORMAT, "%s:%d: the seed lists are missing", path, line);
        } else if (!next_line(f, buf, sizeof buf, path, &line, &rc) || strcmp(buf, HEADER)) {
            if (!rc)
                rc = error_set(MG_EFORMAT, "%s:%d: expected the header '%s'", path, line, HEADER);
        } else {
            while (!rc && next_line(f, buf, sizeof buf, path, &line, &rc)) {
                if (t->n_rows == VARIANCE_MAX_ROWS)
                    rc = error_set(MG_EFORMAT, "%s:%d: more than %d rows", path, line,
                                   VARIANCE_MAX_ROWS);
                else
                    rc = parse_row(buf, &t->rows[t->n_rows++], path, line);
            }
            if (!rc && t->n_rows == 0)
                rc = error_set(MG_EFORMAT, "%s: no rows", path);
        }
    }
    fclose(f);
    return rc;
}
