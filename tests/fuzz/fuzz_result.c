/* A check's result file, results/<claim>.json, read by both of its
 * readers: the nightly baseline's collector and the report's. The claim
 * is the first of active_gap, gap_trajectory, total_gap that the input
 * names as moegap check writes it, "protocol": "NAME" (else active_gap),
 * so each real result meets its own protocol and the readers get past the
 * protocol and seed checks. */
#include "fuzz_util.h"

#include "baseline/baseline.h"
#include "report/report_data.h"

#include <stdlib.h>
#include <string.h>

static const char *const claims[] = {"active_gap", "gap_trajectory", "total_gap"};
enum { N_CLAIMS = sizeof claims / sizeof claims[0] };

static protocol protos[N_CLAIMS];
static const char *paper;
static char results[FUZZ_PATH_MAX], runs[FUZZ_PATH_MAX];
static baseline b;
static report_result res;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    for (int c = 0; c < N_CLAIMS; c++)
        paper = fuzz_paper_setup(&protos[c], claims[c]);
    fuzz_path(results, paper, "results");
    fuzz_path(runs, paper, "runs");
    return 0;
}

/* memmem is a GNU extension; the build is POSIX */
static int holds(const uint8_t *data, size_t size, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, s, n) == 0)
            return 1;
    return 0;
}

static int claim_of(const uint8_t *data, size_t size)
{
    for (int c = 0; c < N_CLAIMS; c++) {
        char quoted[PROTOCOL_NAME_MAX + 16];
        snprintf(quoted, sizeof quoted, "\"protocol\": \"%s\"", claims[c]);
        if (holds(data, size, quoted))
            return c;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int c = claim_of(data, size);
    char file[PROTOCOL_NAME_MAX + 8], protocols[FUZZ_PATH_MAX];
    snprintf(file, sizeof file, "%s.json", claims[c]);
    fuzz_write(results, file, data, size);
    baseline_collect(&b, results, runs, fuzz_protocols_dir(protocols, claims[c]));

    report *r = calloc(1, sizeof *r);
    if (!r)
        fuzz_die("report", "out of memory");
    snprintf(r->paper_dir, sizeof r->paper_dir, "%s", paper);
    memset(&res, 0, sizeof res);
    res.proto = protos[c];
    report_result_load(r, &res);
    report_free(r);
    char path[FUZZ_PATH_MAX];
    remove(fuzz_path(path, results, file));
    return 0;
}
