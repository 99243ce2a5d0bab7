/* The learning-rate schedule: linear warm-up, then cosine decay. */
#ifndef MOEGAP_SCHEDULE_H
#define MOEGAP_SCHEDULE_H

typedef struct {
    float peak_lr;
    long warmup_steps; /* linear warm-up over these steps */
    long total_steps;
    float min_ratio;   /* cosine decay ends at min_ratio * peak_lr */
} lr_schedule;

/* Learning rate of update `step` (0-based): linear warm-up from
 * peak/warmup to peak, then cosine decay to min_ratio * peak at the last
 * step. */
float schedule_lr(const lr_schedule *s, long step);

#endif
