/* Writes a JSON document atomically (temporary file, then rename), so a
 * reader never sees half of one. */
#ifndef MOEGAP_JSONIO_H
#define MOEGAP_JSONIO_H

#include <jansson.h>

/* Writes `j` (indented, reals with 12 significant digits, keys in
 * insertion order) to `path` and releases it; `j` NULL (a failed build)
 * is reported as out of memory. */
int jsonio_write(const char *path, json_t *j);

#endif
