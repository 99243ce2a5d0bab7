/* Exact parameter accounting, and the dense model that matches an MoE.
 *
 * The convention, the same in every figure the project prints:
 *   - TOTAL counts every stored parameter;
 *   - ACTIVE counts the parameters one token passes through: everything
 *     but the experts, plus top_k of the n_experts experts of each layer;
 *   - the router counts in both: it runs for every token;
 *   - the embedding is tied to the output head and counted once; every
 *     figure is also given without it.
 * A dense model's active count equals its total.
 *
 * Closed forms (notation of model/model.h):
 *   embedding V*C;  attention L*4*C*C (wqkv 3C*C, wo C*C);
 *   norms (2L+1)*C (ln1g, ln2g per layer, lnfg);
 *   dense FFN L*3*H*C (w1, w3, w2);  router L*E*C;
 *   one expert L*3*H*C (one expert slot in every layer). */
#ifndef MOEGAP_PARAMS_H
#define MOEGAP_PARAMS_H

#include "model/model.h"

#include <stddef.h>

#define PARAMS_CONVENTION                                                          \
    "router included in total and active (it runs for every token); tied "          \
    "embedding included, counted once; active = non-expert parameters + top_k "     \
    "of n_experts experts per layer"

typedef enum {
    PARAMS_EMBEDDING, /* wte, tied to the output head */
    PARAMS_ATTENTION, /* wqkv, wo */
    PARAMS_NORMS,     /* ln1g, ln2g, lnfg */
    PARAMS_FFN,       /* dense w1, w3, w2; 0 for an MoE */
    PARAMS_ROUTER,    /* wr; 0 for a dense model */
    PARAMS_EXPERTS,   /* every expert's w1, w3, w2; 0 for a dense model */
    PARAMS_N_PARTS
} params_part;

typedef struct {
    size_t total[PARAMS_N_PARTS];
    size_t active[PARAMS_N_PARTS];
    size_t expert;              /* one expert, all layers: L*3*H*C */
    size_t n_total, n_active;   /* sums of the parts */
    size_t n_total_no_embedding, n_active_no_embedding;
} params_counts;

/* Counts the parameters of a valid config (MG_EINVAL otherwise). */
int params_count(const model_config *cfg, params_counts *out);

/* Short name of a part ("embedding", "attention", ...). */
const char *params_part_name(params_part p);

/* The tensors behind a part, for tables ("wqkv, wo"). */
const char *params_part_tensors(params_part p);

typedef enum { PARAMS_TARGET_ACTIVE, PARAMS_TARGET_TOTAL } params_target;
typedef enum { PARAMS_WIDTH_FFN_HIDDEN, PARAMS_WIDTH_D_MODEL } params_width;

/* Parse "active"/"total" and "ffn_hidden"/"d_model"; MG_EINVAL naming the
 * accepted words otherwise. */
int params_target_parse(const char *s, params_target *out);
int params_width_parse(const char *s, params_width *out);
const char *params_target_name(params_target t);
const char *params_width_name(params_width w);

typedef struct {
    params_target target;
    params_width width;
    int multiple;   /* the resized width is a multiple of this (>= 1) */
    /* PARAMS_WIDTH_D_MODEL only: the dense ffn_hidden, held fixed while
     * d_model moves; 0 means top_k * expert_hidden, the hidden units a
     * token passes through in the MoE. */
    int ffn_hidden;
} params_match_request;

typedef struct {
    model_config dense;     /* the MoE's config with the dense FFN and the solved width */
    params_counts moe, dense_counts;
    size_t moe_count;       /* the MoE's active or total count: the target */
    size_t dense_count;     /* the dense model's count (active == total) */
    double mismatch;        /* (dense_count - moe_count) / moe_count */
} params_match_result;

/* The dense config that matches the MoE `moe` on req->target by resizing
 * one width: the count difference is the smallest in absolute value over
 * every admissible width (ffn_hidden a multiple of req->multiple;
 * d_model a multiple of both 2*n_heads and req->multiple), ties going to
 * the smaller width. Every other field is copied. MG_EINVAL for a dense
 * `moe`, multiple < 1, or a target no admissible width reaches within
 * model_config_validate's ranges. */
int params_match(const model_config *moe, const params_match_request *req,
                 params_match_result *out);

#endif
