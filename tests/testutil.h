/* Small helpers shared by the unit tests. */
#ifndef MOEGAP_TESTS_TESTUTIL_H
#define MOEGAP_TESTS_TESTUTIL_H

#include <stdio.h>
#include <string.h>

extern int test_failures;

#define EXPECT(cond, ...)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            test_failures++;                                               \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);         \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
        }                                                                  \
    } while (0)

/* A fresh folder for one test's files under the test's working folder. */
const char *test_dir(const char *name);
/* Writes `text` to `path`; a file that cannot be written ends the test. */
void test_write_path(const char *path, const char *text);
/* Writes `text` to dir/name and returns the path (a static buffer per call
 * slot: up to 8 live paths). */
const char *test_write_file(const char *dir, const char *name, const char *text);
/* 0 when every EXPECT held; prints the summary line. */
int test_summary(const char *suite);

#endif
