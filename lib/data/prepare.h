/* prepare: a corpus in, token files out.
 *
 *   corpus → documents → split by each document's text hash → SentencePiece
 *   BPE trained on (a prefix of) the training documents → out/train.tok,
 *   out/val.tok, out/tokenizer.model (+ .vocab), and out/corpus.json last.
 *
 * The token stream of a split is its documents in source order, each one
 * <s> followed by its lines' ids, the byte piece <0x0A> between lines.
 * Work files live in out/prepare.tmp.<pid>/ and are removed at the end; a
 * folder without corpus.json is not a finished one. */
#ifndef MOEGAP_PREPARE_H
#define MOEGAP_PREPARE_H

#include "data/corpus.h"
#include "data/tokenizer.h"

#include <stdint.h>

#define PREPARE_DEFAULT_VOCAB 1024
/* Brown at vocab 1024 then has about 50 validation documents (~150k tokens) */
#define PREPARE_DEFAULT_VAL_FRACTION 0.1
#define PREPARE_DEFAULT_SAMPLE_BYTES (64ull << 20)

typedef struct {
    corpus_kind kind;
    const char *input;       /* Brown folder or text file */
    /* optional, text corpora only: every document of `input` trains and
     * every document of this file validates (TinyStories' own -valid.txt);
     * no hash split then */
    const char *val_input;
    const char *separator;   /* CORPUS_TEXT only */
    uint32_t vocab_size;
    double val_fraction;     /* in (0, 1) */
    /* the tokenizer trains on the training documents, in order, up to
     * this many bytes (whole documents) */
    uint64_t sample_bytes;
    const char *out_dir;
    const char *cache_dir;   /* trained tokenizers, shared by every prepare */
    void (*progress)(void *ctx, const char *message);
    void *progress_ctx;
} prepare_options;

enum { PREPARE_TRAIN = 0, PREPARE_VAL = 1 };

typedef struct {
    uint64_t docs[2], words[2], lines[2], tokens[2]; /* [PREPARE_TRAIN], [PREPARE_VAL] */
    uint64_t sample_docs, sample_bytes;
    char source_sha256[65], val_source_sha256[65];
    size_t source_files;
    tokenizer_info tok;
    double seconds;
} prepare_result;

void prepare_defaults(prepare_options *o);
int prepare_run(const prepare_options *o, prepare_result *res);

#endif
