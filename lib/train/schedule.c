#include "train/schedule.h"

#include <math.h>

float schedule_lr(const lr_schedule *s, long step)
{
    if (step < s->warmup_steps)
        return s->peak_lr * (float)(step + 1) / (float)s->warmup_steps;
    long decay_steps = s->total_steps - s->warmup_steps - 1;
    double progress = decay_steps > 0 ? (double)(step - s->warmup_steps) / decay_steps : 1.0;
    if (progress > 1.0)
        progress = 1.0;
    double min_lr = s->min_ratio * s->peak_lr;
    return (float)(min_lr + (s->peak_lr - min_lr) * 0.5 * (1.0 + cos(3.141592653589793 * progress)));
}
