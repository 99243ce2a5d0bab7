/* Writing the dense recipe the width solver matched to a MoE recipe
 * (moegap params --match --write): the MoE's recipe with its [model] made
 * dense and [run] matched recorded (recipe_dense_from_moe), its data paths
 * named relative to the folder it is written to. */
#ifndef MOEGAP_RECIPE_WRITE_H
#define MOEGAP_RECIPE_WRITE_H

#include "train/recipe.h"

/* Writes `out` atomically: `moe` (read from moe_path) with [model] =
 * `dense` and [run] matched = moe_name target. The [data] paths are made
 * relative to out's folder, so the file names the same token files
 * wherever it lies (and one written beside the MoE's keeps its [data]
 * text). Refuses a MoE recipe without [data] paths (the file could not be
 * read back) and an `out` that is moe_path itself. */
int recipe_write_dense(const char *out, const char *moe_path, const recipe *moe,
                       const model_config *dense, const char *moe_name, params_target target);

/* The model name a MoE recipe's file gives when none is given: its file
 * name without the folder and ".ini" (protocols/tiers/ci/moe4.ini: moe4),
 * as the tier names its models after their recipes. */
void recipe_model_name(char *dst, size_t cap, const char *path);

#endif
