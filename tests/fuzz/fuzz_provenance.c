/* provenance.json, the input, in every run folder of a paper dir for the
 * active_gap protocol, read by both of its readers: the nightly
 * baseline's collector (with a real result file, so it reaches the runs)
 * and the report's loader. */
#include "fuzz_util.h"

#include "moegap/baseline.h"
#include "moegap/report.h"

#include <stdlib.h>

static protocol p;
static const char *paper;
static char protocols[FUZZ_PATH_MAX], results[FUZZ_PATH_MAX], runs[FUZZ_PATH_MAX];
static baseline b;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    paper = fuzz_paper_setup(&p, "active_gap");
    fuzz_protocols_dir(protocols, "active_gap");
    fuzz_path(results, paper, "results");
    fuzz_path(runs, paper, "runs");
    fuzz_copy(MOEGAP_FUZZ_SOURCE_DIR "/tests/fuzz/corpus/result/active_gap.json", results,
              "active_gap.json");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_paper_runs_write(&p, "provenance.json", data, size);
    baseline_collect(&b, results, runs, protocols);
    report_options o = {paper, protocols, MOEGAP_FUZZ_SOURCE_DIR "/reference"};
    report *r = NULL;
    if (report_load(&r, &o) == 0)
        report_free(r);
    return 0;
}
