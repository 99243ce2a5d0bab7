/* SentencePiece BPE tokenizers with byte fallback, trained and applied by
 * Debian's command-line tools spm_train and spm_encode (run without a
 * shell), so the project stays C-only and no BPE of our own exists.
 *
 * A model is trained once per training sample and option set, and cached in
 * <cache>/<key>/ (tokenizer.model, tokenizer.vocab, spm_train.log), where
 * key is the SHA-256 of the SentencePiece version, the options and the
 * sample's SHA-256. The folder appears by rename only once complete. */
#ifndef MOEGAP_TOKENIZER_H
#define MOEGAP_TOKENIZER_H

#include "util/fsutil.h"

#include <stddef.h>
#include <stdint.h>

#define TOKENIZER_PATH_MAX FS_PATH_MAX

typedef struct {
    uint32_t vocab_size;
    /* the token-file header's tokenizer hash: the first 8 bytes of the
     * model file's SHA-256, read big-endian (so its hex is that digest's
     * first 16 digits) */
    uint64_t hash;
    char model_sha256[65];
    char key[65];
    char dir[TOKENIZER_PATH_MAX];   /* the cache folder holding the model */
    char spm_version[64];           /* "sentencepiece 0.1.97" */
    uint32_t bos_id;                /* <s>, which starts every document */
    uint32_t newline_id;            /* the byte piece <0x0A>, between lines */
    int from_cache;                 /* 1 when no training was needed */
} tokenizer_info;

/* The spm_train options besides input, model prefix and vocabulary size;
 * NULL-terminated. Fixed seed, one thread, no sampling or shuffling: two
 * trainings on the same sample give byte-identical models. */
extern const char *const tokenizer_spm_options[];

/* Returns the model for `sample` (a text file, one sentence a line) and
 * vocab_size, training it into cache_dir when absent. */
int tokenizer_get(tokenizer_info *t, const char *sample, uint32_t vocab_size,
                  const char *cache_dir);

/* Called with the ids of every input line, in order. */
typedef int (*tokenizer_line_fn)(void *ctx, const uint16_t *ids, size_t n);

/* Runs spm_encode in folder `dir` on the file `input` (a name inside dir,
 * one text line per line) with the model `model` (also inside dir: the tool
 * runs there, so no path needs quoting). Fails unless every id is below
 * vocab_size and exactly `lines` lines come back. */
int tokenizer_encode(const tokenizer_info *t, const char *dir, const char *model,
                     const char *input, size_t lines, tokenizer_line_fn fn, void *ctx);

#endif
