/* The strict INI dialect of moegap's own files (recipes, tier.ini): one
 * line read whole up to INIFILE_LINE_MAX characters, `[section]`,
 * `key = value` (or `:`), comments on their own line after `;` or `#`, and
 * `;` after white space ending a value. Keys go to a callback; every
 * error names the file and the line, and the first one ends the read. */
#ifndef MOEGAP_INIFILE_H
#define MOEGAP_INIFILE_H

#include "util/fsutil.h"

#include <stddef.h>
#include <stdio.h>

enum { INIFILE_LINE_MAX = 2 * FS_PATH_MAX, INIFILE_SECTION_MAX = 64 };

/* One key: 1 taken; 0 refused, with the reason in msg (the reader adds
 * "PATH:LINE: " before it). `line` is the key's line, for "first on line N". */
typedef int (*inifile_key_fn)(void *user, const char *section, const char *key,
                              const char *value, int line, char *msg, size_t msg_size);

typedef struct {
    const char *path;     /* named in every message */
    const char *sections; /* the sections the file may hold, for messages: "[tier]" */
    inifile_key_fn on_key;
    void *user;
} inifile_reader;

/* Reads f to its end through r->on_key; MG_OK, or MG_EINVAL (MG_EIO on a
 * read error) with the message set. *lines: the lines read. */
int inifile_parse(const inifile_reader *r, FILE *f, int *lines);

#endif
