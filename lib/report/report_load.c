/* Reading a paper dir for the report: the protocols (every <claim>.ini of
 * the protocols folder, in name order), the reference files, then the runs
 * and results they name. */
#include "report/report_data.h"
#include "util/error.h"
#include "train/provenance.h"
#include "util/fsutil.h"
#include "runs/tier.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The claims' protocols: every *.ini directly in the folder, sorted. */
static int read_protocols(report *r)
{
    protocol_list l;
    int rc = protocol_list_read(&l, r->protocols_dir, REPORT_MAX_PROTOCOLS);
    if (rc)
        return rc;
    if (!(r->results = calloc(l.n, sizeof *r->results)))
        rc = error_set(MG_ENOMEM, "report: out of memory");
    for (size_t i = 0; i < l.n && !rc; i++) {
        rc = protocol_read(&r->results[i].proto, l.paths[i]);
        r->n_results += !rc;
    }
    protocol_list_free(&l);
    return rc;
}

/* A model's place in its tier's order; after them all for one it lacks. */
static int model_order(const tier_info *t, const char *name)
{
    int i = tier_model_index(t, name);
    return i < 0 ? TIER_MAX_MODELS : i;
}

/* The models the protocols name, in the tiers' order, each with the seeds
 * any protocol needs of it. */
static int collect_models(report *r)
{
    for (int i = 0; i < r->n_results; i++) {
        const protocol *p = &r->results[i].proto;
        for (int m = 0; m < p->n_models; m++) {
            int k = 0;
            while (k < r->n_models && strcmp(r->models[k].name, p->models[m]) != 0)
                k++;
            if (k == r->n_models) {
                if (k == REPORT_MAX_MODELS)
                    return error_set(MG_EINVAL, "%s: more than %d models over the protocols",
                                     p->path, REPORT_MAX_MODELS);
                snprintf(r->models[k].name, sizeof r->models[k].name, "%s", p->models[m]);
                r->n_models++;
            }
            report_model *rm = &r->models[k];
            for (int s = 0; s < p->n_seeds; s++) {
                int j = 0;
                while (j < rm->n_seeds && rm->seeds[j] < p->seeds[s])
                    j++;
                if (j < rm->n_seeds && rm->seeds[j] == p->seeds[s])
                    continue;
                if (rm->n_seeds == PROTOCOL_MAX_SEEDS)
                    return error_set(MG_EINVAL, "%s: more than %d seeds of %s over the protocols",
                                     p->path, PROTOCOL_MAX_SEEDS, rm->name);
                memmove(&rm->seeds[j + 1], &rm->seeds[j], (size_t)(rm->n_seeds - j) * sizeof(int));
                rm->seeds[j] = p->seeds[s];
                rm->n_seeds++;
            }
        }
    }
    /* insertion sort by the order of the runs' tier.ini (kept as the
     * protocols name them when no run tells the tier yet) */
    tier_info *t = calloc(1, sizeof *t);
    char runs[REPORT_DIR_MAX + 8];
    if (!t)
        return error_set(MG_ENOMEM, "report: out of memory");
    if (!r->n_results || fs_join(runs, sizeof runs, r->paper_dir, "runs") ||
        tier_of_runs_read(t, r->protocols_dir, runs, &r->results[0].proto) != MG_OK)
        t->n_models = 0;
    for (int i = 1; i < r->n_models; i++)
        for (int j = i; j > 0 && model_order(t, r->models[j - 1].name) >
                                     model_order(t, r->models[j].name); j--) {
            report_model swap = r->models[j];
            r->models[j] = r->models[j - 1];
            r->models[j - 1] = swap;
        }
    free(t);
    return MG_OK;
}

static int copy_dir(char *dst, const char *src, const char *what)
{
    if (!src || !src[0])
        return error_set(MG_EINVAL, "report: no %s folder given", what);
    size_t n = strlen(src);
    while (n > 1 && src[n - 1] == '/')
        n--;
    if (n >= REPORT_DIR_MAX)
        return error_set(MG_EINVAL, "%s: path too long", src);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return MG_OK;
}

int report_load(report **out, const report_options *o)
{
    *out = NULL;
    report *r = calloc(1, sizeof *r);
    if (!r)
        return error_set(MG_ENOMEM, "report: out of memory");
    provenance_now(r->built);
    int rc = copy_dir(r->paper_dir, o->paper_dir, "paper");
    if (!rc)
        rc = copy_dir(r->protocols_dir, o->protocols_dir, "protocols");
    if (!rc)
        rc = copy_dir(r->reference_dir, o->reference_dir, "reference");
    /* a mistyped paper dir would otherwise become an empty report in a new folder */
    struct stat st;
    if (!rc && (stat(r->paper_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = error_set(MG_EIO, "%s: no such paper dir (runs/, results/)", r->paper_dir);
    if (!rc)
        rc = reference_load(&r->ref, r->reference_dir);
    if (!rc)
        rc = reference_setup_load(&r->setup, r->reference_dir);
    if (!rc)
        rc = read_protocols(r);
    for (int i = 0; i < r->n_results && !rc; i++)
        rc = report_result_seeds(r, &r->results[i]);
    if (!rc)
        rc = collect_models(r);
    if (!rc)
        rc = report_runs_load(r);
    for (int i = 0; i < r->n_results && !rc; i++)
        rc = report_result_load(r, &r->results[i]);
    if (!rc)
        rc = report_setup_validate(r);
    if (!rc)
        rc = report_variance_load(r);
    if (rc) {
        report_free(r);
        return rc;
    }
    *out = r;
    return MG_OK;
}

void report_free(report *r)
{
    if (!r)
        return;
    for (int m = 0; m < r->n_models; m++) {
        for (int s = 0; s < r->models[m].n_seeds && r->models[m].runs; s++)
            run_record_free(&r->models[m].runs[s].rec);
        free(r->models[m].runs);
    }
    report_issues_free(r);
    free(r->results);
    reference_free(&r->ref);
    reference_setup_free(&r->setup);
    free(r);
}
