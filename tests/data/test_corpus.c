/* Corpus readers, the split rule and SHA-256: Brown's tagged files to plain
 * text, TinyStories and separator-delimited files to documents (across the
 * reader's chunk boundaries), errors that name the file and line. No
 * network and no SentencePiece: every corpus is written here. */
#include "data/brown.h"
#include "data/corpus.h"
#include "util/error.h"
#include "util/sha256.h"
#include "testutil.h"

#include <stdlib.h>

static void sha_hex(const void *data, size_t n, char hex[65])
{
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, data, n);
    sha256_final_hex(&c, hex);
}

static void test_sha256(void)
{
    char hex[65];
    sha_hex("", 0, hex);
    EXPECT(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
           "sha256('') = %s", hex);
    sha_hex("abc", 3, hex);
    EXPECT(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
           "sha256('abc') = %s", hex);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(two, strlen(two), hex);
    EXPECT(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0,
           "sha256(two blocks) = %s", hex);
    /* a million 'a' in uneven pieces exercises the partial-block path */
    char a[1000];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    sha256_init(&c);
    size_t left = 1000000;
    for (size_t step = 1; left; step = step % 990 + 7) {
        size_t n = step < left ? step : left;
        sha256_update(&c, a, n);
        left -= n;
    }
    sha256_final_hex(&c, hex);
    EXPECT(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
           "sha256(a x 1e6) = %s", hex);
}

static void test_split(void)
{
    /* pinned: a change here silently moves documents between the splits */
    EXPECT(corpus_doc_hash("hello", 5) == 0x16fe05a1c75bcd0fULL, "hash('hello') = %016llx",
           (unsigned long long)corpus_doc_hash("hello", 5));
    int val = 0, n = 20000;
    char doc[64];
    for (int i = 0; i < n; i++) {
        int len = snprintf(doc, sizeof doc, "document number %d", i);
        int v = corpus_is_val(doc, (size_t)len, 0.1);
        EXPECT(v == corpus_is_val(doc, (size_t)len, 0.1), "split of '%s' is not stable", doc);
        /* a larger fraction only adds documents to validation */
        EXPECT(!v || corpus_is_val(doc, (size_t)len, 0.3), "'%s' left validation at 0.3", doc);
        val += v;
    }
    EXPECT(val > 1800 && val < 2200, "%d of %d documents validate at 0.1", val, n);
}

/* Reads every document; returns how many, copying the first two. */
static int read_all(corpus_kind kind, const char *path, const char *sep, char first[2][256],
                    uint64_t *words, char sha[65])
{
    corpus_reader *r;
    int rc = corpus_open(&r, kind, path, sep);
    EXPECT(rc == MG_OK, "open %s: %s", path, error_message());
    if (rc)
        return -1;
    int n = 0;
    *words = 0;
    for (;;) {
        corpus_doc d;
        rc = corpus_next(r, &d);
        EXPECT(rc == MG_OK, "%s: %s", path, error_message());
        if (rc || !d.text)
            break;
        if (n < 2)
            snprintf(first[n], 256, "%.*s", (int)d.len, d.text);
        *words += d.words;
        n++;
    }
    if (sha)
        corpus_source_sha256(r, sha);
    corpus_close(r);
    return rc ? -1 : n;
}

static void test_brown(void)
{
    const char *dir = test_dir("brown");
    const char *ca01 =
        "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ./.\n\n\n"
        "\tIt/pps cost/vbd 1/2/cd (/( or/cc less/ap )/) ,/, and/cc //in so/rb on/rb ;/. "
        "fine/jj-hl ?/.\n";
    const char *cb02 = "\tA/at b/nn ./.\n";
    test_write_file(dir, "ca01", ca01);
    test_write_file(dir, "cb02", cb02);
    test_write_file(dir, "README", "not a corpus file");
    test_write_file(dir, "cats.txt", "ca01 news");
    test_write_file(dir, "ca1", "x/y");
    char docs[2][256];
    uint64_t words;
    char sha[65], want[65];
    int n = read_all(CORPUS_BROWN, dir, NULL, docs, &words, sha);
    EXPECT(n == 2, "%d Brown documents, expected 2", n);
    EXPECT(strcmp(docs[0], "The jury said \"no evidence\".\n"
                           "It cost 1/2 (or less), and / so on; fine?") == 0,
           "ca01 became '%s'", docs[0]);
    EXPECT(strcmp(docs[1], "A b.") == 0, "cb02 became '%s'", docs[1]);
    EXPECT(words == 26, "%llu words, expected 8 + 15 + 3", (unsigned long long)words);
    char both[512];
    snprintf(both, sizeof both, "%s%s", ca01, cb02);
    sha_hex(both, strlen(both), want);
    EXPECT(strcmp(sha, want) == 0, "Brown sha256 %s, expected that of the files in name order",
           sha);

    const char *bad = test_dir("brown_bad");
    test_write_file(bad, "ca01", "\tok/jj\n\tbad token/nn\n");
    corpus_reader *r;
    corpus_doc d;
    int rc = corpus_open(&r, CORPUS_BROWN, bad, NULL);
    EXPECT(rc == MG_OK, "%s", error_message());
    if (!rc) {
        rc = corpus_next(r, &d);
        EXPECT(rc == MG_EFORMAT && strstr(error_message(), "ca01:2: token 'bad'"),
               "untagged token: rc %d, '%s'", rc, error_message());
        corpus_close(r);
    }
    const char *empty = test_dir("brown_empty");
    rc = corpus_open(&r, CORPUS_BROWN, empty, NULL);
    EXPECT(rc == MG_EFORMAT && strstr(error_message(), "no Brown files"),
           "empty folder: rc %d, '%s'", rc, error_message());
}

static void test_tinystories(void)
{
    const char *dir = test_dir("tinystories");
    const char *text = "<|endoftext|>\nOnce upon a time, there was a cat.\n\nThe cat sat.\n"
                       "<|endoftext|>\n  \n<|endoftext|>\nTom had a red ball.\n<|endoftext|>\n";
    const char *path = test_write_file(dir, "stories.txt", text);
    char docs[2][256], sha[65], want[65];
    uint64_t words;
    int n = read_all(CORPUS_TINYSTORIES, path, NULL, docs, &words, sha);
    EXPECT(n == 2, "%d stories, expected 2 (empty ones skipped)", n);
    EXPECT(strcmp(docs[0], "Once upon a time, there was a cat.\n\nThe cat sat.") == 0,
           "story 1 is '%s'", docs[0]);
    EXPECT(strcmp(docs[1], "Tom had a red ball.") == 0, "story 2 is '%s'", docs[1]);
    EXPECT(words == 16, "%llu words, expected 16", (unsigned long long)words);
    sha_hex(text, strlen(text), want);
    EXPECT(strcmp(sha, want) == 0, "sha256 %s is not the file's", sha);

    corpus_reader *r;
    int rc = corpus_open(&r, CORPUS_TINYSTORIES, "no/such/file.txt", NULL);
    EXPECT(rc == MG_EIO && strstr(error_message(), "no/such/file.txt"), "missing file: '%s'",
           error_message());
    rc = corpus_open(&r, CORPUS_TEXT, path, NULL);
    EXPECT(rc == MG_EINVAL, "a text corpus without a separator was accepted");
}

/* Documents of many lengths with a multi-byte separator, over several of the
 * reader's 1 MiB chunks, so separators straddle chunk boundaries. */
static void test_text_chunks(void)
{
    const char *dir = test_dir("text");
    char path[1200];
    snprintf(path, sizeof path, "%s/big.txt", dir);
    FILE *f = fopen(path, "wb");
    const char *sep = "\n\n";
    size_t total = 0;
    int docs = 0;
    sha256_ctx c;
    sha256_init(&c);
    char buf[9000];
    while (total < (3u << 20) + 12345) {
        int len = 1 + (docs * 7919) % 8000;
        int k = snprintf(buf, sizeof buf, "%d:", docs);
        for (int i = k; i < len + k; i++)
            buf[i] = (char)('a' + (i + docs) % 26);
        int n = len + k;
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", sep);
        fwrite(buf, 1, (size_t)n, f);
        sha256_update(&c, buf, (size_t)n);
        total += (size_t)n;
        docs++;
    }
    fclose(f);
    char want[65], sha[65];
    sha256_final_hex(&c, want);
    corpus_reader *r;
    int rc = corpus_open(&r, CORPUS_TEXT, path, sep);
    EXPECT(rc == MG_OK, "%s", error_message());
    if (rc)
        return;
    int n = 0, bad = 0;
    for (;;) {
        corpus_doc d;
        if ((rc = corpus_next(r, &d)) || !d.text)
            break;
        int k = snprintf(buf, sizeof buf, "%d:", n);
        int len = 1 + (n * 7919) % 8000;
        for (int i = k; i < len + k; i++)
            buf[i] = (char)('a' + (i + n) % 26);
        if (d.len != (size_t)(len + k) || memcmp(d.text, buf, d.len) != 0)
            bad++;
        n++;
    }
    EXPECT(rc == MG_OK, "%s", error_message());
    corpus_source_sha256(r, sha);
    corpus_close(r);
    EXPECT(n == docs && bad == 0, "%d documents (%d wrong), expected %d", n, bad, docs);
    EXPECT(strcmp(sha, want) == 0, "sha256 %s is not the file's", sha);
}

int main(void)
{
    test_sha256();
    test_split();
    test_brown();
    test_tinystories();
    test_text_chunks();
    return test_summary("test_corpus");
}
