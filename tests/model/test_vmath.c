/* The element-wise math of lib/model/layers/vmath.c:
 *  - its AVX2 and baseline code (vmath.c compiled once per path by
 *    vmath_clone.c, as target_clones does) and the library's dispatched
 *    functions give the same bits, results and sums, on every length
 *    around the vector width and on edge values (signed zeros, subnormals,
 *    the clamp bounds, infinities, NaN, huge values): what makes a run's
 *    losses independent of the machine's AVX2 support;
 *  - exp is within the 2 ulp vmath.h claims over [-87, 88] (a strided
 *    sweep of every float there, against libm's double exp), and clamps
 *    below -87 and above 88 as it says. */
#include "model/layers/vmath.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define DECLARE(sfx)                                                                        \
    void vm_add_##sfx(float *y, const float *x, size_t n);                                  \
    float vm_max_##sfx(const float *x, size_t n);                                           \
    float vm_exp_sum_##sfx(float *x, size_t n, float shift);                                \
    void vm_scale_##sfx(float *x, size_t n, float a);                                       \
    void vm_swiglu_##sfx(float *g, const float *a, const float *b, size_t n);               \
    void vm_swiglu_backward_##sfx(float *da, float *db, const float *dg, const float *a,    \
                                  const float *b, size_t n);
DECLARE(avx2)
DECLARE(base)

typedef struct {
    const char *name;
    void (*add)(float *, const float *, size_t);
    float (*max)(const float *, size_t);
    float (*exp_sum)(float *, size_t, float);
    void (*scale)(float *, size_t, float);
    void (*swiglu)(float *, const float *, const float *, size_t);
    void (*swiglu_backward)(float *, float *, const float *, const float *, const float *,
                            size_t);
} vm_path;

static const vm_path LIB = {"library", vm_add, vm_max, vm_exp_sum, vm_scale, vm_swiglu,
                            vm_swiglu_backward};
static const vm_path BASE = {"baseline", vm_add_base, vm_max_base, vm_exp_sum_base,
                             vm_scale_base, vm_swiglu_base, vm_swiglu_backward_base};
static const vm_path AVX2 = {"avx2", vm_add_avx2, vm_max_avx2, vm_exp_sum_avx2, vm_scale_avx2,
                             vm_swiglu_avx2, vm_swiglu_backward_avx2};

enum { NMAX = 1100, N_OUT = 6 };

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static float uniform(float lo, float hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) * 0x1p-24);
}

static const float EDGES[] = {0.0f, -0.0f, 1e-45f, -1e-45f, FLT_MIN, -FLT_MIN, 1.0f, -1.0f,
                              -87.0f, -87.00001f, -86.99999f, 88.0f, 88.00001f, 87.99999f,
                              -100.0f, 100.0f, 1e30f, -1e30f, FLT_MAX, -FLT_MAX, INFINITY,
                              -INFINITY, 0.5f, 20.0f, -20.0f};
/* NaN is left out of EDGES, whose values also feed exp's accuracy sweep;
 * nan_propagates and tail_equals_lane feed it on its own. */
enum { N_EDGES = sizeof EDGES / sizeof EDGES[0] };

/* Input set `set`: 0 plain values, 1 wide values, 2 edge values mixed in. */
static void fill(float *x, size_t n, int set)
{
    for (size_t i = 0; i < n; i++) {
        float lim = set == 0 ? 8.0f : 95.0f;
        x[i] = uniform(-lim, lim);
        if (set == 2 && i % 3 == 0)
            x[i] = EDGES[(i / 3 + n) % N_EDGES];
    }
}

/* Every function of one path on copies of the same inputs: the outputs
 * of add, exp_sum, scale, swiglu (g) and its backward (da, db), and the
 * values max and exp_sum return. */
static const char *const OUT_NAMES[N_OUT] = {"add", "exp", "scale", "swiglu", "swiglu da",
                                              "swiglu db"};
typedef struct {
    float y[N_OUT][NMAX];
    float ret[2];
} results;

static void run_path(const vm_path *p, const float *a, const float *b, const float *c, size_t n,
                     float s, results *r)
{
    memcpy(r->y[0], a, sizeof(float) * n);
    p->add(r->y[0], b, n);
    r->ret[0] = p->max(a, n);
    memcpy(r->y[1], a, sizeof(float) * n);
    r->ret[1] = p->exp_sum(r->y[1], n, s);
    memcpy(r->y[2], a, sizeof(float) * n);
    p->scale(r->y[2], n, s);
    p->swiglu(r->y[3], a, b, n);
    p->swiglu_backward(r->y[4], r->y[5], c, a, b, n);
}

static int same_bits(const void *x, const void *y, size_t bytes) { return memcmp(x, y, bytes) == 0; }

/* Bit for bit, except that any two NaNs match: where two NaNs meet (a NaN
 * times exp of its negation, in swiglu) x86 keeps the first operand's, and
 * the compiler may order a product's operands differently per path. */
static int same_or_nan(const float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(isnan(x[i]) && isnan(y[i])) && !same_bits(&x[i], &y[i], sizeof x[i]))
            return 0;
    return 1;
}

static void compare_paths(int avx2)
{
    static float a[NMAX], b[NMAX], c[NMAX];
    static results rb, ro;
    static const size_t lengths[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33,
                                     63, 64, 65, 100, 255, 256, 257, 1000, NMAX};
    long checked = 0;
    for (int set = 0; set < 3; set++)
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
            size_t n = lengths[li];
            fill(a, n, set);
            fill(b, n, set);
            fill(c, n, 0);
            float shift = set == 0 ? uniform(-4, 4) : EDGES[(li + (size_t)set) % N_EDGES];
            run_path(&BASE, a, b, c, n, shift, &rb);
            const vm_path *others[2] = {&LIB, avx2 ? &AVX2 : NULL};
            for (int o = 0; o < 2; o++) {
                if (!others[o])
                    continue;
                run_path(others[o], a, b, c, n, shift, &ro);
                for (int k = 0; k < N_OUT; k++)
                    EXPECT(same_bits(rb.y[k], ro.y[k], sizeof(float) * n),
                           "%s vs baseline: output %d differs (set %d, n %zu)", others[o]->name, k,
                           set, n);
                EXPECT(same_bits(rb.ret, ro.ret, sizeof rb.ret),
                       "%s vs baseline: max or exp sum differs (set %d, n %zu): %a %a vs %a %a",
                       others[o]->name, set, n, ro.ret[0], ro.ret[1], rb.ret[0], rb.ret[1]);
                checked++;
            }
        }
    printf("paths compared bit for bit: %ld (avx2 %s)\n", checked, avx2 ? "run" : "not supported here, skipped");
}

/* NaN in vectors and in scalar tails: every path gives the same values, and
 * exp keeps it NaN (a NaN logit must reach the loss, where the trainer
 * stops, not become exp(-87) inside a softmax). */
static void nan_propagates(int avx2)
{
    static float a[NMAX], b[NMAX], c[NMAX];
    static results rb, ro;
    const vm_path *others[2] = {&LIB, avx2 ? &AVX2 : NULL};
    for (size_t n = 1; n <= 41; n++) {
        fill(a, n, 1), fill(b, n, 1), fill(c, n, 0);
        for (size_t i = n / 2; i < n; i += 5)
            a[i] = NAN, b[(i + 2) % n] = NAN;
        run_path(&BASE, a, b, c, n, 1.5f, &rb);
        int hidden = 0;
        for (size_t i = 0; i < n; i++)
            hidden += isnan(a[i]) && (!isnan(rb.y[1][i]) || !isnan(rb.y[3][i]));
        EXPECT(hidden == 0 && isnan(rb.ret[1]),
               "NaN inputs: exp or swiglu gave a number for %d of them, exp sum %g (n %zu)",
               hidden, rb.ret[1], n);
        for (int o = 0; o < 2; o++)
            if (others[o]) {
                run_path(others[o], a, b, c, n, 1.5f, &ro);
                int differs = same_or_nan(rb.ret, ro.ret, 2) ? -1 : N_OUT;
                for (int k = 0; k < N_OUT && differs < 0; k++)
                    if (!same_or_nan(rb.y[k], ro.y[k], n))
                        differs = k;
                EXPECT(differs < 0, "NaN inputs: %s vs baseline differ in %s (n %zu)",
                       others[o]->name, differs == N_OUT ? "max or exp sum" : OUT_NAMES[differs], n);
            }
    }
}

static double ulps(float got, double want)
{
    int e;
    frexp(want, &e); /* want in [2^(e-1), 2^e): a float's ulp there is 2^(e-24) */
    return fabs((double)got - want) / ldexp(1.0, e - 24);
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* exp over [-87, 88]: every 61st float (all exponents, varied mantissas),
 * through the vector loop and the scalar tail alike (chunks of 4099). */
static void sweep_exp(const vm_path *p)
{
    enum { CHUNK = 4099 };
    static float x[CHUNK], y[CHUNK];
    double worst = 0;
    float worst_x = 0;
    long n_checked = 0;
    for (int sign = 0; sign < 2; sign++) {
        uint32_t hi = float_bits(sign ? 87.0f : 88.0f);
        for (uint32_t u = 0; u <= hi;) {
            size_t n = 0;
            for (; n < CHUNK && u <= hi; u += 61)
                x[n++] = bits_float(u | (sign ? 0x80000000u : 0));
            memcpy(y, x, sizeof(float) * n);
            p->exp_sum(y, n, 0.0f);
            for (size_t i = 0; i < n; i++) {
                double e = ulps(y[i], exp((double)x[i]));
                if (!(e <= worst)) /* NaN counts as worst */
                    worst = e, worst_x = x[i];
            }
            n_checked += (long)n;
        }
    }
    printf("%s exp: %ld arguments in [-87, 88], worst %.3f ulp at %a (%.9g)\n", p->name,
           n_checked, worst, worst_x, worst_x);
    EXPECT(worst <= 2.0, "%s exp: %.3f ulp at %.9g, more than the 2 vmath.h claims", p->name,
           worst, worst_x);

    /* the ends: below -87 the value at -87 (about 1.6e-38, not 0), above
     * 88 the value at 88; and exp(0) is exactly 1 */
    float v[8] = {-87.0f, -87.5f, -1000.0f, -INFINITY, 88.0f, 89.0f, INFINITY, 0.0f};
    p->exp_sum(v, 8, 0.0f);
    EXPECT(v[0] > 1.5e-38f && v[0] < 1.7e-38f, "%s exp(-87) = %g", p->name, v[0]);
    EXPECT(v[1] == v[0] && v[2] == v[0] && v[3] == v[0], "%s: below -87 not clamped: %g %g %g",
           p->name, v[1], v[2], v[3]);
    EXPECT(v[5] == v[4] && v[6] == v[4] && isfinite(v[4]), "%s: above 88 not clamped: %g %g %g",
           p->name, v[4], v[5], v[6]);
    EXPECT(v[7] == 1.0f, "%s exp(0) = %a", p->name, v[7]);
}

/* vmath.c says a tail element gets exactly the value it would get inside
 * a vector: a value alone (scalar tail) and in lane 3 of 8 (vector), NaN
 * included. */
static void tail_equals_lane(const vm_path *p)
{
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        float v = i < N_EDGES ? EDGES[i] : i == N_EDGES ? NAN : uniform(-95.0f, 95.0f);
        float alone[1] = {v}, lanes[8] = {0, 0, 0, v, 0, 0, 0, 0};
        p->exp_sum(alone, 1, 0.0f);
        p->exp_sum(lanes, 8, 0.0f);
        if (float_bits(alone[0]) != float_bits(lanes[3]) && bad++ < 5)
            printf("  tail %a vs lane %a for x = %a\n", alone[0], lanes[3], v);
    }
    EXPECT(bad == 0, "%s exp: %d values differ between the scalar tail and a vector lane",
           p->name, bad);
}

int main(void)
{
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2");
    compare_paths(avx2);
    nan_propagates(avx2);
    sweep_exp(&BASE);
    if (avx2)
        sweep_exp(&AVX2);
    tail_equals_lane(&BASE);
    return test_summary("test_vmath");
}
