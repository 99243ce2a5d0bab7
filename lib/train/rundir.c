#include "train/rundir.h"
#include "util/fsutil.h"
#include "util/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const run_files[RUN_FILE_COUNT + 1] = {
    [RUN_FILE_SUMMARY] = "summary.json",       [RUN_FILE_CHECKPOINT] = "checkpoint.bin",
    [RUN_FILE_METRICS] = "metrics.tsv",        [RUN_FILE_PROVENANCE] = "provenance.json",
    [RUN_FILE_RECIPE] = "recipe.ini",          [RUN_FILE_COUNT] = NULL};

const char *rundir_file_name(rundir_file f)
{
    return run_files[f];
}

int rundir_path(char *dst, size_t n, const char *dir, rundir_file f)
{
    return fs_join(dst, n, dir, run_files[f]);
}

/* The pid the holder wrote, or 0 while it has not written it yet. */
static long lock_holder(int fd)
{
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static int lock_refused(const char *dir, const char *path, int fd, int err)
{
    long pid = err == EWOULDBLOCK ? lock_holder(fd) : 0;
    close(fd);
    if (err != EWOULDBLOCK)
        return error_set(MG_EIO, "%s: cannot lock: %s", path, strerror(err));
    if (pid > 0)
        return error_set(MG_EIO, "%s: the run folder is in use: process %ld is training into it "
                         "(%s)", dir, pid, path);
    return error_set(MG_EIO, "%s: the run folder is in use by another process that is still "
                     "starting (%s)", dir, path);
}

int rundir_lock(const char *dir, int *fd)
{
    char path[FS_PATH_BUF];
    *fd = -1;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return error_set(MG_EIO, "%s: cannot create run folder: %s", dir, strerror(errno));
    int rc = fs_join(path, sizeof path, dir, ".lock");
    if (rc)
        return rc;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (f < 0)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0)
        return lock_refused(dir, path, f, errno);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)n, 0) != n) {
        int err = errno;
        close(f);
        return error_set(MG_EIO, "%s: cannot write the pid: %s", path, strerror(err));
    }
    *fd = f;
    return MG_OK;
}

void rundir_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

long rundir_live_holder(const char *dir)
{
    char path[FS_PATH_BUF];
    if (fs_join(path, sizeof path, dir, ".lock"))
        return 0;
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return 0;
    long pid = lock_holder(f);
    close(f);
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
        return 0;
    return pid;
}

const char *rundir_run_file(const char *dir)
{
    char path[FS_PATH_BUF];
    for (int i = 0; run_files[i]; i++)
        if (fs_join(path, sizeof path, dir, run_files[i]) == MG_OK && fs_exists(path))
            return run_files[i];
    return NULL;
}

/* name is "<a run file>.tmp.<digits>", the name fileio_atomic_open gives. */
static int is_stale_tmp(const char *name)
{
    for (int i = 0; run_files[i]; i++) {
        size_t len = strlen(run_files[i]);
        if (strncmp(name, run_files[i], len) != 0 || strncmp(name + len, ".tmp.", 5) != 0)
            continue;
        const char *pid = name + len + 5;
        if (*pid == '\0')
            return 0;
        while (*pid >= '0' && *pid <= '9')
            pid++;
        return *pid == '\0';
    }
    return 0;
}

void rundir_remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[FS_PATH_BUF];
    while ((e = readdir(d)))
        if (is_stale_tmp(e->d_name) && fs_join(path, sizeof path, dir, e->d_name) == MG_OK)
            remove(path);
    closedir(d);
}
