#include "fuzz_util.h"

#include "util/fsutil.h"
#include "util/error.h"
#include "runs/tier.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir_path[FUZZ_PATH_MAX];

void fuzz_die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz harness: %s: %s\n", what, detail);
    abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

/* Depth first, so folders are empty when their turn comes; a leftover
 * folder in $TMPDIR is the worst a failure here does. */
static void remove_dir(void)
{
    nftw(dir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
    if (dir_path[0])
        return dir_path;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir_path, sizeof dir_path, "%s/moegap-fuzz.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir_path))
        fuzz_die(dir_path, strerror(errno));
    atexit(remove_dir);
    return dir_path;
}

char *fuzz_path(char *dst, const char *dir, const char *name)
{
    if (fs_join(dst, FUZZ_PATH_MAX, dir, name) != MG_OK)
        fuzz_die("path", error_message());
    return dst;
}

char *fuzz_subdir(char *dst, const char *sub)
{
    fuzz_path(dst, fuzz_dir(), sub);
    if (fs_mkdirs(dst) != MG_OK)
        fuzz_die("mkdir", error_message());
    return dst;
}

/* Plain stdio, not fileio_atomic_open: nothing else reads this process's folder,
 * and an fsync per execution would cost most of the fuzzing time. */
void fuzz_write(const char *dir, const char *name, const void *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    FILE *f = fopen(fuzz_path(path, dir, name), "wb");
    if (!f)
        fuzz_die(path, strerror(errno));
    int short_write = size && fwrite(data, 1, size, f) != size;
    if (fclose(f) != 0 || short_write)
        fuzz_die(path, "cannot write");
}

void fuzz_write_text(const char *dir, const char *name, const char *text)
{
    fuzz_write(dir, name, text, strlen(text));
}

void fuzz_copy(const char *src, const char *dir, const char *name)
{
    char path[FUZZ_PATH_MAX];
    if (fs_copy(src, fuzz_path(path, dir, name)) != MG_OK)
        fuzz_die("copy", error_message());
}

/* One finished run, as small as moegap train writes one (the tiny recipe
 * with a tier, which the baseline's collector requires). */
static const char run_recipe[] = FUZZ_TINY_RECIPE "[run]\ntier = smoke\ncorpus = synth\n";
static const char run_summary[] =
    "{\"seed\": 1, \"threads\": 1, \"best_val_loss\": 2.72, \"best_step\": 10, "
    "\"final_val_loss\": 2.72, \"n_params\": 792, \"params_total\": 792, "
    "\"params_active\": 792, \"tokens\": 160, \"wall_s\": 0.002, \"moe\": false}\n";
static const char run_metrics[] = "kind\tstep\ttokens\tlr\ttrain_ce\tval_ce\n"
                                  "train\t5\t80\t0.002\t2.75\t\neval\t5\t80\t\t\t2.73\n"
                                  "train\t10\t160\t0.0003\t2.72\t\neval\t10\t160\t\t\t2.72\n";
static const char run_provenance[] =
    "{\"git_commit\": \"a0d3f1b63041d26770e4b9f238c0ae3ebb855418\", \"git_dirty\": false, "
    "\"compiler\": \"gcc-compatible 12.2.0\", \"openblas_config\": \"OpenBLAS 0.3.21\", "
    "\"openblas_core\": \"Haswell\", \"openblas_coretype_env\": null, \"threads\": 1, "
    "\"host\": \"vm\", \"seed\": 1, \"start_time\": \"2026-12-02T00:29:25Z\", "
    "\"end_time\": \"2026-12-02T00:29:25Z\", \"resumed_from_step\": 0}\n";

char *fuzz_protocols_dir(char *dst, const char *claim)
{
    char sub[FUZZ_PATH_MAX];
    snprintf(sub, sizeof sub, "protocols-%s", claim);
    return fuzz_subdir(dst, sub);
}

static char *run_dir(char *dst, const protocol *p, int m, int s)
{
    char sub[FUZZ_PATH_MAX];
    snprintf(sub, sizeof sub, "paper/runs/%s-s%d", p->models[m], p->seeds[s]);
    return fuzz_subdir(dst, sub);
}

void fuzz_paper_runs_write(const protocol *p, const char *name, const void *data, size_t size)
{
    char dir[FUZZ_PATH_MAX];
    for (int m = 0; m < p->n_models; m++)
        for (int s = 0; s < p->n_seeds; s++)
            fuzz_write(run_dir(dir, p, m, s), name, data, size);
}

const char *fuzz_paper_setup(protocol *p, const char *claim)
{
    static char paper[FUZZ_PATH_MAX];
    char dir[FUZZ_PATH_MAX], file[FUZZ_PATH_MAX], path[FUZZ_PATH_MAX];
    snprintf(file, sizeof file, "%s.ini", claim);
    snprintf(path, sizeof path, "%s/protocols/%s", MOEGAP_FUZZ_SOURCE_DIR, file);
    fuzz_copy(path, fuzz_protocols_dir(dir, claim), file);
    tier_info tier;
    if (protocol_read(p, fuzz_path(path, dir, file)) != MG_OK ||
        tier_read(&tier, MOEGAP_FUZZ_SOURCE_DIR "/protocols/tiers/ci") != MG_OK ||
        protocol_set_seeds(p, tier.seeds, tier.n_seeds) != MG_OK)
        fuzz_die("protocol", error_message());
    fuzz_paper_runs_write(p, "recipe.ini", run_recipe, sizeof run_recipe - 1);
    fuzz_paper_runs_write(p, "summary.json", run_summary, sizeof run_summary - 1);
    fuzz_paper_runs_write(p, "metrics.tsv", run_metrics, sizeof run_metrics - 1);
    fuzz_paper_runs_write(p, "provenance.json", run_provenance, sizeof run_provenance - 1);
    fuzz_subdir(dir, "paper/results");
    return fuzz_path(paper, fuzz_dir(), "paper");
}
