/* The strict JSON readers (lib/util/jsonread.c): each reader accepts what
 * its header promises and refuses the rest with a message that names the
 * file and the field's dotted place in the document, so a reader of the
 * message knows which file to open and what to look for. jsonread has no
 * call that refuses unknown members: extra members are simply ignored,
 * which the last check pins down. */
#include "util/error.h"
#include "util/jsonread.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

static const char *file; /* the document every check reads */

/* The reader returned MG_EFORMAT with "FILE: PLACE: WHAT...". */
static void expect_field_error(int rc, const char *place, const char *what)
{
    char want[512];
    snprintf(want, sizeof want, "%s: %s: %s", file, place, what);
    EXPECT(rc == MG_EFORMAT, "rc %d for %s (%s)", rc, place, error_message());
    EXPECT(strncmp(error_message(), want, strlen(want)) == 0, "message '%s', expected '%s...'",
           error_message(), want);
}

static const char *doc =
    "{\"name\": \"moe4\", \"empty\": \"\", \"none\": null,\n"
    " \"pi\": 3.25, \"three\": 3, \"big\": 9007199254740993, \"neg\": -5, \"real3\": 3.0,\n"
    " \"yes\": true, \"no\": false, \"word\": \"true\",\n"
    " \"seeds\": [1.5, 2, -3e-3], \"bad_seeds\": [1, \"2\", 3], \"ids\": [0, 7, 10],\n"
    " \"models\": {\"moe4\": {\"mean\": 1.5, \"extra\": 1}},\n"
    " \"runs[2]\": {\"seed\": 3, \"best_val_loss\": \"low\"},\n"
    " \"list\": [], \"obj\": {}, \"unknown_member\": 42}\n";

static void test_load(const char *dir)
{
    json_t *root = NULL;
    char missing[1200];
    snprintf(missing, sizeof missing, "%s/missing.json", dir);
    EXPECT(jsonread_load(missing, &root) == MG_EIO, "a missing file loaded");
    EXPECT(strstr(error_message(), missing) && strstr(error_message(), "cannot open"), "%s",
           error_message());

    /* bad JSON: the message gives file:line:column */
    const char *bad = test_write_file(dir, "bad.json", "{\"a\": 1,\n \"b\": }\n");
    char want[1200];
    snprintf(want, sizeof want, "%s:2:", bad);
    EXPECT(jsonread_load(bad, &root) == MG_EFORMAT && root == NULL, "bad JSON loaded");
    EXPECT(strncmp(error_message(), want, strlen(want)) == 0, "'%s' does not start with '%s'",
           error_message(), want);

    /* a key given twice is refused, not silently resolved to one of them */
    const char *dup = test_write_file(dir, "dup.json", "{\"a\": 1, \"a\": 2}");
    EXPECT(jsonread_load(dup, &root) == MG_EFORMAT && strstr(error_message(), dup) &&
               strstr(error_message(), "duplicate"),
           "duplicate key: %s", error_message());

    /* the root must be an object; an array is refused and nothing is left behind */
    const char *arr = test_write_file(dir, "array.json", "[1, 2]");
    EXPECT(jsonread_load(arr, &root) == MG_EFORMAT && root == NULL, "an array root loaded");
    EXPECT(strstr(error_message(), arr) && strstr(error_message(), "expected a JSON object"),
           "%s", error_message());

    const char *nul = test_write_file(dir, "nul.json", "{\"s\": \"a\\u0000b\"}");
    EXPECT(jsonread_load(nul, &root) == MG_EFORMAT && strstr(error_message(), nul),
           "\\u0000 loaded: %s", error_message());

    /* a number beyond double is a parse error, so no reader sees an infinity */
    const char *huge = test_write_file(dir, "huge.json", "{\"x\": 1e400}");
    EXPECT(jsonread_load(huge, &root) == MG_EFORMAT, "1e400 loaded");
}

static void test_places(void)
{
    jsonread_place r = jsonread_place_root(file);
    EXPECT(r.file == file && r.path[0] == '\0', "root place '%s'", r.path);
    jsonread_place a = jsonread_place_child(&r, "models");
    jsonread_place b = jsonread_place_child(&a, "moe4");
    EXPECT(strcmp(a.path, "models") == 0 && strcmp(b.path, "models.moe4") == 0 && b.file == file,
           "places '%s', '%s'", a.path, b.path);
    /* a place longer than the buffer is cut, ends in "...", and stays a string */
    char key[200];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    jsonread_place c = jsonread_place_child(&b, key);
    jsonread_place d = jsonread_place_child(&c, key);
    size_t n = strlen(d.path);
    EXPECT(n == sizeof d.path - 1 && strcmp(d.path + n - 3, "...") == 0 &&
               strncmp(d.path, "models.moe4.kkk", 15) == 0,
           "long place (%zu chars) '%.20s...%s'", n, d.path, d.path + (n > 10 ? n - 10 : 0));
}

static void test_strings(json_t *root, const jsonread_place *r)
{
    char s[8] = "";
    EXPECT(jsonread_string(r, root, "name", s, sizeof s) == MG_OK && strcmp(s, "moe4") == 0,
           "name '%s': %s", s, error_message());
    /* exactly cap-1 bytes fit; cap bytes do not */
    EXPECT(jsonread_string(r, root, "name", s, 5) == MG_OK && strcmp(s, "moe4") == 0, "cap 5");
    strcpy(s, "keep");
    expect_field_error(jsonread_string(r, root, "name", s, 4), "name", "expected 1..3 characters");
    EXPECT(strcmp(s, "keep") == 0, "a refused string overwrote the buffer: '%s'", s);
    expect_field_error(jsonread_string(r, root, "empty", s, sizeof s), "empty",
                       "missing or not a non-empty string");
    expect_field_error(jsonread_string(r, root, "absent", s, sizeof s), "absent",
                       "missing or not a non-empty string");
    expect_field_error(jsonread_string(r, root, "three", s, sizeof s), "three",
                       "missing or not a non-empty string");
    expect_field_error(jsonread_string(r, root, "none", s, sizeof s), "none",
                       "missing or not a non-empty string");
    /* an embedded NUL would cut the string short in C: refused (jansson
     * refuses \u0000 in a file already, so the value is made here) */
    json_object_set_new(root, "nul", json_stringn("a\0b", 3));
    expect_field_error(jsonread_string(r, root, "nul", s, sizeof s), "nul", "expected 1..7");

    strcpy(s, "keep");
    EXPECT(jsonread_string_or_null(r, root, "none", s, sizeof s) == MG_OK && s[0] == '\0',
           "null read as '%s'", s);
    EXPECT(jsonread_string_or_null(r, root, "name", s, sizeof s) == MG_OK &&
               strcmp(s, "moe4") == 0, "name or null '%s'", s);
    expect_field_error(jsonread_string_or_null(r, root, "absent", s, sizeof s), "absent",
                       "missing (expected a string or null)");
    expect_field_error(jsonread_string_or_null(r, root, "pi", s, sizeof s), "pi",
                       "missing or not a non-empty string");
}

static void test_numbers(json_t *root, const jsonread_place *r)
{
    double x = -1;
    EXPECT(jsonread_number(r, root, "pi", &x) == MG_OK && x == 3.25, "pi %g", x);
    /* an integer is a number too */
    EXPECT(jsonread_number(r, root, "three", &x) == MG_OK && x == 3.0, "three %g", x);
    x = 7;
    expect_field_error(jsonread_number(r, root, "word", &x), "word",
                       "missing or not a finite number");
    EXPECT(x == 7, "a refused number overwrote the output: %g", x);
    expect_field_error(jsonread_number(r, root, "absent", &x), "absent",
                       "missing or not a finite number");
    expect_field_error(jsonread_number(r, root, "none", &x), "none",
                       "missing or not a finite number");
    EXPECT(jsonread_number_or_null(r, root, "none", &x) == MG_OK && isnan(x), "null: %g", x);
    EXPECT(jsonread_number_or_null(r, root, "pi", &x) == MG_OK && x == 3.25, "pi or null %g", x);
    expect_field_error(jsonread_number_or_null(r, root, "absent", &x), "absent",
                       "missing (expected a finite number or null)");
    expect_field_error(jsonread_number_or_null(r, root, "yes", &x), "yes",
                       "missing or not a finite number");

    long long i = 0;
    EXPECT(jsonread_integer(r, root, "three", 3, 3, &i) == MG_OK && i == 3, "bounds inclusive");
    EXPECT(jsonread_integer(r, root, "neg", -5, 0, &i) == MG_OK && i == -5, "neg %lld", i);
    /* beyond 2^53: read exactly, not through a double */
    EXPECT(jsonread_integer(r, root, "big", 0, 9007199254740993LL, &i) == MG_OK &&
               i == 9007199254740993LL, "big %lld", i);
    i = 99;
    expect_field_error(jsonread_integer(r, root, "three", 4, 10, &i), "three",
                       "missing or not an integer in 4..10");
    expect_field_error(jsonread_integer(r, root, "three", 0, 2, &i), "three",
                       "missing or not an integer in 0..2");
    EXPECT(i == 99, "a refused integer overwrote the output: %lld", i);
    /* 3.0 is a real, not an integer */
    expect_field_error(jsonread_integer(r, root, "real3", 0, 10, &i), "real3",
                       "missing or not an integer in 0..10");
    expect_field_error(jsonread_integer(r, root, "absent", 0, 10, &i), "absent",
                       "missing or not an integer");

    int b = -1;
    EXPECT(jsonread_boolean(r, root, "yes", &b) == MG_OK && b == 1, "yes %d", b);
    EXPECT(jsonread_boolean(r, root, "no", &b) == MG_OK && b == 0, "no %d", b);
    expect_field_error(jsonread_boolean(r, root, "word", &b), "word", "missing or not true/false");
    expect_field_error(jsonread_boolean(r, root, "three", &b), "three", "missing or not true/false");
}

static void test_arrays(json_t *root, const jsonread_place *r)
{
    double v[4] = {0};
    EXPECT(jsonread_numbers(r, root, "seeds", v, 3) == MG_OK && v[0] == 1.5 && v[1] == 2 &&
               v[2] == -3e-3, "seeds %g %g %g", v[0], v[1], v[2]);
    /* exactly n: one short or one long is refused */
    expect_field_error(jsonread_numbers(r, root, "seeds", v, 4), "seeds",
                       "expected an array of 4 finite numbers");
    expect_field_error(jsonread_numbers(r, root, "seeds", v, 2), "seeds",
                       "expected an array of 2 finite numbers");
    expect_field_error(jsonread_numbers(r, root, "bad_seeds", v, 3), "bad_seeds",
                       "expected an array of 3");
    expect_field_error(jsonread_numbers(r, root, "pi", v, 1), "pi", "expected an array of 1");

    int ids[3] = {0};
    size_t n = 0;
    EXPECT(jsonread_integers(r, root, "ids", 0, 10, ids, 3, &n) == MG_OK && n == 3 &&
               ids[0] == 0 && ids[1] == 7 && ids[2] == 10, "ids n=%zu", n);
    n = 99;
    expect_field_error(jsonread_integers(r, root, "ids", 0, 10, ids, 2, &n), "ids",
                       "expected an array of 1..2 integers in 0..10");
    expect_field_error(jsonread_integers(r, root, "ids", 1, 10, ids, 3, &n), "ids",
                       "expected an array of 1..3 integers in 1..10");
    expect_field_error(jsonread_integers(r, root, "list", 0, 10, ids, 3, &n), "list",
                       "expected an array of 1..3");
    expect_field_error(jsonread_integers(r, root, "seeds", 0, 10, ids, 3, &n), "seeds",
                       "expected an array of 1..3");
    EXPECT(n == 99, "a refused array set the count to %zu", n);
}

/* Nested places: the message names the whole dotted path. */
static void test_nested(json_t *root, const jsonread_place *r)
{
    json_t *models = NULL, *moe4 = NULL, *run = NULL;
    EXPECT(jsonread_object(r, root, "models", &models) == MG_OK && models, "models");
    jsonread_place models_at = jsonread_place_child(r, "models");
    EXPECT(jsonread_object(&models_at, models, "moe4", &moe4) == MG_OK && moe4, "moe4");
    jsonread_place moe4_at = jsonread_place_child(&models_at, "moe4");
    double x = 0;
    EXPECT(jsonread_number(&moe4_at, moe4, "mean", &x) == MG_OK && x == 1.5, "mean %g", x);
    expect_field_error(jsonread_number(&moe4_at, moe4, "std", &x), "models.moe4.std",
                       "missing or not a finite number");
    expect_field_error(jsonread_object(&models_at, models, "dense", &moe4), "models.dense",
                       "missing or not an object");
    expect_field_error(jsonread_object(r, root, "list", &moe4), "list", "missing or not an object");

    /* a caller's array element, placed as "runs[2]" */
    EXPECT(jsonread_object(r, root, "runs[2]", &run) == MG_OK, "runs[2]");
    jsonread_place run_at = jsonread_place_child(r, "runs[2]");
    expect_field_error(jsonread_number(&run_at, run, "best_val_loss", &x), "runs[2].best_val_loss",
                       "missing or not a finite number");

    /* unknown members are not refused by any reader: the document holds
     * "unknown_member" and models.moe4.extra, and every read above of the
     * members beside them succeeded */
    EXPECT(jsonread_object(r, root, "obj", &run) == MG_OK && json_object_size(run) == 0, "obj");
}

int main(void)
{
    const char *dir = test_dir("jsonread");
    test_load(dir);
    file = test_write_file(dir, "doc.json", doc);
    json_t *root = NULL;
    EXPECT(jsonread_load(file, &root) == MG_OK && root, "%s", error_message());
    if (!root)
        return test_summary("test_jsonread");
    jsonread_place r = jsonread_place_root(file);
    test_places();
    test_strings(root, &r);
    test_numbers(root, &r);
    test_arrays(root, &r);
    test_nested(root, &r);
    json_decref(root);
    return test_summary("test_jsonread");
}
