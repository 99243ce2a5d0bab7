/* Which accepted baseline a comparison holds the results to: the one of
 * their OpenBLAS kernel set (reference/baseline-ci*.json). */
#include "baseline/baseline.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

/* OpenBLAS 0.3.21's Zen target is built from Haswell's kernels: the ci
 * tier's MoE runs under OPENBLAS_CORETYPE=Zen and =Haswell were
 * bit-identical (moe8, seeds 1-3). */
const char *baseline_kernel_set(const char *core)
{
    return strcmp(core, "Zen") == 0 ? "Haswell" : core;
}

int baseline_choose(const baseline *now, baseline *old, const char *const *paths, int n,
                    const char **chosen)
{
    if (n < 1)
        return error_set(MG_EINVAL, "no baseline given");
    /* the first file stays read aside, for when no file is of now's set */
    baseline *first = malloc(sizeof *first);
    if (!first)
        return error_set(MG_ENOMEM, "out of memory for a baseline");
    int rc = MG_OK;
    for (int i = 0; i < n; i++) {
        *chosen = paths[i];
        if ((rc = baseline_read(old, paths[i])))
            break;
        if (strcmp(baseline_kernel_set(old->machine.core),
                   baseline_kernel_set(now->machine.core)) == 0)
            break;
        if (i == 0)
            *first = *old;
        if (i == n - 1) {
            *old = *first;
            *chosen = paths[0];
        }
    }
    free(first);
    return rc;
}
