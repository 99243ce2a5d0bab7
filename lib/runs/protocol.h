/* Protocols: one declarative INI file per claim of the paper
 * (protocols/<name>.ini), written before any result is seen. Read with
 * inih; every key is checked, and errors name the file, the line and the
 * key, as recipes' do.
 *
 *   [claim]  name (= the file's base name), text
 *   [runs]   models (the runs it needs: models of the tier, which its
 *            tier.ini defines, such as dense_active and moe4). Not the seeds: those are the tier's
 *            (protocols/tiers/<tier>/tier.ini, runs/tier.h) or the ones
 *            a check is given, set with protocol_set_seeds.
 *   [check]  statistic  best_val_loss | val_loss_trajectory
 *            test       paired_t_one_sided (the only test)
 *            alpha      significance level of every one-sided test
 *            power      for the seeds-needed estimate of an inconclusive part
 *            trajectory only: fit = gap_on_log_step, fit_from = after_warmup,
 *            early_share (the training share at which gaps are also reported)
 *   [gap NAME] (one section per gap, up to PROTOCOL_MAX_GAPS)
 *            gap       = A - B: g_s = L(A, seed s) - L(B, seed s)
 *            role      = gate (decides the verdict) | report (shown only)
 *            direction = positive | negative: the claim's sign of the
 *                        best-loss gap (best_val_loss gates)
 *            slope     = positive | negative: the claim's sign of the slope
 *                        of the gap on log(step) (trajectory gates)
 *            final     = positive | none: the mean gap at the last
 *                        evaluation must keep this sign (trajectory)
 *            paper     = a row of reference/paper.tsv (optional) */
#ifndef MOEGAP_PROTOCOL_H
#define MOEGAP_PROTOCOL_H

#include "util/fsutil.h"

#include <stddef.h>

enum {
    PROTOCOL_NAME_MAX = 64,
    PROTOCOL_TEXT_MAX = 512,
    PROTOCOL_PATH_MAX = FS_PATH_MAX,
    PROTOCOL_MAX_GAPS = 4,
    PROTOCOL_MAX_MODELS = 5,
    PROTOCOL_MAX_SEEDS = 64
};

typedef enum { SIGN_NONE = 0, SIGN_POSITIVE = 1, SIGN_NEGATIVE = -1 } protocol_sign;
typedef enum { STATISTIC_BEST_VAL_LOSS, STATISTIC_TRAJECTORY } protocol_statistic;

typedef struct {
    char name[PROTOCOL_NAME_MAX];  /* from the section [gap NAME] */
    int a, b;                      /* indexes into protocol.models: g = L(a) - L(b) */
    int gate;                      /* 1: decides the verdict; 0: reported only */
    protocol_sign direction;       /* best_val_loss: the claim's sign of the gap */
    protocol_sign slope;           /* trajectory: the claim's sign of the slope */
    protocol_sign final;           /* trajectory: the sign the final mean keeps */
    char paper[PROTOCOL_NAME_MAX]; /* reference row, "" for none */
} protocol_gap;

typedef struct {
    char path[PROTOCOL_PATH_MAX];
    char name[PROTOCOL_NAME_MAX];
    char text[PROTOCOL_TEXT_MAX];
    char models[PROTOCOL_MAX_MODELS][PROTOCOL_NAME_MAX];
    int n_models;
    int seeds[PROTOCOL_MAX_SEEDS]; /* none after protocol_read: protocol_set_seeds */
    int n_seeds;
    protocol_statistic statistic;
    double alpha, power;
    double early_share;            /* trajectory only */
    protocol_gap gaps[PROTOCOL_MAX_GAPS];
    int n_gaps;
} protocol;

int protocol_read(protocol *p, const char *path);
/* The seeds the protocol's runs are compared over (copied): 2 ..
 * PROTOCOL_MAX_SEEDS of them, as tier_seeds_parse makes them. */
int protocol_set_seeds(protocol *p, const int *seeds, int n);
const char *protocol_sign_name(protocol_sign s);
/* The sign as a relation to zero: "> 0", "< 0", "none". */
const char *protocol_sign_text(protocol_sign s);
const char *protocol_statistic_name(protocol_statistic s);
/* A model's name, in a protocol or a tier: lower-case letters, digits and
 * '_' (its runs are the folders NAME-sN), shorter than PROTOCOL_NAME_MAX. */
int protocol_model_name_valid(const char *name);
/* The folder the protocol file lies in (whose tiers/ hold the tiers). */
void protocol_dir(const protocol *p, char *dst, size_t cap);
/* Index of `model` in p->models, -1 when absent. */
int protocol_model_index(const protocol *p, const char *model);

/* The protocol files of a folder, every DIR/<name>.ini, sorted by name (glob's order),
 * at most `max` of them. Free with protocol_list_free. MG_EIO when the
 * folder holds none or cannot be listed, MG_EINVAL when more than max. */
typedef struct {
    char **paths;
    size_t n;
    void *priv; /* the glob_t behind paths */
} protocol_list;
int protocol_list_read(protocol_list *l, const char *dir, size_t max);
void protocol_list_free(protocol_list *l);

#endif
