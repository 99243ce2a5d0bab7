/* Reading JSON files whose every field is checked. A field is named by its
 * place in the document ("models.moe4.mean"), so an error tells the reader
 * which file to open and what to look for in it, as the INI readers' errors
 * name the file, the line and the key. */
#ifndef MOEGAP_JSONREAD_H
#define MOEGAP_JSONREAD_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    const char *file; /* for messages; must outlive the place */
    char path[256];   /* the object's place in the document, "" for the root */
} jsonread_place;

/* The root of `file`. */
jsonread_place jsonread_place_root(const char *file);
/* The place of member `key` of the object at `p`. */
jsonread_place jsonread_place_child(const jsonread_place *p, const char *key);

/* Parses `path`; an error names the file and, for bad JSON, line and column. */
int jsonread_load(const char *path, json_t **root);

/* Each reads member `key` of `obj` (the object at `p`); a missing member
 * or one of another type is an error naming the field. */
int jsonread_object(const jsonread_place *p, json_t *obj, const char *key, json_t **out);
/* A non-empty string of fewer than `cap` bytes. */
int jsonread_string(const jsonread_place *p, json_t *obj, const char *key, char *dst, size_t cap);
/* The same, or null, read as "". */
int jsonread_string_or_null(const jsonread_place *p, json_t *obj, const char *key, char *dst,
                            size_t cap);
/* A finite number. */
int jsonread_number(const jsonread_place *p, json_t *obj, const char *key, double *out);
/* The same, or null, read as NAN. */
int jsonread_number_or_null(const jsonread_place *p, json_t *obj, const char *key, double *out);
int jsonread_integer(const jsonread_place *p, json_t *obj, const char *key, long long min,
                     long long max, long long *out);
int jsonread_boolean(const jsonread_place *p, json_t *obj, const char *key, int *out);
/* An array of exactly `n` finite numbers. */
int jsonread_numbers(const jsonread_place *p, json_t *obj, const char *key, double *dst, size_t n);
/* An array of 1..cap integers in min..max. */
int jsonread_integers(const jsonread_place *p, json_t *obj, const char *key, long long min,
                      long long max, int *dst, size_t cap, size_t *n);

#endif
