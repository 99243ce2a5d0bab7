#include "util/jsonio.h"
#include "util/error.h"

int jsonio_dump(fileio_atomic_file *af, json_t *j)
{
    if (!j)
        return error_set(MG_ENOMEM, "%s: cannot build the JSON (out of memory)", af->path);
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12);
    int bad = json_dumpf(j, af->f, flags) != 0 || fputc('\n', af->f) == EOF;
    json_decref(j);
    /* a failure in stdio's buffer shows only at the flush: fileio_atomic_close */
    return bad ? error_set(MG_EIO, "%s: cannot write the JSON", af->path) : MG_OK;
}

int jsonio_write(const char *path, json_t *j)
{
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, path);
    if (rc) {
        json_decref(j);
        return rc;
    }
    rc = jsonio_dump(&af, j);
    if (rc) {
        fileio_atomic_abort(&af);
        return rc;
    }
    return fileio_atomic_commit(&af);
}
