/* The last error message (lib/util/error.c): short messages whole, a
 * prefix in front, and a message too long to hold cut in its middle so
 * that both the place it names and what went wrong there survive. */
#include "util/error.h"
#include "testutil.h"

#include <string.h>

static char long_path[5000];

static void test_short(void)
{
    EXPECT(error_set(MG_EIO, "%s: cannot open", "a.ini") == MG_EIO, "the code is returned");
    EXPECT(strcmp(error_message(), "a.ini: cannot open") == 0, "'%s'", error_message());
    EXPECT(error_prefix(MG_EFORMAT, "%s: ", "protocol") == MG_EFORMAT, "the code is returned");
    EXPECT(strcmp(error_message(), "protocol: a.ini: cannot open") == 0, "'%s'",
           error_message());
}

static void test_long(void)
{
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[0] = '/';
    error_set(MG_EIO, "%s/x.ini: cannot open: No such file", long_path);
    const char *m = error_message();
    size_t n = strlen(m);
    EXPECT(n == 1023, "length %zu", n);
    EXPECT(strncmp(m, "/ppp", 4) == 0, "the head is lost: '%.20s'", m);
    EXPECT(strstr(m, "p ... p") != NULL, "no cut marked");
    EXPECT(n > 40 && strcmp(m + n - 34, "p/x.ini: cannot open: No such file") == 0,
           "the end is lost: '%s'", m + (n > 40 ? n - 40 : 0));

    /* a prefix before a long message: still the prefix first and the
     * reason last */
    error_prefix(MG_EIO, "recipe %s: ", "moe4");
    m = error_message();
    n = strlen(m);
    EXPECT(strncmp(m, "recipe moe4: /ppp", 17) == 0, "'%.30s'", m);
    EXPECT(n == 1023 && strcmp(m + n - 18, "open: No such file") == 0, "'%s'",
           m + (n > 30 ? n - 30 : 0));
}

int main(void)
{
    test_short();
    test_long();
    return test_summary("test_error");
}
