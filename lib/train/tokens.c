#include "train/tokens.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/fsutil.h"
#include "util/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char TOKENS_MAGIC[8] = {'M', 'G', 'T', 'O', 'K', 'E', 'N', 'S'};
enum { TOKENS_HEADER_BYTES = 32 };

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

int tokens_read(token_file *tf, const char *path)
{
    memset(tf, 0, sizeof *tf);
    FILE *f;
    int rc = fs_open_regular(path, "token file", &f);
    if (rc)
        return rc;
    unsigned char h[TOKENS_HEADER_BYTES];
    if (fread(h, 1, sizeof h, f) != sizeof h) {
        rc = error_set(MG_EFORMAT, "%s: header: file is shorter than the %d-byte header", path,
                       TOKENS_HEADER_BYTES);
        goto done;
    }
    if (memcmp(h, TOKENS_MAGIC, 8) != 0) {
        rc = error_set(MG_EFORMAT, "%s: magic: expected \"MGTOKENS\", not a moegap token file", path);
        goto done;
    }
    uint32_t version = get_u32(h + 8);
    if (version != TOKENS_VERSION) {
        rc = error_set(MG_EFORMAT, "%s: version: %u, expected %d", path, version, TOKENS_VERSION);
        goto done;
    }
    tf->vocab_size = get_u32(h + 12);
    uint64_t n = get_u64(h + 16);
    tf->tokenizer_hash = get_u64(h + 24);
    if (tf->vocab_size < 2 || tf->vocab_size > 65536) {
        rc = error_set(MG_EFORMAT, "%s: vocab_size: %u, expected 2..65536", path, tf->vocab_size);
        goto done;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        rc = error_set(MG_EIO, "%s: cannot seek: %s", path, strerror(errno));
        goto done;
    }
    long size = ftell(f);
    /* n * 2 must not wrap: a count near 2^63 would match a tiny file */
    if (size < TOKENS_HEADER_BYTES || n > UINT64_MAX / 2 ||
        (uint64_t)(size - TOKENS_HEADER_BYTES) != n * 2) {
        rc = error_set(MG_EFORMAT, "%s: token_count: header says %llu tokens (%llu bytes) but "
                       "the file holds %ld bytes after the header", path,
                       (unsigned long long)n, (unsigned long long)(n * 2),
                       size - TOKENS_HEADER_BYTES);
        goto done;
    }
    fseek(f, TOKENS_HEADER_BYTES, SEEK_SET);
    tf->n = (size_t)n;
    tf->ids = malloc(tf->n * sizeof(uint16_t) + 1);
    unsigned char *raw = malloc(tf->n * 2 + 1);
    if (!tf->ids || !raw) {
        free(raw);
        rc = error_set(MG_ENOMEM, "%s: out of memory for %zu tokens", path, tf->n);
        goto done;
    }
    if (fread(raw, 2, tf->n, f) != tf->n) {
        free(raw);
        rc = error_set(MG_EIO, "%s: short read", path);
        goto done;
    }
    for (size_t i = 0; i < tf->n; i++) {
        tf->ids[i] = (uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
        if (tf->ids[i] >= tf->vocab_size) {
            free(raw);
            rc = error_set(MG_EFORMAT, "%s: token %zu: id %u is not below vocab_size %u", path, i,
                           tf->ids[i], tf->vocab_size);
            goto done;
        }
    }
    free(raw);
done:
    fclose(f);
    if (rc)
        tokens_free(tf);
    return rc;
}

int tokens_write(const char *path, const uint16_t *ids, size_t n, uint32_t vocab_size,
                 uint64_t tokenizer_hash)
{
    unsigned char h[TOKENS_HEADER_BYTES];
    memcpy(h, TOKENS_MAGIC, 8);
    put_u32(h + 8, TOKENS_VERSION);
    put_u32(h + 12, vocab_size);
    put_u64(h + 16, n);
    put_u64(h + 24, tokenizer_hash);
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, path);
    if (rc)
        return rc;
    fwrite(h, 1, sizeof h, af.f);
    unsigned char buf[2];
    for (size_t i = 0; i < n; i++) {
        buf[0] = (unsigned char)(ids[i] & 0xff);
        buf[1] = (unsigned char)(ids[i] >> 8);
        fwrite(buf, 1, 2, af.f);
    }
    return fileio_atomic_commit(&af);
}

void tokens_free(token_file *tf)
{
    free(tf->ids);
    memset(tf, 0, sizeof *tf);
}

int tokens_synthesize(uint16_t *ids, size_t n, uint32_t vocab_size, uint64_t seed)
{
    if (vocab_size < 8 || vocab_size > 65536)
        return error_set(MG_EINVAL, "vocab_size %u: the synthetic stream needs 8..65536", vocab_size);
    enum { SUCC = 4 };
    /* successor probabilities, cumulative: 0.55, 0.25, 0.15, 0.05 */
    static const double cum[SUCC] = {0.55, 0.80, 0.95, 1.0};
    rng_state r;
    rng_seed(&r, seed);
    uint16_t *succ = malloc(sizeof(uint16_t) * vocab_size * SUCC);
    if (!succ)
        return error_set(MG_ENOMEM, "out of memory for the synthetic chain");
    for (size_t i = 0; i < (size_t)vocab_size * SUCC; i++)
        succ[i] = (uint16_t)rng_below(&r, vocab_size);
    size_t i = 0;
    uint16_t cur = (uint16_t)rng_below(&r, vocab_size);
    while (i < n) {
        /* one time in 16, copy a span of 8..23 tokens from up to 64 back */
        if (i > 96 && rng_below(&r, 16) == 0) {
            size_t back = 24 + rng_below(&r, 41);
            size_t len = 8 + rng_below(&r, 16);
            for (size_t j = 0; j < len && i < n; j++, i++)
                ids[i] = ids[i - back];
            cur = ids[i - 1];
            continue;
        }
        double u = rng_uniform(&r);
        int k = 0;
        while (k < SUCC - 1 && u >= cum[k])
            k++;
        cur = succ[(size_t)cur * SUCC + k];
        ids[i++] = cur;
    }
    free(succ);
    return MG_OK;
}
