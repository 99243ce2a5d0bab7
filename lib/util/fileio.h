/* Atomic file writes: data goes to "<path>.tmp.<pid>" and is renamed over
 * <path> only once complete, so a killed process never leaves a file that
 * looks finished. */
#ifndef MOEGAP_FILEIO_H
#define MOEGAP_FILEIO_H

#include <stdio.h>

typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} atomic_file;

int atomic_open(atomic_file *af, const char *path);
/* Flushes, syncs and renames into place; on any earlier write error the
 * temporary file is removed and an error naming `path` returned. */
int atomic_commit(atomic_file *af);
/* Removes the temporary file (closing it first when open). */
void atomic_abort(atomic_file *af);

/* The two halves of atomic_commit, for files renamed together. */
int atomic_close(atomic_file *af);
int atomic_rename(atomic_file *af);

/* A set of files that replace their old versions together: each member
 * is written under its temporary name and nothing is renamed until every
 * one is complete, so a failure leaves the old set as it was. */
enum { ATOMIC_SET_MAX = 16 };
typedef struct atomic_set {
    atomic_file file[ATOMIC_SET_MAX];
    int n;
    char drop[ATOMIC_SET_MAX][4096]; /* old files this set no longer has */
    int n_drop;
} atomic_set;

/* A new member opened for writing; NULL with the error set. */
atomic_file *atomic_set_open(atomic_set *s, const char *path);
/* A new member another program writes at its `tmp` name; the caller
 * checks that file is complete before atomic_set_commit. */
atomic_file *atomic_set_add(atomic_set *s, const char *path);
/* An old file that the new set lacks: removed on commit. */
int atomic_set_drop(atomic_set *s, const char *path);
/* Closes the open members (any write error fails the set), removes the
 * dropped files and renames every member into place. Should a rename
 * fail, the whole set, old and new, is removed: absent, never mixed. On
 * any failure no temporary file is left. */
int atomic_set_commit(atomic_set *s);
/* Removes every member's temporary file; the old set stays. */
void atomic_set_abort(atomic_set *s);

#endif
