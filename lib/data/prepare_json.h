/* corpus.json, the record of one prepare: what went in, how it was split
 * and tokenized, what came out. Written atomically and last. */
#ifndef MOEGAP_PREPARE_JSON_H
#define MOEGAP_PREPARE_JSON_H

#include "data/prepare.h"

int prepare_write_json(const char *path, const prepare_options *o, const prepare_result *r);

/* What a reader of corpus.json needs of it (the report's corpus table). */
typedef struct {
    char corpus[64];          /* source.corpus: brown, tinystories, text */
    char source_sha256[65];   /* source.sha256 */
    long long files;          /* source.files */
    char tokenizer[128];      /* tokenizer.kind */
    char tokenizer_hash[32];  /* tokenizer.hash, 16 hex digits */
    char spm_version[64];     /* tokenizer.spm_version */
    long long vocab_size;     /* tokenizer.vocab_size */
    long long documents[2];   /* splits.{train,val}.documents */
    long long tokens[2];      /* splits.{train,val}.tokens */
} prepare_corpus_record;

/* Reads corpus.json strictly (format "moegap corpus", version 1): every
 * field above present and of its type; errors name the file and the dotted
 * field. */
int prepare_read_json(const char *path, prepare_corpus_record *out);

#endif
