/* run_record_load on a run folder made of one input: summary.json, then
 * after a line "%%" metrics.tsv, then after another recipe.ini. A part left out leaves its file missing. An accepted record
 * must hold what the checks rely on: evaluations at increasing steps. */
#include "fuzz_util.h"

#include "runs/runrecord.h"

#include <stdio.h>
#include <string.h>

static const char *const files[] = {"summary.json", "metrics.tsv", "recipe.ini"};
enum { N_FILES = sizeof files / sizeof files[0] };

/* Writes the parts, removing the files of those left out. */
static void write_parts(const char *dir, const uint8_t *data, size_t size)
{
    static const char sep[] = "\n%%\n";
    const size_t sep_len = sizeof sep - 1;
    char path[FUZZ_PATH_MAX];
    size_t start = 0;
    int k = 0;
    for (; k < N_FILES && start <= size; k++) {
        size_t end = start;
        while (end + sep_len <= size && memcmp(data + end, sep, sep_len) != 0)
            end++;
        if (end + sep_len > size)
            end = size;
        fuzz_write(dir, files[k], data + start, end - start);
        start = end + sep_len;
    }
    for (int j = k; j < N_FILES; j++)
        remove(fuzz_path(path, dir, files[j]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[FUZZ_PATH_MAX];
    if (!dir[0])
        fuzz_subdir(dir, "run");
    write_parts(dir, data, size);
    run_record r;
    /* the folder is of seed 1, as the seeds' summaries say */
    if (run_record_load(&r, dir, 1) != 0)
        return 0;
    for (size_t i = 1; i < r.evals.n; i++)
        if (r.evals.step[i] <= r.evals.step[i - 1])
            fuzz_die("run_record_load", "accepted evaluations at steps that do not increase");
    run_record_free(&r);
    return 0;
}
