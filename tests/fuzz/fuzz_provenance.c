/* provenance.json, the input, through its one reader (provenance_read),
 * which the nightly baseline's collector, the report and the checks'
 * run records all use. An accepted record holds what they rely on. */
#include "fuzz_util.h"

#include "train/provenance.h"

#include <string.h>

static char dir[FUZZ_PATH_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    if (!dir[0])
        fuzz_subdir(dir, "run");
    fuzz_write(dir, "provenance.json", data, size);
    provenance_record p;
    if (provenance_read(fuzz_path(path, dir, "provenance.json"), &p) != 0)
        return 0;
    if (!p.commit[0] || !p.core[0] || !p.compiler[0] || !p.openblas[0] || !p.start[0])
        fuzz_die("provenance_read", "accepted an empty required string");
    if (p.threads < 1 || p.threads > 4096 || p.dirty < -1 || p.dirty > 1 || p.seed < 0)
        fuzz_die("provenance_read", "accepted a field out of its range");
    return 0;
}
