/* Finite-difference gradient checks for the unit tests.
 *
 * Why the tolerances are what they are: the library computes in float32.
 * A central difference (L(p+h) - L(p-h)) / 2h carries the float rounding of
 * the loss, about 1e-7 of |L| times the number of operations on the path,
 * divided by 2h; with h = 1e-3 and |L| of order 1-10 that is ~1e-4 in
 * absolute terms, while the truncation error h^2 f''' / 6 is ~1e-6. A
 * wrong gradient (a missed term, a transposed product, a wrong sign) is off
 * by tens of percent or more. So each probe must satisfy
 *     |fd - analytic| <= rtol * max(|fd|, |analytic|) + atol
 * with rtol 1e-2 and atol at least ten times the expected rounding error;
 * tests state their own atol when their loss is larger. Probes go to the
 * entries with the largest analytic gradients (best signal to noise) and to
 * random entries; each tensor is also checked along one random direction,
 * which sums every entry's gradient and so catches errors spread thinly. */
#ifndef MOEGAP_TESTS_GRADCHECK_H
#define MOEGAP_TESTS_GRADCHECK_H

#include <stddef.h>
#include <stdint.h>

/* Recomputes the loss at the current parameter values. Returns 0 when the
 * probe is not valid (for example a routing decision flipped), else 1. */
typedef int (*gc_loss_fn)(void *ctx, double *loss);

typedef struct {
    float h;       /* step of the central difference */
    double rtol;
    double atol;
    int n_top;     /* probes at the largest |gradient| entries */
    int n_random;  /* probes at random entries */
    uint64_t seed;
} gc_options;

void gc_default_options(gc_options *o);

/* Checks the analytic gradient `grad` of the `n` values at `p` (which the
 * loss function reads) against central differences. Prints a line per
 * tensor; returns the number of failed probes. Probes skipped because the
 * loss function declared them invalid are counted into *skipped. */
int gc_check(const char *name, float *p, const float *grad, size_t n, gc_loss_fn f, void *ctx,
             const gc_options *o, int *skipped);

/* Random normals with standard deviation `std`, from `seed`. */
void gc_fill_normal(float *x, size_t n, double std, uint64_t seed);

#endif
