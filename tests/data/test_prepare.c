/* prepare end to end on corpora written here (SentencePiece's tools run,
 * the network is never used): token files that read back with the
 * tokenizer's hash, one <s> per document, the cache reused, two trainings
 * byte-identical, a validation file instead of the hash split, and failures
 * that leave no finished-looking folder or half-trained cache entry. */
#include "util/error.h"
#include "data/prepare.h"
#include "data/prepare_json.h"
#include "train/tokens.h"
#include "util/rng.h"
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>

static const char *const words[] = {
    "the", "cat", "dog", "sat", "on", "a", "mat", "and", "ran", "to", "big", "red", "ball",
    "Tom", "Lily", "happy", "sad", "friend", "played", "with", "park", "tree", "sun", "said",
    "\"Look!\"", "mom", "home", "little", "bird", "sang", "in", "garden", "jumped", "over",
    "was", "very", "day", "one", "they", "went", "caf\xc3\xa9", "42", "1999", NULL};

/* `n` stories of 2-5 lines in TinyStories' layout; deterministic in seed. */
static const char *write_stories(const char *dir, const char *name, int n, uint64_t seed)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    rng_state r;
    rng_seed(&r, seed);
    int n_words = 0;
    while (words[n_words])
        n_words++;
    for (int s = 0; s < n; s++) {
        int lines = 2 + (int)rng_below(&r, 4);
        for (int l = 0; l < lines; l++) {
            int len = 4 + (int)rng_below(&r, 12);
            for (int w = 0; w < len; w++)
                fprintf(f, "%s%s", w ? " " : "", words[rng_below(&r, (uint64_t)n_words)]);
            fputs(".\n", f);
        }
        fputs("<|endoftext|>\n", f);
    }
    fclose(f);
    return path;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(*n + 1);
    if (fread(b, 1, *n, f) != *n)
        *n = 0;
    fclose(f);
    return b;
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static int exists(const char *dir, const char *name)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Entries of dir whose name contains `part`. */
static int count_entries(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, part) != NULL;
    if (d)
        closedir(d);
    return n;
}

/* Reads one split back: the hash and vocab of the header, <s> per document,
 * <0x0A> between lines. */
static void check_split(const char *out, const char *name, const prepare_result *res, int s)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", out, name);
    token_file tf;
    int rc = tokens_read(&tf, p);
    EXPECT(rc == MG_OK, "%s", error_message());
    if (rc)
        return;
    EXPECT(tf.tokenizer_hash == res->tok.hash && tf.tokenizer_hash != 0,
           "%s: hash %016llx, tokenizer %016llx", p, (unsigned long long)tf.tokenizer_hash,
           (unsigned long long)res->tok.hash);
    EXPECT(tf.vocab_size == res->tok.vocab_size, "%s: vocab %u", p, tf.vocab_size);
    EXPECT(tf.n == res->tokens[s], "%s: %zu tokens, result says %llu", p, tf.n,
           (unsigned long long)res->tokens[s]);
    size_t bos = 0, nl = 0, unk = 0;
    for (size_t i = 0; i < tf.n; i++) {
        bos += tf.ids[i] == res->tok.bos_id;
        nl += tf.ids[i] == res->tok.newline_id;
        unk += tf.ids[i] == 0;
    }
    EXPECT(tf.n > 0 && tf.ids[0] == res->tok.bos_id, "%s does not start with <s>", p);
    EXPECT(bos == res->docs[s], "%s: %zu <s>, %llu documents", p, bos,
           (unsigned long long)res->docs[s]);
    EXPECT(nl == res->lines[s] - res->docs[s], "%s: %zu newlines, expected %llu", p, nl,
           (unsigned long long)(res->lines[s] - res->docs[s]));
    EXPECT(unk == 0, "%s: %zu <unk> despite byte fallback", p, unk);
    tokens_free(&tf);
}

static int run(prepare_options *o, prepare_result *res)
{
    int rc = prepare_run(o, res);
    EXPECT(rc == MG_OK, "prepare into %s: %s", o->out_dir, error_message());
    return rc;
}

int main(void)
{
    char dir[1024], out_a[1100], out_b[1100], out_c[1100], out_v[1100], out_e[1100];
    char cache[1100], cache2[1100], p1[1200], p2[1200];
    snprintf(dir, sizeof dir, "%s", test_dir("prepare"));
    snprintf(out_a, sizeof out_a, "%s/a", dir);
    snprintf(out_b, sizeof out_b, "%s/b", dir);
    snprintf(out_c, sizeof out_c, "%s/c", dir);
    snprintf(out_v, sizeof out_v, "%s/v", dir);
    snprintf(out_e, sizeof out_e, "%s/e", dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    snprintf(cache2, sizeof cache2, "%s/cache2", dir);
    char stories[1200], valid[1200];
    snprintf(stories, sizeof stories, "%s", write_stories(dir, "train.txt", 400, 1));
    snprintf(valid, sizeof valid, "%s", write_stories(dir, "valid.txt", 37, 2));

    prepare_options o;
    prepare_defaults(&o);
    o.kind = CORPUS_TINYSTORIES;
    o.input = stories;
    o.vocab_size = 320;
    o.val_fraction = 0.2;
    o.cache_dir = cache;
    o.out_dir = out_a;
    prepare_result a, b, c, v;
    if (run(&o, &a))
        return test_summary("test_prepare");
    EXPECT(a.docs[0] + a.docs[1] == 400, "%llu + %llu documents, expected 400",
           (unsigned long long)a.docs[0], (unsigned long long)a.docs[1]);
    EXPECT(a.docs[1] > 50 && a.docs[1] < 110, "%llu validation documents at 0.2",
           (unsigned long long)a.docs[1]);
    EXPECT(!a.tok.from_cache, "the first prepare found a cached tokenizer");
    check_split(out_a, "train.tok", &a, PREPARE_TRAIN);
    check_split(out_a, "val.tok", &a, PREPARE_VAL);
    EXPECT(exists(out_a, "corpus.json") && exists(out_a, "tokenizer.model") &&
           exists(out_a, "tokenizer.vocab"), "%s lacks corpus.json or the tokenizer", out_a);
    EXPECT(count_entries(out_a, ".tmp.") == 0, "%s kept its work folder", out_a);
    size_t n;
    char *json = slurp(strcat(strcpy(p1, out_a), "/corpus.json"), &n);
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)a.tok.hash);
    EXPECT(json && strstr(json, hash) && strstr(json, "\"val_fraction\": 0.2"),
           "corpus.json lacks the tokenizer hash or the split");
    free(json);
    /* the reader (the report's) gives back what the prepare wrote */
    prepare_corpus_record rec;
    int rrc = prepare_read_json(p1, &rec);
    EXPECT(rrc == MG_OK, "prepare_read_json: %s", error_message());
    if (rrc == MG_OK) {
        EXPECT(strcmp(rec.corpus, "tinystories") == 0 && strcmp(rec.tokenizer_hash, hash) == 0 &&
                   rec.vocab_size == 320 && strcmp(rec.source_sha256, a.source_sha256) == 0,
               "corpus.json read back: corpus %s, hash %s, vocab %lld", rec.corpus,
               rec.tokenizer_hash, rec.vocab_size);
        for (int s = 0; s < 2; s++)
            EXPECT(rec.documents[s] == (long long)a.docs[s] && rec.tokens[s] == (long long)a.tokens[s],
                   "split %d read back: %lld documents, %lld tokens", s, rec.documents[s],
                   rec.tokens[s]);
    }
    /* a damaged field is refused by its dotted place */
    char bad[1200];
    snprintf(bad, sizeof bad, "%s/bad-corpus.json", dir);
    FILE *bf = fopen(bad, "w");
    if (bf) {
        fputs("{\"format\": \"moegap corpus\", \"version\": 1, \"source\": {\"corpus\": \"brown\", "
              "\"sha256\": \"x\", \"files\": 3}, \"tokenizer\": {\"kind\": \"k\", \"hash\": \"h\", "
              "\"spm_version\": \"v\", \"vocab_size\": \"many\"}}\n", bf);
        fclose(bf);
        EXPECT(prepare_read_json(bad, &rec) != MG_OK &&
                   strstr(error_message(), "tokenizer.vocab_size") != NULL,
               "a string vocab_size: %s", error_message());
    }

    /* the same corpus again: the cache answers, the output is identical */
    o.out_dir = out_b;
    if (!run(&o, &b)) {
        EXPECT(b.tok.from_cache && b.tok.hash == a.tok.hash, "the cached tokenizer was not reused");
        const char *files[] = {"train.tok", "val.tok", "tokenizer.model"};
        for (int i = 0; i < 3; i++) {
            snprintf(p1, sizeof p1, "%s/%s", out_a, files[i]);
            snprintf(p2, sizeof p2, "%s/%s", out_b, files[i]);
            EXPECT(same_file(p1, p2), "%s and %s differ", p1, p2);
        }
    }
    /* a fresh cache: spm_train runs again and must give the same bytes */
    o.out_dir = out_c;
    o.cache_dir = cache2;
    if (!run(&o, &c)) {
        snprintf(p1, sizeof p1, "%s/tokenizer.model", out_a);
        snprintf(p2, sizeof p2, "%s/tokenizer.model", out_c);
        EXPECT(!c.tok.from_cache && same_file(p1, p2), "two trainings gave different models");
    }

    /* a validation file instead of the hash split */
    o.out_dir = out_v;
    o.val_input = valid;
    if (!run(&o, &v)) {
        EXPECT(v.docs[0] == 400 && v.docs[1] == 37, "%llu train, %llu val documents",
               (unsigned long long)v.docs[0], (unsigned long long)v.docs[1]);
        EXPECT(v.tok.hash != a.tok.hash, "more training documents, same tokenizer");
        check_split(out_v, "val.tok", &v, PREPARE_VAL);
    }
    o.val_input = NULL;

    /* spm_train refuses a vocabulary this corpus cannot fill: the error
     * says why, and neither a corpus.json nor a cache entry is left */
    prepare_result e;
    o.out_dir = out_e;
    o.vocab_size = 6000;
    int rc = prepare_run(&o, &e);
    EXPECT(rc == MG_EIO && strstr(error_message(), "spm_train") &&
           strstr(error_message(), "Vocabulary size"), "oversized vocab: rc %d, '%s'", rc,
           error_message());
    EXPECT(!exists(out_e, "corpus.json") && count_entries(out_e, ".tmp.") == 0,
           "a failed prepare left corpus.json or its work folder");
    EXPECT(count_entries(cache2, ".tmp.") == 0, "a failed training left a cache folder");

    /* too small a fraction for 400 documents: no validation set */
    o.vocab_size = 320;
    o.val_fraction = 1e-9;
    rc = prepare_run(&o, &e);
    EXPECT(rc == MG_EINVAL && strstr(error_message(), "no validation documents"),
           "empty validation set: rc %d, '%s'", rc, error_message());
    return test_summary("test_prepare");
}
