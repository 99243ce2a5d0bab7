/* Vectorised element-wise math for the layers' hot loops (softmax, SiLU).
 *
 * Written with GCC vector extensions and compiled twice (AVX2 and the
 * baseline) through target_clones; both clones do the same IEEE operations
 * in the same order, so results are identical whichever one runs. exp is a
 * range-reduced polynomial (Cephes' expf coefficients), within 2 ulp of the
 * true value for x in [-87, 88]; arguments below -87 give about 1.6e-38
 * rather than 0, which no softmax or sigmoid here can tell apart. */
#ifndef MOEGAP_VMATH_H
#define MOEGAP_VMATH_H

#include <stddef.h>

/* Compiles a function for AVX2 and for the baseline, picked at load time.
 * For the plain loops it marks, both clones do the same IEEE operations in
 * the same order (no contraction into FMA under -std=c11), so the choice
 * never changes a result. */
#ifndef VM_CLONES /* tests/model/vmath_clone.c builds each clone alone, under other names */
#define VM_CLONES __attribute__((target_clones("avx2", "default")))
#endif

/* y[i] += x[i] */
void vm_add(float *y, const float *x, size_t n);

/* max of x[0..n), n >= 1 */
float vm_max(const float *x, size_t n);
/* x[i] = exp(x[i] - shift); returns the sum of the new x */
float vm_exp_sum(float *x, size_t n, float shift);
/* x[i] *= a */
void vm_scale(float *x, size_t n, float a);
/* SwiGLU gate: g = silu(a) * b */
void vm_swiglu(float *g, const float *a, const float *b, size_t n);
/* its backward: da = dg * b * silu'(a), db = dg * silu(a) */
void vm_swiglu_backward(float *da, float *db, const float *dg, const float *a, const float *b,
                        size_t n);

#endif
