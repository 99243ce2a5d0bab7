/* lib/model/layers/vmath.c compiled once more as one plain function per
 * path, so test_vmath can call the AVX2 and the baseline code side by side:
 * the library's target_clones pick one at load time and keep both clones
 * local. Built twice (tests/model/CMakeLists.txt): VMATH_CLONE_AVX2=1 gives
 * vm_*_avx2 with target("avx2"), the clone GCC makes for "avx2";
 * VMATH_CLONE_AVX2=0 gives vm_*_base with the command line's target, the
 * "default" clone. Same source, same flags, nothing of vmath.c changed. */
#include <stddef.h>

#if VMATH_CLONE_AVX2
#define VM_CLONES __attribute__((target("avx2")))
#define VMC(f) f##_avx2
#else
#define VM_CLONES
#define VMC(f) f##_base
#endif
/* every name vmath.h declares and vmath.c defines, renamed for this copy */
#define vm_add VMC(vm_add)
#define vm_max VMC(vm_max)
#define vm_exp_sum VMC(vm_exp_sum)
#define vm_scale VMC(vm_scale)
#define vm_swiglu VMC(vm_swiglu)
#define vm_swiglu_backward VMC(vm_swiglu_backward)

#include "model/layers/vmath.c"
