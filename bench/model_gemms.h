/* The matrix products one training step of a model needs, as the sgemm
 * calls a plain implementation makes (nn.Linear-style y = x W^T, and
 * attention as per-head Q K^T and P V products).
 *
 * The library is free to compute some of these without sgemm (attention,
 * for one, only needs the causal half of each T x T block), so the calls it
 * actually makes are not a stable yardstick: the bench's "peak" is this
 * fixed list replayed, and its FLOP count is the model's, whatever the
 * library does. */
#ifndef MOEGAP_BENCH_MODEL_GEMMS_H
#define MOEGAP_BENCH_MODEL_GEMMS_H

#include "gemm_peak.h"

#include "model/model.h"

/* Fills `out` (emptied first) with the sgemm calls of one forward and
 * backward pass over a (B, T) batch. For an MoE model the rows of each
 * expert are the ones of m's last forward pass (m->acts.expert_off), so
 * the shapes follow the real routing. *useful_flops gets the model's FLOPs:
 * the same products, with attention's counted over the causal half only
 * (the part any implementation must compute). Returns 0, or -1 out of
 * memory. */
int model_gemms(const model *m, int B, int T, gemm_list *out, double *useful_flops);

#endif
