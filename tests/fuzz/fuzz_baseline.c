/* baseline_read on any bytes. A baseline it accepts must be one
 * baseline_write can write back: the nightly job's --accept rewrites it. */
#include "fuzz_util.h"

#include "baseline/baseline.h"
#include "util/error.h"

static baseline b, again;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[FUZZ_PATH_MAX];
    if (!dir[0])
        fuzz_subdir(dir, "baseline");
    fuzz_write(dir, "baseline.json", data, size);
    char path[FUZZ_PATH_MAX];
    if (baseline_read(&b, fuzz_path(path, dir, "baseline.json")) != MG_OK)
        return 0;
    if (baseline_write(&b, fuzz_path(path, dir, "again.json")) != MG_OK ||
        baseline_read(&again, path) != MG_OK)
        fuzz_die("an accepted baseline does not read back after baseline_write", error_message());
    return 0;
}
