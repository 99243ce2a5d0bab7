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
void atomic_abort(atomic_file *af);

#endif
