/* Small file-system helpers: paths, folders, atomic copies. Errors name
 * the path. */
#ifndef MOEGAP_FSUTIL_H
#define MOEGAP_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* The longest path moegap takes from its user (a folder); FS_PATH_BUF holds
 * such a folder plus the names moegap adds below it (run folders, result
 * and figure files), so every fixed path buffer is one of the two. */
enum { FS_PATH_MAX = 4096, FS_PATH_BUF = FS_PATH_MAX + 512 };

/* dir + "/" + name into dst[n]; an error when it does not fit. */
int fs_join(char *dst, size_t n, const char *dir, const char *name);
/* A path built by a printf format into dst[n] ("%s/%s.json"); an error
 * naming the start of it when it does not fit. */
int fs_pathf(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* mkdir -p: every missing folder of `path`. */
int fs_mkdirs(const char *path);
int fs_exists(const char *path);
/* Copies src to dst atomically (dst appears complete or not at all). */
int fs_copy(const char *src, const char *dst);
/* Removes every entry of dir (files and links; it does not recurse), then
 * dir: for a temporary folder a program filled. */
void fs_remove_dir(const char *dir);
/* Removes dir/name for each name (missing ones are fine), then dir. */
void fs_remove_files(const char *dir, const char *const names[]);
/* Opens a regular file for reading ("rb"); anything else (a directory, a
 * fifo, a device) is refused with "PATH: not a regular file (a fifo)"
 * without blocking on it. `what` names the file in other errors
 * ("PATH: cannot open WHAT: reason"). */
int fs_open_regular(const char *path, const char *what, FILE **out);

#endif
