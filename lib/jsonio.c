#include "jsonio.h"
#include "moegap/error.h"
#include "moegap/fileio.h"

int jsonio_write(const char *path, json_t *j)
{
    if (!j)
        return error_set(MG_ENOMEM, "%s: cannot build the JSON (out of memory)", path);
    atomic_file af;
    int rc = atomic_open(&af, path);
    if (!rc) {
        size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12);
        if (json_dumpf(j, af.f, flags) != 0) {
            atomic_abort(&af);
            rc = error_set(MG_EIO, "%s: cannot write the JSON", path);
        } else {
            fputc('\n', af.f);
            rc = atomic_commit(&af);
        }
    }
    json_decref(j);
    return rc;
}
