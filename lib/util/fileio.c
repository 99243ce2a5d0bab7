#include "util/fileio.h"
#include "util/error.h"
#include "util/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fileio_atomic_name(fileio_atomic_file *af, const char *path)
{
    if (strlen(path) >= sizeof af->path)
        return error_set(MG_EINVAL, "%s: path too long", path);
    strcpy(af->path, path);
    af->f = NULL;
    return fs_pathf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid());
}

int fileio_atomic_open(fileio_atomic_file *af, const char *path)
{
    int rc = fileio_atomic_name(af, path);
    if (rc)
        return rc;
    af->f = fopen(af->tmp, "wb");
    if (!af->f)
        return error_set(MG_EIO, "%s: cannot create: %s", af->tmp, strerror(errno));
    return MG_OK;
}

/* ferror() alone keeps no errno: flushing again after an error retries
 * the buffered bytes and so reports why they do not fit (ENOSPC, EFBIG). */
int fileio_atomic_close(fileio_atomic_file *af)
{
    int saved = 0;
    int bad = ferror(af->f);
    errno = 0;
    if (fflush(af->f) != 0 || fsync(fileno(af->f)) != 0) {
        bad = 1;
        saved = errno;
    }
    errno = 0;
    if (fclose(af->f) != 0) {
        bad = 1;
        saved = saved ? saved : errno;
    }
    af->f = NULL;
    if (bad) {
        remove(af->tmp);
        return error_set(MG_EIO, "%s: write failed: %s", af->path,
                         saved ? strerror(saved) : "write error");
    }
    return MG_OK;
}

int fileio_atomic_rename(fileio_atomic_file *af)
{
    if (rename(af->tmp, af->path) != 0) {
        int saved = errno;
        remove(af->tmp);
        return error_set(MG_EIO, "%s: cannot rename into place: %s", af->path, strerror(saved));
    }
    return MG_OK;
}

int fileio_atomic_commit(fileio_atomic_file *af)
{
    int rc = fileio_atomic_close(af);
    return rc ? rc : fileio_atomic_rename(af);
}

void fileio_atomic_abort(fileio_atomic_file *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
    }
    remove(af->tmp);
}

static fileio_atomic_file *set_member(fileio_atomic_set *s, const char *path)
{
    if (s->n == FILEIO_ATOMIC_SET_MAX) {
        error_set(MG_EINVAL, "%s: more than %d files in one set", path, FILEIO_ATOMIC_SET_MAX);
        return NULL;
    }
    fileio_atomic_file *af = &s->file[s->n];
    if (fileio_atomic_name(af, path))
        return NULL;
    s->n++;
    return af;
}

fileio_atomic_file *fileio_atomic_set_open(fileio_atomic_set *s, const char *path)
{
    fileio_atomic_file *af = set_member(s, path);
    if (af && fileio_atomic_open(af, path)) {
        s->n--;
        return NULL;
    }
    return af;
}

fileio_atomic_file *fileio_atomic_set_add(fileio_atomic_set *s, const char *path)
{
    return set_member(s, path);
}

int fileio_atomic_set_drop(fileio_atomic_set *s, const char *path)
{
    if (s->n_drop == FILEIO_ATOMIC_SET_MAX)
        return error_set(MG_EINVAL, "%s: more than %d files in one set", path,
                         FILEIO_ATOMIC_SET_MAX);
    if (strlen(path) >= sizeof s->drop[0])
        return error_set(MG_EINVAL, "%s: path too long", path);
    strcpy(s->drop[s->n_drop++], path);
    return MG_OK;
}

/* After a failed rename: the members already renamed are new, the rest
 * old; removing all of them leaves no mix. */
static void set_remove_all(fileio_atomic_set *s)
{
    for (int i = 0; i < s->n; i++) {
        remove(s->file[i].path);
        remove(s->file[i].tmp);
    }
}

int fileio_atomic_set_commit(fileio_atomic_set *s)
{
    int rc = MG_OK;
    for (int i = 0; i < s->n && !rc; i++)
        if (s->file[i].f)
            rc = fileio_atomic_close(&s->file[i]);
    for (int i = 0; i < s->n_drop && !rc; i++)
        if (remove(s->drop[i]) != 0 && errno != ENOENT)
            rc = error_set(MG_EIO, "%s: cannot remove the old file: %s", s->drop[i],
                           strerror(errno));
    if (rc) {
        fileio_atomic_set_abort(s);
        return rc;
    }
    for (int i = 0; i < s->n; i++)
        if ((rc = fileio_atomic_rename(&s->file[i]))) {
            set_remove_all(s);
            return rc;
        }
    return MG_OK;
}

void fileio_atomic_set_abort(fileio_atomic_set *s)
{
    for (int i = 0; i < s->n; i++)
        fileio_atomic_abort(&s->file[i]);
}
