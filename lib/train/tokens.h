/* Token files: a 32-byte little-endian header, then uint16 token ids.
 *
 *   offset 0   8 bytes  magic "MGTOKENS"
 *   offset 8   uint32   format version (1)
 *   offset 12  uint32   vocabulary size
 *   offset 16  uint64   token count
 *   offset 24  uint64   hash of the tokenizer that produced the ids
 *                        (0 for streams without one)
 *   offset 32  count x uint16 token ids, each below the vocabulary size */
#ifndef MOEGAP_TOKENS_H
#define MOEGAP_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#define TOKENS_VERSION 1

typedef struct {
    uint32_t vocab_size;
    uint64_t tokenizer_hash;
    size_t n;
    uint16_t *ids;
} token_file;

/* Reads and checks a whole token file; errors name the file and the field. */
int tokens_read(token_file *tf, const char *path);
/* Writes atomically (temporary file, then rename). */
int tokens_write(const char *path, const uint16_t *ids, size_t n, uint32_t vocab_size,
                 uint64_t tokenizer_hash);
void tokens_free(token_file *tf);

/* A synthetic token stream with a known structure, so that training can be
 * tested without a corpus: an order-1 Markov chain in which each token has
 * four likely successors, plus spans that repeat an earlier span (which only
 * attention can predict). Deterministic in `seed`. */
int tokens_synthesize(uint16_t *ids, size_t n, uint32_t vocab_size, uint64_t seed);

#endif
