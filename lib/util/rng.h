/* Seeded random numbers: xoshiro256** seeded through splitmix64.
 * The state is plain data so checkpoints can store and restore it. */
#ifndef MOEGAP_RNG_H
#define MOEGAP_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_state;

void rng_seed(rng_state *r, uint64_t seed);
uint64_t rng_next(rng_state *r);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(rng_state *r);
/* Uniform integer in [0, n), without modulo bias. */
uint64_t rng_below(rng_state *r, uint64_t n);
/* Standard normal (Box-Muller; one draw per call, the pair's twin dropped
 * so the state alone determines the sequence). */
double rng_normal(rng_state *r);

#endif
