#include "runs/runname.h"
#include "util/error.h"
#include "util/fsutil.h"

#include <stdio.h>

int runname_format(char *dst, size_t n, const char *model, int seed)
{
    int w = snprintf(dst, n, "%s-s%d", model, seed);
    if (w < 0 || (size_t)w >= n)
        return error_set(MG_EINVAL, "%s-s%d: run name too long", model, seed);
    return MG_OK;
}

int runname_dir(char *dst, size_t n, const char *runs_dir, const char *model, int seed)
{
    char name[FS_PATH_MAX];
    int rc = runname_format(name, sizeof name, model, seed);
    return rc ? rc : fs_join(dst, n, runs_dir, name);
}
