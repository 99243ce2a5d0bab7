/* tokens_read on any bytes: a token file it accepts holds only ids below
 * its vocabulary size (the embedding lookup indexes with them). */
#include "fuzz_util.h"

#include "train/tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[FUZZ_PATH_MAX];
    if (!dir[0])
        fuzz_subdir(dir, "tokens");
    fuzz_write(dir, "t.tok", data, size);
    char path[FUZZ_PATH_MAX];
    token_file tf;
    if (tokens_read(&tf, fuzz_path(path, dir, "t.tok")) != 0)
        return 0;
    for (size_t i = 0; i < tf.n; i++)
        if (tf.ids[i] >= tf.vocab_size)
            fuzz_die("tokens_read", "accepted an id at or above the vocabulary size");
    tokens_free(&tf);
    return 0;
}
