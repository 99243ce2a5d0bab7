/* SHA-256 (FIPS 180-4), for naming corpus sources and tokenizer models by
 * content. Written out here because no dependency of the library has one. */
#ifndef MOEGAP_SHA256_H
#define MOEGAP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char digest[32]);
/* Finishes and writes 64 lowercase hex digits and a NUL. */
void sha256_final_hex(sha256_ctx *c, char hex[65]);
/* The hash of a whole file; errors name the file. */
int sha256_file(const char *path, char hex[65]);

#endif
