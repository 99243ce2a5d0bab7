/* Token files: round trip, and every malformed file refused with a message
 * that names the file and the field. */
#include "util/error.h"
#include "train/tokens.h"
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n)
        *n = 0;
    fclose(f);
    return b;
}

/* Writes a damaged copy of `good` and expects tokens_read to refuse it. */
static void expect_refused(const char *dir, const char *name, const unsigned char *bytes, size_t n,
                           const char *field)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_bytes(path, bytes, n);
    token_file tf;
    int rc = tokens_read(&tf, path);
    const char *msg = error_message();
    EXPECT(rc != MG_OK, "%s was accepted", name);
    EXPECT(strstr(msg, path) != NULL, "message does not name the file: %s", msg);
    EXPECT(strstr(msg, field) != NULL, "message does not name '%s': %s", field, msg);
    EXPECT(tf.ids == NULL, "a refused file left data behind");
}

/* Only regular files are read: a directory, a fifo or a device is refused
 * by name, at once (an alarm fails the test if a read blocks). */
static void test_not_regular(const char *dir)
{
    token_file tf;
    alarm(10);
    char p[1200];
    snprintf(p, sizeof p, "%s/fifo.tok", dir);
    EXPECT(tokens_read(&tf, dir) == MG_EIO && strstr(error_message(), "not a regular file (a "
           "directory)") != NULL && strstr(error_message(), dir) != NULL,
           "directory: %s", error_message());
    EXPECT(tokens_read(&tf, "/dev/zero") == MG_EIO &&
               strstr(error_message(), "/dev/zero: not a regular file (a device)") != NULL,
           "device: %s", error_message());
    EXPECT(mkfifo(p, 0600) == 0, "mkfifo %s", p);
    EXPECT(tokens_read(&tf, p) == MG_EIO && strstr(error_message(), "fifo.tok: not a regular "
           "file (a fifo)") != NULL, "fifo: %s", error_message());
    EXPECT(tf.ids == NULL, "a refused file left data behind");
    alarm(0);
    remove(p);
}

int main(void)
{
    const char *dir = test_dir("tokens");
    char good[1100];
    snprintf(good, sizeof good, "%s/good.tok", dir);

    uint16_t ids[1000];
    EXPECT(tokens_synthesize(ids, 1000, 300, 5) == MG_OK, "%s", error_message());
    EXPECT(tokens_write(good, ids, 1000, 300, 0xabcdef0123456789ULL) == MG_OK, "%s", error_message());
    token_file tf;
    EXPECT(tokens_read(&tf, good) == MG_OK, "%s", error_message());
    EXPECT(tf.n == 1000 && tf.vocab_size == 300 && tf.tokenizer_hash == 0xabcdef0123456789ULL,
           "header fields did not round-trip");
    EXPECT(tf.ids && memcmp(tf.ids, ids, sizeof ids) == 0, "ids did not round-trip");
    tokens_free(&tf);

    /* the same seed gives the same stream; another seed another */
    uint16_t again[1000], other[1000];
    tokens_synthesize(again, 1000, 300, 5);
    tokens_synthesize(other, 1000, 300, 6);
    EXPECT(memcmp(ids, again, sizeof ids) == 0, "synthesis is not deterministic");
    EXPECT(memcmp(ids, other, sizeof ids) != 0, "synthesis ignores its seed");

    size_t n;
    unsigned char *b = read_bytes(good, &n);
    EXPECT(n == 32 + 2000, "file size %zu", n);

    unsigned char *bad = malloc(n);
    memcpy(bad, b, n);
    bad[0] = 'X';
    expect_refused(dir, "magic.tok", bad, n, "magic");

    memcpy(bad, b, n);
    bad[8] = 2;
    expect_refused(dir, "version.tok", bad, n, "version");

    memcpy(bad, b, n);
    bad[12] = 1; /* vocabulary of 1 */
    bad[13] = 0;
    expect_refused(dir, "vocab.tok", bad, n, "vocab_size");

    expect_refused(dir, "short.tok", b, n - 7, "token_count");
    expect_refused(dir, "header.tok", b, 20, "header");

    /* a count whose byte size wraps (2 * (2^63 + 2) = 4 mod 2^64) must not
     * match a file of 4 bytes after the header */
    memcpy(bad, b, 36);
    memset(bad + 16, 0, 8);
    bad[16] = 2;
    bad[23] = 0x80;
    expect_refused(dir, "wrap.tok", bad, 36, "token_count");

    memcpy(bad, b, n);
    bad[32 + 2 * 17] = 0x2c; /* token 17 := 300 = 0x012c, not below the vocabulary */
    bad[32 + 2 * 17 + 1] = 0x01;
    expect_refused(dir, "id.tok", bad, n, "token 17");

    token_file missing;
    EXPECT(tokens_read(&missing, "no/such/file.tok") == MG_EIO, "missing file not an I/O error");
    EXPECT(strstr(error_message(), "no/such/file.tok") != NULL, "%s", error_message());

    test_not_regular(dir);
    free(bad);
    free(b);
    return test_summary("test_tokens");
}
