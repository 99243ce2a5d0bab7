/* The two non-cryptographic hashes moegap relies on for reproducibility:
 * FNV-1a 64 (checkpoint trailers, corpus documents) and the splitmix64
 * finaliser (seeding the RNG, spreading a document's hash over every bit).
 * Their outputs are part of file formats and data splits: never change
 * them. SHA-256, for content identity, is util/sha256.h. */
#ifndef MOEGAP_HASH_H
#define MOEGAP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A64_BASIS 0xcbf29ce484222325ULL

/* Folds n bytes into a running FNV-1a 64 hash; start from HASH_FNV1A64_BASIS. */
void hash_fnv1a64_update(uint64_t *h, const void *p, size_t n);

/* The splitmix64 finaliser: every input bit reaches every output bit. */
static inline uint64_t hash_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
