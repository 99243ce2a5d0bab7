#include "model/layers/vmath.h"

#include <stdint.h>
#include <string.h>

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

#define CLONES VM_CLONES
/* The helpers below pass 32-byte vectors by value; they are always inlined
 * into the clones, so no call ever uses the ABI GCC warns about. */
#pragma GCC diagnostic ignored "-Wpsabi"
#define INLINE static inline __attribute__((always_inline))

INLINE v8f v8_load(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

INLINE void v8_store(float *p, v8f v) { memcpy(p, &v, sizeof v); }

/* broadcast; the shuffle form compiles to one vbroadcastss, where a
 * vector literal of eight copies becomes eight inserts */
INLINE v8f v8_set(float a)
{
    typedef int32_t v8i_idx __attribute__((vector_size(32)));
    v8f v = {a};
    return __builtin_shuffle(v, (v8i_idx){0, 0, 0, 0, 0, 0, 0, 0});
}

INLINE v8f v8_select(v8i mask, v8f a, v8f b)
{
    return (v8f)((mask & (v8i)a) | (~mask & (v8i)b));
}

INLINE v8f v8_max(v8f a, v8f b) { return v8_select(a > b, a, b); }
INLINE v8f v8_min(v8f a, v8f b) { return v8_select(a < b, a, b); }

/* exp for one float and for eight: the same operations in the same order,
 * so a tail element gets exactly the value it would get inside a vector.
 *   n = round(x / ln 2), by the 1.5 * 2^23 trick (round to nearest);
 *   r = x - n ln 2, with ln 2 split in two for precision;
 *   exp(x) = 2^n * P(r), P Cephes' degree-6 polynomial.
 * NaN comes out as NaN in both, so a NaN logit reaches the loss, where the
 * trainer stops on it; the clamp alone would turn it into exp(-87), and
 * the scalar's int conversion of NaN is undefined. Finite inputs never
 * take that branch, so their bits are those of the plain polynomial. */
INLINE float exp_scalar(float x)
{
    if (x != x)
        return x;
    float xc = x < -87.0f ? -87.0f : x;
    xc = xc > 88.0f ? 88.0f : xc;
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

INLINE v8f exp_v8(v8f x)
{
    v8f xc = v8_max(x, v8_set(-87.0f));
    xc = v8_min(xc, v8_set(88.0f));
    v8f n = (xc * v8_set(1.44269504088896341f) + v8_set(12582912.0f)) - v8_set(12582912.0f);
    v8f r = xc - n * v8_set(0.693359375f);
    r = r - n * v8_set(-2.12194440e-4f);
    v8f p = v8_set(1.9875691500e-4f);
    p = p * r + v8_set(1.3981999507e-3f);
    p = p * r + v8_set(8.3334519073e-3f);
    p = p * r + v8_set(4.1665795894e-2f);
    p = p * r + v8_set(1.6666665459e-1f);
    p = p * r + v8_set(5.0000001201e-1f);
    p = p * (r * r) + r + v8_set(1.0f);
    v8i bits = (__builtin_convertvector(n, v8i) + 127) << 23;
    return v8_select(x != x, x, p * (v8f)bits);
}

CLONES float vm_max(const float *x, size_t n)
{
    size_t i = 0;
    float m = x[0];
    if (n >= 8) {
        v8f vm = v8_load(x);
        for (i = 8; i + 8 <= n; i += 8) {
            vm = v8_max(v8_load(x + i), vm);
        }
        for (int j = 0; j < 8; j++)
            m = vm[j] > m ? vm[j] : m;
    }
    for (; i < n; i++)
        m = x[i] > m ? x[i] : m;
    return m;
}

CLONES float vm_exp_sum(float *x, size_t n, float shift)
{
    size_t i = 0;
    v8f acc = v8_set(0.0f);
    v8f vs = v8_set(shift);
    for (; i + 8 <= n; i += 8) {
        v8f e = exp_v8(v8_load(x + i) - vs);
        v8_store(x + i, e);
        acc += e;
    }
    /* fixed-order reduction: the same sum on every run */
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) {
        x[i] = exp_scalar(x[i] - shift);
        sum += x[i];
    }
    return sum;
}

CLONES void vm_scale(float *x, size_t n, float a)
{
    size_t i = 0;
    v8f va = v8_set(a);
    for (; i + 8 <= n; i += 8)
        v8_store(x + i, v8_load(x + i) * va);
    for (; i < n; i++)
        x[i] *= a;
}

CLONES void vm_swiglu(float *g, const float *a, const float *b, size_t n)
{
    size_t i = 0;
    v8f one = v8_set(1.0f);
    for (; i + 8 <= n; i += 8) {
        v8f va = v8_load(a + i);
        v8f s = one / (one + exp_v8(-va));
        v8_store(g + i, va * s * v8_load(b + i));
    }
    for (; i < n; i++) {
        float s = 1.0f / (1.0f + exp_scalar(-a[i]));
        g[i] = a[i] * s * b[i];
    }
}

CLONES void vm_swiglu_backward(float *da, float *db, const float *dg, const float *a,
                               const float *b, size_t n)
{
    size_t i = 0;
    v8f one = v8_set(1.0f);
    for (; i + 8 <= n; i += 8) {
        v8f va = v8_load(a + i), vdg = v8_load(dg + i);
        v8f s = one / (one + exp_v8(-va));
        v8_store(db + i, vdg * (va * s));
        v8_store(da + i, vdg * v8_load(b + i) * s * (one + va * (one - s)));
    }
    for (; i < n; i++) {
        float s = 1.0f / (1.0f + exp_scalar(-a[i]));
        db[i] = dg[i] * (a[i] * s);
        da[i] = dg[i] * b[i] * s * (1.0f + a[i] * (1.0f - s));
    }
}

CLONES void vm_add(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}
