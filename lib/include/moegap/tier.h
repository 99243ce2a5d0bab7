/* A tier's facts that every protocol shares, in one file per tier,
 * protocols/tiers/<tier>/tier.ini (beside its recipes moe4.ini, moe8.ini):
 *
 *   [tier]
 *   seeds = 1, 2, 3     the seeds of every run and check of the tier
 *
 * Read with the recipes' strict INI reader: an unknown section or key, a
 * key given twice, a missing key or a bad value is an error naming the
 * file, the line and the key.
 *
 * A list of seeds, here and wherever one is given (moegap check --seeds,
 * cmake -DMOEGAP_SEEDS), is either N, the seeds 1..N, or seeds separated
 * by commas. Seeds are integers 1..TIER_SEED_MAX, distinct, at least 2
 * (a paired t-test over seeds needs two) and at most PROTOCOL_MAX_SEEDS.
 * CMake reads the same `seeds =` line at configure time (cmake/Seeds.cmake);
 * a unit test holds the two readings equal for every tier. */
#ifndef MOEGAP_TIER_H
#define MOEGAP_TIER_H

#include "moegap/protocol.h"

#include <stddef.h>

enum { TIER_SEED_MAX = 1000000, TIER_PATH_MAX = 4200, TIER_NAME_MAX = 64 };

/* The file a tier folder holds. */
#define TIER_FILE "tier.ini"

typedef struct {
    char path[TIER_PATH_MAX]; /* the tier.ini read */
    int seeds[PROTOCOL_MAX_SEEDS];
    int n_seeds;
} tier_info;

/* Parses a list of seeds (see above) into seeds[PROTOCOL_MAX_SEEDS]. 1, or
 * 0 with the reason in msg. */
int tier_seeds_parse(const char *text, int *seeds, int *n, char *msg, size_t msg_size);

/* The rules every list of seeds keeps (the count, the range, distinct);
 * 1, or 0 with the reason in msg. */
int tier_seeds_valid(const int *seeds, int n, char *msg, size_t msg_size);

/* "1,2,3": the list as --seeds takes it. */
void tier_seeds_text(char *dst, size_t cap, const int *seeds, int n);

/* Reads DIR/tier.ini. */
int tier_read(tier_info *t, const char *dir);

/* The tier of the runs a protocol compares: the `[run] tier` of the
 * recipe.ini of every run folder RUNS_DIR/<model>-s<N> of its models,
 * which must agree. An error when there is none to read. */
int tier_of_runs(const char *runs_dir, const protocol *p, char *name, size_t cap);

/* The default seeds of a protocol's runs: PROTOCOLS_DIR/tiers/<tier>/tier.ini
 * of the runs' tier (tier_of_runs). */
int tier_of_runs_read(tier_info *t, const char *protocols_dir, const char *runs_dir,
                      const protocol *p);

#endif
