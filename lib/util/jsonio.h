/* Writes a JSON document atomically (temporary file, then rename), so a
 * reader never sees half of one. */
#ifndef MOEGAP_JSONIO_H
#define MOEGAP_JSONIO_H

#include "util/fileio.h"

#include <jansson.h>

/* Writes `j` (indented, reals with 12 significant digits, keys in
 * insertion order) to `path` and releases it; `j` NULL (a failed build)
 * is reported as out of memory. */
int jsonio_write(const char *path, json_t *j);
/* The same into an open atomic file, left open for the caller to commit
 * (with others of a set) or abort. */
int jsonio_dump(fileio_atomic_file *af, json_t *j);

#endif
