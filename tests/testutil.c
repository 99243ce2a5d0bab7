#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int test_failures = 0;

const char *test_dir(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "testdata_%s_%ld", name, (long)getpid());
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    return path;
}

void test_write_path(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

const char *test_write_file(const char *dir, const char *name, const char *text)
{
    static char paths[8][1100];
    static int next = 0;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    test_write_path(p, text);
    return p;
}

int test_summary(const char *suite)
{
    printf("%s: %s (%d failed)\n", suite, test_failures ? "FAIL" : "PASS", test_failures);
    return test_failures ? 1 : 0;
}
