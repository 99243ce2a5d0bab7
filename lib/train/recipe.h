/* Recipes: INI files that fix a model and its training.
 *
 *   [model]  vocab_size d_model n_layers n_heads seq_len ffn_hidden
 *            n_experts top_k expert_hidden lb_coef z_coef rope_theta norm_eps
 *   [train]  batch_size steps lr warmup min_lr_ratio grad_clip eval_every
 *            beta1 beta2 eps weight_decay
 *   [data]   train val   (token files, relative to the recipe's folder;
 *                         resolved to absolute paths)
 *   [run]    tier corpus (labels recorded with every run; default empty)
 *            matched     (a dense recipe only: `matched = moe4 active`, the
 *                         MoE model the width solver matched it to and the
 *                         count, active or total; a label, never trained on)
 *
 * Lines are `key = value`, `[section]`, blank, or comments (`;` or `#`
 * first, or `;` after a space); each is read whole, up to RECIPE_LINE_MAX
 * characters (a longer one is an error, never split). Every key is
 * checked: an unknown key, a repeated key, a key outside a section, a
 * malformed value or one out of range is an error naming the file, the
 * line and the key, and the first error is the one reported. A key without
 * a default (the model's sizes, steps) must be given. */
#ifndef MOEGAP_RECIPE_H
#define MOEGAP_RECIPE_H

#include "model/model.h"
#include "model/params.h"
#include "train/adamw.h"
#include "train/schedule.h"
#include "util/inifile.h"

#include <stdio.h>

enum { RECIPE_PATH_MAX = FS_PATH_MAX, RECIPE_LABEL_MAX = 64, RECIPE_LINE_MAX = INIFILE_LINE_MAX,
       RECIPE_MAX_STEP_GIB = 32 };

/* [run] matched: what a dense recipe was solved against. The report
 * pairs a dense model with its MoE by this record, not by guessing from
 * the counts (two targets can lie equally near). */
typedef struct {
    char model[RECIPE_LABEL_MAX]; /* the MoE model's name (moe4); "" none */
    params_target target;         /* its active or total count */
} recipe_match;

typedef struct {
    model_config model;
    adamw_config optim;
    int batch_size;
    long steps;
    float lr;           /* peak learning rate */
    float warmup;       /* share of the steps spent in linear warm-up */
    float min_lr_ratio; /* cosine decay ends at min_lr_ratio * lr */
    float grad_clip;    /* global gradient-norm clip */
    long eval_every;    /* validation every this many steps, and at the end */
    char train_tokens[RECIPE_PATH_MAX];
    char val_tokens[RECIPE_PATH_MAX];
    char tier[RECIPE_LABEL_MAX];   /* [run] tier: smoke, ci, paper (a label, recorded) */
    char corpus[RECIPE_LABEL_MAX]; /* [run] corpus: e.g. brown-1024 (a label, recorded) */
    recipe_match matched;          /* [run] matched: a dense recipe's MoE and count */
} recipe;

/* The fixed recipe's values for everything a file may leave out. */
void recipe_defaults(recipe *r);
int recipe_read(recipe *r, const char *path);
/* For training: both [data] paths must be set (a recipe only counted or
 * recorded may leave them out). `path` names the recipe in the message. */
int recipe_require_data(const recipe *r, const char *path);
/* Checks the cross-field rules (the model's, warm-up within the steps, ...),
 * and that one training step fits in RECIPE_MAX_STEP_GIB, so sizes far
 * past any machine are refused with the keys named, not at allocation. */
int recipe_validate(const recipe *r);
/* Writes the resolved recipe, every key, as INI. */
void recipe_write(const recipe *r, FILE *f);
/* The same text in a malloc'd string (NULL when out of memory). */
char *recipe_to_string(const recipe *r);
/* The keys in file order, for tables of every value: recipe_key_count()
 * of them; key i's section and name, and its value in r as recipe_write
 * writes it ("" for an unset path or label). */
size_t recipe_key_count(void);
void recipe_key_text(const recipe *r, size_t i, const char **section, const char **name,
                     char *buf, size_t n);
/* The dense recipe matched to the MoE recipe `moe`: `moe` with its
 * [model] replaced by `dense` (the width solver's answer) and [run]
 * matched = moe_name target; out may be moe. MG_EINVAL when `moe` is not a
 * MoE, `dense` not dense, or moe_name not a label. Every writer of a dense
 * recipe builds it here (moegap params --write through recipe_write_dense,
 * moegap plan --write-recipes), so they cannot disagree. */
int recipe_dense_from_moe(recipe *out, const recipe *moe, const model_config *dense,
                          const char *moe_name, params_target target);
/* 1 for a key that tells one model of a set from another rather than
 * what the set shares ([run] matched: each dense model names its own MoE,
 * and a MoE none), so a check holding a protocol's runs to one [run]
 * setting passes it by; 0 for every other key. */
int recipe_key_per_model(size_t i);
/* Linear warm-up length in steps. */
long recipe_warmup_steps(const recipe *r);

#endif
