/* Path building (lib/util/fsutil.c): fs_join and fs_pathf fill dst when
 * the whole path fits, terminator included, and otherwise refuse it with
 * MG_EINVAL and a message naming the path, so a caller never goes on with
 * a truncated path that names some other file. */
#include "util/error.h"
#include "util/fsutil.h"
#include "testutil.h"

#include <string.h>

static void test_join(void)
{
    char dst[8];
    /* "ab/cdef" and its terminator: exactly 8 bytes */
    EXPECT(fs_join(dst, sizeof dst, "ab", "cdef") == MG_OK, "%s", error_message());
    EXPECT(strcmp(dst, "ab/cdef") == 0, "'%s'", dst);

    EXPECT(fs_join(dst, sizeof dst, "ab", "cdefg") == MG_EINVAL, "one byte too long fitted");
    EXPECT(strcmp(error_message(), "ab/cdefg: path too long") == 0, "'%s'", error_message());

    /* no room at all: nothing is written, not even a terminator */
    memset(dst, 'x', sizeof dst);
    EXPECT(fs_join(dst, 0, "ab", "c") == MG_EINVAL, "n == 0 fitted");
    EXPECT(dst[0] == 'x', "n == 0 wrote into dst");
    EXPECT(strcmp(error_message(), "ab/c: path too long") == 0, "'%s'", error_message());

    /* the smallest that fits: "/" alone needs two bytes */
    EXPECT(fs_join(dst, 2, "", "") == MG_OK && strcmp(dst, "/") == 0, "'%s'", dst);
    EXPECT(fs_join(dst, 1, "", "") == MG_EINVAL, "'/' fitted in one byte");

    /* a folder longer than the message can hold is cut, so the message
     * still says what is wrong */
    static char big[FS_PATH_BUF + 100];
    memset(big, 'd', sizeof big - 1);
    EXPECT(fs_join(dst, sizeof dst, big, "name") == MG_EINVAL, "a huge folder fitted");
    EXPECT(strlen(error_message()) == 200 + strlen(".../name: path too long") &&
               strcmp(error_message() + 200, ".../name: path too long") == 0, "'%.40s...'",
           error_message() + 190);
    EXPECT(fs_mkdirs(big) == MG_EINVAL && strcmp(error_message() + 200, "...: path too long") == 0,
           "'%.40s...'", error_message() + 190);
}

static void test_pathf(void)
{
    char dst[16];
    /* "runs/check.json": 15 characters, 16 bytes */
    EXPECT(fs_pathf(dst, sizeof dst, "%s/%s.json", "runs", "check") == MG_OK, "%s",
           error_message());
    EXPECT(strcmp(dst, "runs/check.json") == 0, "'%s'", dst);

    /* the message names the start of the path that did not fit */
    EXPECT(fs_pathf(dst, sizeof dst, "%s/%s.jsonl", "runs", "check") == MG_EINVAL,
           "one byte too long fitted");
    EXPECT(strcmp(error_message(), "runs/check.json...: path too long (over 15 bytes)") == 0,
           "'%s'", error_message());

    memset(dst, 'x', sizeof dst);
    EXPECT(fs_pathf(dst, 0, "%s/%s", "a", "b") == MG_EINVAL, "n == 0 fitted");
    EXPECT(dst[0] == 'x', "n == 0 wrote into dst");
    EXPECT(strcmp(error_message(), "...: path too long (over 0 bytes)") == 0, "'%s'",
           error_message());

    /* the suffixes callers add: a temporary name, a table of a claim */
    EXPECT(fs_pathf(dst, sizeof dst, "%s.tmp.%ld", "out.gp", 123L) == MG_OK &&
               strcmp(dst, "out.gp.tmp.123") == 0, "'%s'", dst);
    EXPECT(fs_pathf(dst, sizeof dst, "%s/%s_%s.tsv", "r", "c1", "best") == MG_OK &&
               strcmp(dst, "r/c1_best.tsv") == 0, "'%s'", dst);
    EXPECT(fs_pathf(dst, sizeof dst, "%s/%s-i%d-d%d", "runs", "moe4", 12, 3) == MG_EINVAL,
           "16 characters fitted in 16 bytes");
    EXPECT(strcmp(error_message(), "runs/moe4-i12-d...: path too long (over 15 bytes)") == 0,
           "'%s'", error_message());
}

/* The buffer sizes: a longest folder joins with a file name in
 * FS_PATH_BUF, and a long refused path's message keeps only its start. */
static void test_sizes(void)
{
    static char dir[FS_PATH_MAX], dst[FS_PATH_BUF];
    memset(dir, 'd', sizeof dir - 1);
    dir[sizeof dir - 1] = '\0';
    EXPECT(fs_join(dst, sizeof dst, dir, "claim_curves.pdf") == MG_OK, "%.80s",
           error_message());
    EXPECT(strlen(dst) == FS_PATH_MAX - 1 + 17, "%zu", strlen(dst));
    EXPECT(fs_join(dst, FS_PATH_MAX, dir, "x") == MG_EINVAL, "a longest folder and a name "
           "fitted in FS_PATH_MAX");

    EXPECT(fs_pathf(dst, FS_PATH_MAX, "%s/%s.txt", dir, "claim") == MG_EINVAL,
           "a longest folder and a name fitted in FS_PATH_MAX");
    const char *m = error_message();
    EXPECT(strncmp(m, dir, 200) == 0 && strncmp(m + 200, "...: path too long (over 4095 bytes)",
                                                  36) == 0, "'%.260s'", m);
}

int main(void)
{
    test_join();
    test_pathf();
    test_sizes();
    return test_summary("test_fsutil");
}
