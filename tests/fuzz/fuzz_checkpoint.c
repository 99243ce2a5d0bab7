/* checkpoint_load on any bytes, into a model of the tiny recipe. Each
 * input is tried as it is and, resealed, with the trailer's FNV-1a hash
 * recomputed over the bytes before it: a mutation would otherwise almost
 * always stop at the checksum, and the checks after it go unfuzzed. */
#include "fuzz_util.h"

#include "train/checkpoint.h"
#include "util/error.h"
#include "train/recipe.h"

#include <stdlib.h>
#include <string.h>

static model m;
static adamw_state opt;
static char *recipe_text;
static char dir[FUZZ_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[FUZZ_PATH_MAX];
    recipe r;
    fuzz_subdir(dir, "checkpoint");
    fuzz_write_text(dir, "recipe.ini", FUZZ_TINY_RECIPE);
    if (recipe_read(&r, fuzz_path(path, dir, "recipe.ini")) != MG_OK ||
        model_create(&m, &r.model, r.batch_size) != MG_OK ||
        adamw_create(&opt, &r.optim, m.n_params) != MG_OK || !(recipe_text = recipe_to_string(&r)))
        fuzz_die("tiny model", error_message());
    return 0;
}

/* The trailer checkpoint_save writes: "MGCKEND\0", then the FNV-1a hash
 * (lib/train/checkpoint.c) of every byte before it. */
static void reseal(uint8_t *b, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < size - 16; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    memcpy(b + size - 16, "MGCKEND", 8);
    memcpy(b + size - 8, &h, 8);
}

static void load(const void *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    train_state st;
    run_seeds seeds;
    fuzz_write(dir, "checkpoint.bin", data, size);
    checkpoint_load(fuzz_path(path, dir, "checkpoint.bin"), &m, &opt, &st, recipe_text, NULL, NULL,
                    &seeds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load(data, size);
    if (size < 16)
        return 0;
    uint8_t *copy = malloc(size);
    if (!copy)
        fuzz_die("reseal", "out of memory");
    memcpy(copy, data, size);
    reseal(copy, size);
    load(copy, size);
    free(copy);
    return 0;
}
