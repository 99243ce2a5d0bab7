#include "data/prepare_json.h"
#include "util/error.h"
#include "util/fileio.h"

#include "util/jsonio.h"
#include "util/jsonread.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *split_json(const prepare_result *r, int s, const char *file)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", file, "documents",
                     (json_int_t)r->docs[s], "words", (json_int_t)r->words[s], "lines",
                     (json_int_t)r->lines[s], "tokens", (json_int_t)r->tokens[s]);
}

static json_t *source_json(const prepare_options *o, const prepare_result *r)
{
    json_t *src = json_pack("{s:s, s:s, s:I, s:s}", "corpus", corpus_kind_name(o->kind), "path",
                            o->input, "files", (json_int_t)r->source_files, "sha256",
                            r->source_sha256);
    if (src && o->kind == CORPUS_BROWN)
        json_object_set_new(src, "sha256_of", json_string("its files ca01..cr09 concatenated "
                                                          "in name order"));
    if (src && o->kind != CORPUS_BROWN)
        json_object_set_new(src, "separator", json_string(o->separator ? o->separator
                                                          : CORPUS_TINYSTORIES_SEPARATOR));
    if (src && o->val_input)
        json_object_set_new(src, "val", json_pack("{s:s, s:s}", "path", o->val_input, "sha256",
                                                   r->val_source_sha256));
    return src;
}

static json_t *tokenizer_json(const prepare_options *o, const prepare_result *r)
{
    const tokenizer_info *t = &r->tok;
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)t->hash);
    json_t *opts = json_array();
    for (int i = 0; opts && tokenizer_spm_options[i]; i++)
        json_array_append_new(opts, json_string(tokenizer_spm_options[i]));
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:{s:I, s:I}, s:I, s:I}",
                     "kind", "sentencepiece bpe, byte fallback", "model", "tokenizer.model",
                     "vocab_size", (json_int_t)t->vocab_size, "hash", hash, "model_sha256",
                     t->model_sha256, "cache_key", t->key, "spm_version", t->spm_version,
                     "spm_options", opts, "trained_on", "documents",
                     (json_int_t)r->sample_docs, "bytes", (json_int_t)r->sample_bytes,
                     "bos_id", (json_int_t)t->bos_id, "newline_id", (json_int_t)t->newline_id);
}

int prepare_write_json(const char *path, const prepare_options *o, const prepare_result *r)
{
    json_t *split = o->val_input
        ? json_pack("{s:s}", "rule", "every document of path trains, every one of val.path "
                    "validates")
        : json_pack("{s:s, s:f}", "rule",
                    "validation when fnv1a64+splitmix64(document text) >> 11, times 2^-53, is "
                    "below val_fraction", "val_fraction", o->val_fraction);
    json_t *root = json_pack(
        "{s:s, s:i, s:o, s:o, s:o, s:{s:o, s:o}, s:s, s:f}", "format", "moegap corpus", "version",
        1, "source", source_json(o, r), "split", split, "tokenizer", tokenizer_json(o, r),
        "splits", "train", split_json(r, PREPARE_TRAIN, "train.tok"), "val",
        split_json(r, PREPARE_VAL, "val.tok"), "stream",
        "each document: <s> (bos_id), then its lines' ids with <0x0A> (newline_id) between lines",
        "seconds", r->seconds);
    return jsonio_write(path, root);
}

int prepare_read_json(const char *path, prepare_corpus_record *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = NULL;
    int rc = jsonread_load(path, &root);
    if (rc)
        return rc;
    jsonread_place at = jsonread_place_root(path);
    char format[32];
    long long version = 0;
    json_t *src = NULL, *tok = NULL, *splits = NULL;
    rc = jsonread_string(&at, root, "format", format, sizeof format);
    if (!rc && strcmp(format, "moegap corpus") != 0)
        rc = error_set(MG_EFORMAT, "%s: format: '%s', expected 'moegap corpus'", path, format);
    if (!rc)
        rc = jsonread_integer(&at, root, "version", 1, 1, &version);
    if (!rc)
        rc = jsonread_object(&at, root, "source", &src);
    jsonread_place src_at = jsonread_place_child(&at, "source");
    if (!rc)
        rc = jsonread_string(&src_at, src, "corpus", out->corpus, sizeof out->corpus);
    if (!rc)
        rc = jsonread_string(&src_at, src, "sha256", out->source_sha256,
                             sizeof out->source_sha256);
    if (!rc)
        rc = jsonread_integer(&src_at, src, "files", 1, 1LL << 40, &out->files);
    if (!rc)
        rc = jsonread_object(&at, root, "tokenizer", &tok);
    jsonread_place tok_at = jsonread_place_child(&at, "tokenizer");
    if (!rc)
        rc = jsonread_string(&tok_at, tok, "kind", out->tokenizer, sizeof out->tokenizer);
    if (!rc)
        rc = jsonread_string(&tok_at, tok, "hash", out->tokenizer_hash,
                             sizeof out->tokenizer_hash);
    if (!rc)
        rc = jsonread_string(&tok_at, tok, "spm_version", out->spm_version,
                             sizeof out->spm_version);
    if (!rc)
        rc = jsonread_integer(&tok_at, tok, "vocab_size", 2, 65536, &out->vocab_size);
    if (!rc)
        rc = jsonread_object(&at, root, "splits", &splits);
    jsonread_place splits_at = jsonread_place_child(&at, "splits");
    static const char *const names[2] = {"train", "val"};
    for (int i = 0; !rc && i < 2; i++) {
        json_t *s = NULL;
        rc = jsonread_object(&splits_at, splits, names[i], &s);
        jsonread_place s_at = jsonread_place_child(&splits_at, names[i]);
        if (!rc)
            rc = jsonread_integer(&s_at, s, "documents", 0, 1LL << 50, &out->documents[i]);
        if (!rc)
            rc = jsonread_integer(&s_at, s, "tokens", 0, 1LL << 50, &out->tokens[i]);
    }
    json_decref(root);
    return rc;
}
