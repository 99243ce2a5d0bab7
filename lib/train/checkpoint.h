/* Checkpoints: everything a run needs to go on bit for bit where it
 * stopped — parameters, AdamW moments, the step, the data loader's place,
 * the best validation loss so far — and the resolved recipe and seeds they
 * belong to, so a checkpoint is never resumed under another recipe.
 *
 * Layout (host byte order, little-endian on every machine moegap targets):
 *   "MGCKPT\0\0"  u32 version  u32 OpenBLAS threads
 *   u64 seed  u64 init_seed  u64 data_seed  u64 recipe_bytes  recipe text
 *   u64 n_params
 *   train_state (fixed-size fields, see below)
 *   f32 params[n]  f32 adam_m[n]  f32 adam_v[n]
 *   "MGCKEND\0"  u64 FNV-1a hash of every byte before the trailer
 * Written atomically; a truncated or altered file fails the hash, and one
 * with bytes after the trailer is refused. Version 2 put the thread count
 * where version 1 had 0; version 3 added init_seed and data_seed, and a
 * version 2 file is read as drawing both from its seed, as it did. */
#ifndef MOEGAP_CHECKPOINT_H
#define MOEGAP_CHECKPOINT_H

#include "model/model.h"
#include "train/adamw.h"
#include "train/train.h"

#include <stdint.h>

#define CHECKPOINT_VERSION 3

typedef struct {
    int64_t step;         /* updates done */
    int64_t tokens;       /* training tokens seen */
    double best_val;      /* lowest validation loss so far (inf: none yet) */
    int64_t best_step;
    double final_val;     /* the last validation loss */
    uint64_t loader_epoch;
    uint64_t loader_pos;  /* next window within the epoch */
    double wall_s;        /* training wall time so far, over every resume */
    uint64_t tokenizer_hash; /* of the token files trained on, checked on resume and eval */
} train_state;

int checkpoint_save(const char *path, const model *m, const adamw_state *opt,
                    const train_state *st, const char *recipe_text, const run_seeds *seeds,
                    uint32_t threads);

/* Restores into a model and optimizer already created for the same recipe.
 * Refuses, naming the file and the field, a file that is not a checkpoint,
 * is damaged, or belongs to another recipe or (when expect_seeds or
 * expect_threads is not NULL) other seeds or OpenBLAS thread count.
 * *seeds_out, when not NULL, receives the file's seeds. */
int checkpoint_load(const char *path, model *m, adamw_state *opt, train_state *st,
                    const char *recipe_text, const run_seeds *expect_seeds,
                    const uint32_t *expect_threads, run_seeds *seeds_out);

/* The seeds and train_state of a checkpoint, without a model to restore
 * into: what tells which run a folder holds. Neither the parameters nor
 * the checksum are read, so this vouches for no more than the header. */
int checkpoint_peek(const char *path, run_seeds *seeds, train_state *st);

#endif
