/* The LLaMA-style decoder, dense or mixture-of-experts.
 *
 * Notation used in every shape comment of the library:
 *   B batch, T context, C d_model, NH heads, hd = C/NH head size,
 *   V vocabulary, L layers, N = B*T tokens,
 *   E experts (1 for a dense model), K experts per token (1 for dense),
 *   H hidden size of one feed-forward block (ffn_hidden or expert_hidden),
 *   R = N*K rows that go through the feed-forward blocks.
 *
 * Parameters live in one float block with named views (model_params);
 * activations likewise (model_acts). Matrices are stored (out, in), as
 * PyTorch's nn.Linear, so y = x W^T. */
#ifndef MOEGAP_MODEL_H
#define MOEGAP_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int vocab_size;    /* V */
    int d_model;       /* C */
    int n_layers;      /* L */
    int n_heads;       /* NH */
    int seq_len;       /* T, the longest context the model is built for */
    int ffn_hidden;    /* H of the dense SwiGLU; used when n_experts == 0 */
    int n_experts;     /* E; 0 means a dense model */
    int top_k;         /* K */
    int expert_hidden; /* H of each expert's SwiGLU */
    float lb_coef;     /* alpha of the Switch load-balancing loss */
    float z_coef;      /* beta of the router z-loss */
    float rope_theta;
    float norm_eps;
} model_config;

/* Fills the fixed parts of the recipe (rope theta 1e4, eps 1e-5, alpha 0.01,
 * beta 0.001) and zeroes the sizes. */
void model_config_defaults(model_config *cfg);

/* Checks every field; the message names the field and the expected range. */
int model_config_validate(const model_config *cfg);

static inline int model_config_is_moe(const model_config *cfg)
{
    return cfg->n_experts > 0;
}

/* The tensors of the parameter block, in block order. A dense model has
 * no router (MODEL_WR); the others every model has. */
typedef enum {
    MODEL_WTE,
    MODEL_LN1G,
    MODEL_WQKV,
    MODEL_WO,
    MODEL_LN2G,
    MODEL_WR,
    MODEL_W1,
    MODEL_W3,
    MODEL_W2,
    MODEL_LNFG,
    MODEL_N_TENSOR_IDS
} model_tensor_id;

/* How model_init draws a tensor. */
typedef enum {
    MODEL_INIT_ONE,      /* RMSNorm gains: 1 */
    MODEL_INIT_NORMAL,   /* N(0, 0.02) */
    MODEL_INIT_RESIDUAL, /* N(0, 0.02 / sqrt(2L)): the projections that write into the residual stream */
} model_init_kind;

/* One tensor of the parameter block. */
typedef struct {
    model_tensor_id id;
    const char *name; /* the PyTorch-side name, for dumps and messages */
    size_t offset;    /* in floats from the start of the block */
    size_t size;      /* in floats */
    int ndim;
    int shape[4];
    int decay;        /* 1: AdamW applies weight decay (matrices, embedding) */
    model_init_kind init;
} param_tensor;

enum { MODEL_MAX_TENSORS = MODEL_N_TENSOR_IDS };

typedef struct {
    float *wte;   /* (V, C) token embedding, tied to the output head */
    float *ln1g;  /* (L, C) attention RMSNorm gain */
    float *wqkv;  /* (L, 3C, C) q, k and v projections, stacked by rows */
    float *wo;    /* (L, C, C) attention output projection */
    float *ln2g;  /* (L, C) feed-forward RMSNorm gain */
    float *wr;    /* (L, E, C) router; NULL for a dense model */
    float *w1;    /* (L, E, H, C) SwiGLU gate projection */
    float *w3;    /* (L, E, H, C) SwiGLU up projection */
    float *w2;    /* (L, E, C, H) SwiGLU down projection */
    float *lnfg;  /* (C) final RMSNorm gain */
} model_params;

/* Activations kept from the forward pass for the backward pass. */
typedef struct {
    float *residual; /* (L+1, N, C) residual stream entering each block; [L] leaves the last */
    float *ln1;      /* (L, N, C) */
    float *ln1_rstd; /* (L, N) */
    float *qkv;      /* (L, N, 3C) after rotary embedding of q and k */
    float *att;      /* (L, B, NH, T, T) attention probabilities */
    float *atty;     /* (L, N, C) attention output before wo */
    float *res_mid;  /* (L, N, C) residual after attention */
    float *ln2;      /* (L, N, C) */
    float *ln2_rstd; /* (L, N) */
    float *ffn_x;    /* (L, R, C) feed-forward inputs, grouped by expert (MoE only) */
    float *ffn_a;    /* (L, R, H) x W1^T */
    float *ffn_b;    /* (L, R, H) x W3^T */
    float *ffn_g;    /* (L, R, H) silu(a) * b */
    float *ffn_y;    /* (L, R, C) each expert's output before gating (MoE only) */
    float *rlogits;  /* (L, N, E) router logits */
    float *rprobs;   /* (L, N, E) softmax of the router logits */
    float *rlse;     /* (L, N) logsumexp of the router logits */
    float *gate;     /* (L, N, K) gate weights of the chosen experts */
    int *choice;     /* (L, N, K) chosen experts, best first */
    int *slot;       /* (L, N, K) row of each choice in the grouped layout */
    int *expert_off; /* (L, E+1) first grouped row of each expert */
    float *lnf;      /* (N, C) */
    float *lnf_rstd; /* (N) */
    float *logits;   /* (N, V) probabilities after the loss, gradients after backward */
    float *losses;   /* (N) per-token cross-entropy */
} model_acts;

/* Gradient scratch for activations, reused layer by layer. */
typedef struct {
    float *dres;   /* (N, C) gradient of the residual stream */
    float *dln;    /* (N, C) */
    float *dqkv;   /* (N, 3C) */
    float *datt;   /* (lanes, T, T) one head's attention gradient per thread */
    float *datty;  /* (N, C) */
    float *dffn_x; /* (R, C) */
    float *dffn_y; /* (R, C) */
    float *dffn_g; /* (R, H) */
    float *dffn_a; /* (R, H) */
    float *dffn_b; /* (R, H) */
    float *drlogits; /* (N, E) */
} model_grad_scratch;

/* Losses of the last forward pass. */
typedef struct {
    double ce;       /* mean cross-entropy, nats/token */
    double lb;       /* load-balancing loss, averaged over layers, alpha included */
    double z;        /* router z-loss, averaged over layers, beta included */
    double total;    /* ce + lb + z: what training minimises */
} model_losses;

typedef struct {
    model_config cfg;
    int max_batch;              /* B the buffers are sized for */
    int lanes;                  /* threads the attention's scratch is sized for */

    param_tensor tensors[MODEL_MAX_TENSORS];
    int n_tensors;
    int tensor_index[MODEL_N_TENSOR_IDS]; /* position in tensors[], -1 if the model has none */
    size_t n_params;            /* floats in the parameter block */
    float *params_block;
    float *grads_block;         /* same layout as params_block */
    model_params params;
    model_params grads;

    float *acts_block;
    model_acts acts;
    float *scratch_block;
    model_grad_scratch scratch;
    int *index_block;

    float *rope_cos;            /* (T, hd/2) */
    float *rope_sin;            /* (T, hd/2) */

    int last_B, last_T;         /* shape of the last forward pass */
    model_losses losses;
    double *expert_load;        /* (L, E) share of assignments per expert, last forward */
} model;

/* Builds a model with buffers for batches of up to max_batch sequences of up
 * to cfg->seq_len tokens, and for one thread per CPU, or as many as
 * model_threads_set last gave if more. Parameters are zero until
 * model_init. */
int model_create(model *m, const model_config *cfg, int max_batch);

/* The threads every model of the process trains on: OpenBLAS's, and the
 * layers' own outside it. Their count never changes a step's bits except
 * through OpenBLAS (model/layers/parallel.h). MG_OK, or MG_ENOMEM when a
 * thread cannot start. */
int model_threads_set(int threads);
void model_free(model *m);

/* Draws the initial weights from `seed`: N(0, 0.02), the attention output
 * and w2 projections scaled by 1/sqrt(2L), RMSNorm gains 1. */
void model_init(model *m, uint64_t seed);

/* inputs and targets: (B, T) token ids. targets may be NULL (no loss).
 * Returns MG_EINVAL for a shape or token id out of range. */
int model_forward(model *m, const uint16_t *inputs, const uint16_t *targets, int B, int T);

/* Zeroes the parameter gradients. */
void model_zero_grad(model *m);

/* Accumulates d(total loss)/d(parameters) of the last forward pass, which
 * must have had these inputs and (non-NULL) targets, into m->grads. */
void model_backward(model *m, const uint16_t *inputs, const uint16_t *targets);

/* Parameters counted from the allocated tensors. */
size_t model_param_count(const model *m);

/* Elements in each buffer model_create allocated, for memory accounting
 * (moegap_bench sets a training run's peak memory against them). */
typedef struct {
    size_t params;     /* floats, params_block; grads_block holds as many */
    size_t acts;       /* floats, acts_block: what the forward keeps for the backward */
    size_t act_ints;   /* ints, index_block: the MoE routing of the forward */
    size_t scratch;    /* floats, scratch_block: activation gradients, reused per layer */
    size_t rope;       /* floats, rope_cos and rope_sin together */
    size_t load;       /* doubles, expert_load */
} model_buffer_sizes;

void model_buffer_sizes_get(const model *m, model_buffer_sizes *out);

/* The tensor `id`, or NULL when the model has none (a dense model's router). */
const param_tensor *model_tensor(const model *m, model_tensor_id id);

#endif
