#include "model/layers/layers.h"
#include "model/layers/vmath.h"

#include <math.h>

float softmax_inplace(float *x, int n)
{
    float mx = vm_max(x, (size_t)n);
    float sum = vm_exp_sum(x, (size_t)n, mx);
    vm_scale(x, (size_t)n, 1.0f / sum);
    return mx + logf(sum);
}
