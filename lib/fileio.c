#include "moegap/fileio.h"
#include "moegap/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int atomic_open(atomic_file *af, const char *path)
{
    if (strlen(path) >= sizeof af->path)
        return error_set(MG_EINVAL, "%s: path too long", path);
    strcpy(af->path, path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp, "wb");
    if (!af->f)
        return error_set(MG_EIO, "%s: cannot create: %s", af->tmp, strerror(errno));
    return MG_OK;
}

int atomic_commit(atomic_file *af)
{
    int bad = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int saved = errno;
    bad |= fclose(af->f) != 0;
    af->f = NULL;
    if (bad) {
        remove(af->tmp);
        return error_set(MG_EIO, "%s: write failed: %s", af->path, strerror(saved));
    }
    if (rename(af->tmp, af->path) != 0) {
        saved = errno;
        remove(af->tmp);
        return error_set(MG_EIO, "%s: cannot rename into place: %s", af->path, strerror(saved));
    }
    return MG_OK;
}

void atomic_abort(atomic_file *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
        remove(af->tmp);
    }
}
