/* Atomic file writes: data goes to "<path>.tmp.<pid>" and is renamed over
 * <path> only once complete, so a killed process never leaves a file that
 * looks finished. */
#ifndef MOEGAP_FILEIO_H
#define MOEGAP_FILEIO_H

#include "util/fsutil.h"

#include <stdio.h>

typedef struct {
    FILE *f;
    char path[FS_PATH_MAX];
    char tmp[FS_PATH_BUF];
} fileio_atomic_file;

int fileio_atomic_open(fileio_atomic_file *af, const char *path);
/* Flushes, syncs and renames into place; on any earlier write error the
 * temporary file is removed and an error naming `path` returned. */
int fileio_atomic_commit(fileio_atomic_file *af);
/* Removes the temporary file (closing it first when open). */
void fileio_atomic_abort(fileio_atomic_file *af);

/* The two halves of fileio_atomic_commit, for files renamed together. */
int fileio_atomic_close(fileio_atomic_file *af);
int fileio_atomic_rename(fileio_atomic_file *af);

/* A set of files that replace their old versions together: each member
 * is written under its temporary name and nothing is renamed until every
 * one is complete, so a failure leaves the old set as it was. */
enum { FILEIO_ATOMIC_SET_MAX = 16 };
typedef struct fileio_atomic_set {
    fileio_atomic_file file[FILEIO_ATOMIC_SET_MAX];
    int n;
    char drop[FILEIO_ATOMIC_SET_MAX][FS_PATH_MAX]; /* old files this set no longer has */
    int n_drop;
} fileio_atomic_set;

/* A new member opened for writing; NULL with the error set. */
fileio_atomic_file *fileio_atomic_set_open(fileio_atomic_set *s, const char *path);
/* A new member another program writes at its `tmp` name; the caller
 * checks that file is complete before fileio_atomic_set_commit. */
fileio_atomic_file *fileio_atomic_set_add(fileio_atomic_set *s, const char *path);
/* An old file that the new set lacks: removed on commit. */
int fileio_atomic_set_drop(fileio_atomic_set *s, const char *path);
/* Closes the open members (any write error fails the set), removes the
 * dropped files and renames every member into place. Should a rename
 * fail, the whole set, old and new, is removed: absent, never mixed. On
 * any failure no temporary file is left. */
int fileio_atomic_set_commit(fileio_atomic_set *s);
/* Removes every member's temporary file; the old set stays. */
void fileio_atomic_set_abort(fileio_atomic_set *s);

#endif
