#include "util/jsonread.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

jsonread_place jsonread_place_root(const char *file)
{
    jsonread_place p = {.file = file, .path = ""};
    return p;
}

jsonread_place jsonread_place_child(const jsonread_place *p, const char *key)
{
    jsonread_place c = {.file = p->file};
    int n = snprintf(c.path, sizeof c.path, "%s%s%s", p->path, p->path[0] ? "." : "", key);
    /* a path cut short still names the start of the place, enough to find it */
    if (n >= (int)sizeof c.path)
        memcpy(c.path + sizeof c.path - 4, "...", 4);
    return c;
}

/* "file: path.key: " + what is wrong. */
static int field_error(const jsonread_place *p, const char *key, const char *what)
{
    return error_set(MG_EFORMAT, "%s: %s%s%s: %s", p->file, p->path, p->path[0] ? "." : "", key,
                     what);
}

int jsonread_load(const char *path, json_t **root)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    json_error_t jerr;
    *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (!*root)
        return error_set(MG_EFORMAT, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return error_set(MG_EFORMAT, "%s: expected a JSON object", path);
    }
    return MG_OK;
}

int jsonread_object(const jsonread_place *p, json_t *obj, const char *key, json_t **out)
{
    *out = json_object_get(obj, key);
    if (!json_is_object(*out))
        return field_error(p, key, "missing or not an object");
    return MG_OK;
}

int jsonread_string(const jsonread_place *p, json_t *obj, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return field_error(p, key, "missing or not a non-empty string");
    if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v)) {
        char what[64];
        snprintf(what, sizeof what, "expected 1..%zu characters", cap - 1);
        return field_error(p, key, what);
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return MG_OK;
}

int jsonread_string_or_null(const jsonread_place *p, json_t *obj, const char *key, char *dst,
                            size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_null(v)) {
        dst[0] = '\0';
        return MG_OK;
    }
    if (!v)
        return field_error(p, key, "missing (expected a string or null)");
    return jsonread_string(p, obj, key, dst, cap);
}

int jsonread_number(const jsonread_place *p, json_t *obj, const char *key, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return field_error(p, key, "missing or not a finite number");
    *out = json_number_value(v);
    return MG_OK;
}

int jsonread_number_or_null(const jsonread_place *p, json_t *obj, const char *key, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_null(v)) {
        *out = NAN;
        return MG_OK;
    }
    if (!v)
        return field_error(p, key, "missing (expected a finite number or null)");
    return jsonread_number(p, obj, key, out);
}

int jsonread_integer(const jsonread_place *p, json_t *obj, const char *key, long long min,
                     long long max, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char what[96];
        snprintf(what, sizeof what, "missing or not an integer in %lld..%lld", min, max);
        return field_error(p, key, what);
    }
    *out = json_integer_value(v);
    return MG_OK;
}

int jsonread_boolean(const jsonread_place *p, json_t *obj, const char *key, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_boolean(v))
        return field_error(p, key, "missing or not true/false");
    *out = json_is_true(v);
    return MG_OK;
}

int jsonread_numbers(const jsonread_place *p, json_t *obj, const char *key, double *dst, size_t n)
{
    json_t *v = json_object_get(obj, key);
    char what[96];
    snprintf(what, sizeof what, "expected an array of %zu finite numbers (one per seed)", n);
    if (!json_is_array(v) || json_array_size(v) != n)
        return field_error(p, key, what);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_number(x) || !isfinite(json_number_value(x)))
            return field_error(p, key, what);
        dst[i] = json_number_value(x);
    }
    return MG_OK;
}

int jsonread_integers(const jsonread_place *p, json_t *obj, const char *key, long long min,
                      long long max, int *dst, size_t cap, size_t *n)
{
    json_t *v = json_object_get(obj, key);
    char what[128];
    snprintf(what, sizeof what, "expected an array of 1..%zu integers in %lld..%lld", cap, min,
             max);
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > cap)
        return field_error(p, key, what);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_integer(x) || json_integer_value(x) < min || json_integer_value(x) > max)
            return field_error(p, key, what);
        dst[i] = (int)json_integer_value(x);
    }
    *n = json_array_size(v);
    return MG_OK;
}
