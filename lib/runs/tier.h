/* A tier's facts that every protocol shares, in one file per tier,
 * protocols/tiers/<tier>/tier.ini (beside its recipes moe4.ini, moe8.ini):
 *
 *   [tier]
 *   seeds = 1, 2, 3     the seeds of every run and check of the tier
 *
 *   [model NAME]        one section per model the tier can train, in the
 *   recipe = moe4.ini   order plans list them: either a recipe of the tier
 *                       folder (a file name there),
 *   match = moe4 total  or the dense model the width solver matches to
 *                       another model's (a recipe's) active or total count
 *                       (moegap params --match).
 *   NAME: lower-case letters, digits and '_' (run folders are NAME-sN).
 *
 * Read with the recipes' strict INI reader: an unknown section or key, a
 * key given twice, a missing key or a bad value is an error naming the
 * file, the line and the key.
 *
 * A list of seeds, here and wherever one is given (moegap check --seeds,
 * cmake -DMOEGAP_SEEDS), is either N, the seeds 1..N, or seeds separated
 * by commas. Seeds are integers 1..TIER_SEED_MAX, distinct, at least 2
 * (a paired t-test over seeds needs two) and at most PROTOCOL_MAX_SEEDS.
 * This is the one reader of both: CMake passes -DMOEGAP_SEEDS to moegap
 * plan at build time (tests/paper). */
#ifndef MOEGAP_TIER_H
#define MOEGAP_TIER_H

#include "runs/protocol.h"
#include "util/fsutil.h"

#include <stddef.h>

enum { TIER_SEED_MAX = 1000000, TIER_PATH_MAX = FS_PATH_BUF, TIER_NAME_MAX = 64, TIER_MAX_MODELS = 16 };

/* The file a tier folder holds. */
#define TIER_FILE "tier.ini"

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    char recipe[TIER_NAME_MAX];   /* a recipe model: its file in the tier folder; "" a match */
    int base;                     /* a match: index of the recipe model it matches */
    int target;                   /* a match: the count matched, a params_target */
} tier_model;

typedef struct {
    char path[TIER_PATH_MAX]; /* the tier.ini read */
    int seeds[PROTOCOL_MAX_SEEDS];
    int n_seeds;
    tier_model models[TIER_MAX_MODELS];
    int n_models;
} tier_info;

/* Parses a list of seeds (see above) into seeds[PROTOCOL_MAX_SEEDS]. 1, or
 * 0 with the reason in msg. */
int tier_seeds_parse(const char *text, int *seeds, int *n, char *msg, size_t msg_size);

/* The rules every list of seeds keeps (the count, the range, distinct);
 * 1, or 0 with the reason in msg. */
int tier_seeds_valid(const int *seeds, int n, char *msg, size_t msg_size);

/* "1,2,3": the list as --seeds takes it. */
void tier_seeds_text(char *dst, size_t cap, const int *seeds, int n);

/* PROTOCOLS_DIR/tiers/TIER into dst: MG_EINVAL for a name that is no
 * folder name (empty, or with a '/') or a path too long. */
int tier_dir(char *dst, size_t cap, const char *protocols_dir, const char *tier);

/* Reads DIR/tier.ini. Every recipe a [model] names must exist in DIR. */
int tier_read(tier_info *t, const char *dir);

/* Index of the model called `name` in t->models, -1 when the tier has none. */
int tier_model_index(const tier_info *t, const char *name);

/* The kind a tier's model is: the experts and top-k of its recipe (read
 * from the tier folder DIR), or 0 and 0 for a match (dense). MG_EINVAL
 * for a name the tier does not define. */
int tier_model_kind(const tier_info *t, const char *dir, const char *name, int *n_experts,
                    int *top_k);

/* The tier of the runs a protocol compares: the `[run] tier` of the
 * recipe.ini of every run folder RUNS_DIR/<model>-s<N> of its models,
 * which must agree. An error when there is none to read. */
int tier_of_runs(const char *runs_dir, const protocol *p, char *name, size_t cap);

/* The default seeds of a protocol's runs: PROTOCOLS_DIR/tiers/<tier>/tier.ini
 * of the runs' tier (tier_of_runs). */
int tier_of_runs_read(tier_info *t, const char *protocols_dir, const char *runs_dir,
                      const protocol *p);

#endif
