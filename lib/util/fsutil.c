#include "util/fsutil.h"
#include "util/error.h"
#include "util/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The refusal of a path too long, quoting at most 200 bytes of each part
 * so that the message itself keeps its end. */
static int too_long(const char *dir, const char *name)
{
    return error_set(MG_EINVAL, "%.200s%s%s%.200s%s: path too long", dir,
                     strlen(dir) > 200 ? "..." : "", name ? "/" : "", name ? name : "",
                     name && strlen(name) > 200 ? "..." : "");
}

int fs_join(char *dst, size_t n, const char *dir, const char *name)
{
    int w = snprintf(dst, n, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= n)
        return too_long(dir, name);
    return MG_OK;
}

int fs_pathf(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= n)
        return error_set(MG_EINVAL, "%.200s...: path too long (over %zu bytes)", n ? dst : "", n ? n - 1 : 0);
    return MG_OK;
}

int fs_mkdirs(const char *path)
{
    char p[FS_PATH_MAX];
    if (strlen(path) >= sizeof p)
        return too_long(path, NULL);
    strcpy(p, path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return error_set(MG_EIO, "%s: cannot create folder: %s", p, strerror(errno));
        *s = c;
        if (c == '\0')
            break;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return error_set(MG_EIO, "%s: not a folder", path);
    return MG_OK;
}

int fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int fs_copy(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return error_set(MG_EIO, "%s: cannot open: %s", src, strerror(errno));
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, dst);
    if (rc) {
        fclose(in);
        return rc;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, af.f);
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        fileio_atomic_abort(&af);
        return error_set(MG_EIO, "%s: read error", src);
    }
    return fileio_atomic_commit(&af);
}

void fs_remove_files(const char *dir, const char *const names[])
{
    char p[FS_PATH_BUF];
    for (int i = 0; names[i]; i++)
        if (fs_join(p, sizeof p, dir, names[i]) == MG_OK)
            remove(p);
    rmdir(dir);
}

void fs_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[FS_PATH_BUF];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
                fs_join(p, sizeof p, dir, e->d_name) == MG_OK)
                remove(p);
        closedir(d);
    }
    rmdir(dir);
}

static const char *fs_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a fifo" : S_ISSOCK(m) ? "a socket"
         : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a file";
}

int fs_open_regular(const char *path, const char *what, FILE **out)
{
    *out = NULL;
    /* stat first, so a device or a socket is never opened; then O_NONBLOCK
     * and fstat, so a fifo swapped in meanwhile is refused, not waited on */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return error_set(MG_EIO, "%s: not a regular file (%s)", path, fs_kind(st.st_mode));
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return error_set(MG_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
    int rc = MG_OK;
    if (fstat(fd, &st) != 0)
        rc = error_set(MG_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = error_set(MG_EIO, "%s: not a regular file (%s)", path, fs_kind(st.st_mode));
    if (rc) {
        close(fd);
        return rc;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 || !(*out = fdopen(fd, "rb"))) {
        rc = error_set(MG_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
        close(fd);
    }
    return rc;
}
