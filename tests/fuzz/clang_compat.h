/* Force-included in the fuzz build (CMakePresets.json, preset fuzz): the
 * library is written for GCC, and lib/model/layers/vmath.c broadcasts with GCC's
 * one-vector __builtin_shuffle, which clang lacks. This is that builtin's
 * meaning (element i of the result is v[mask[i] mod n]), so the library
 * compiles unchanged; the harnesses never train, and the numerical code's
 * bits under clang are no concern of theirs.
 *
 * The layers' target_clones("avx2", "default") functions (VM_CLONES in
 * lib/model/layers/vmath.h) fail twice under clang 14: it refuses the default
 * clone, whose inlined helpers pass 32-byte vectors, and it names the
 * dispatcher f.ifunc, so a call from another file finds no f. The
 * attribute is dropped here and the preset builds everything with
 * -mavx2, the clone an AVX2 machine would run anyway; so the fuzz
 * binaries need an AVX2 machine. */
#if defined(__clang__) && !defined(target_clones)
#define target_clones(...)
#endif
#if defined(__clang__) && !defined(__builtin_shuffle)
/* variadic: a mask written as a compound literal holds commas */
#define __builtin_shuffle(v, ...)                                                    \
    __extension__({                                                                  \
        __typeof__(v) shuffle_v_ = (v), shuffle_r_;                                  \
        __typeof__((__VA_ARGS__)) shuffle_m_ = (__VA_ARGS__);                                   \
        const int shuffle_n_ = (int)(sizeof shuffle_v_ / sizeof shuffle_v_[0]);      \
        for (int shuffle_i_ = 0; shuffle_i_ < shuffle_n_; shuffle_i_++)              \
            shuffle_r_[shuffle_i_] = shuffle_v_[shuffle_m_[shuffle_i_] & (shuffle_n_ - 1)]; \
        shuffle_r_;                                                                  \
    })
#endif
