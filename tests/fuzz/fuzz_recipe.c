/* recipe_read on any bytes. A recipe it accepts must also pass
 * recipe_validate, and its resolved text (what a run folder's recipe.ini
 * and a checkpoint hold) must read back to the same text: resuming
 * compares exactly that text. */
#include "fuzz_util.h"

#include "util/error.h"
#include "train/recipe.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>

/* A line inih cannot read whole: it reads lines of INI_MAX_LINE bytes
 * with the newline and the terminating zero. */
static int has_long_line(const char *text)
{
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n + 2 > INI_MAX_LINE)
            return 1;
        p += n + (end != NULL);
    }
    return 0;
}

static void check_round_trip(const recipe *r, const char *dir)
{
    char *text = recipe_to_string(r);
    if (!text)
        fuzz_die("recipe_to_string", "out of memory");
    /* Known and open: a token path resolved against a deep recipe folder
     * makes a line longer than inih reads, and the run folder's recipe.ini
     * cannot be read back (moegap eval --run refuses it). Such texts skip
     * the round trip, so that the fuzzer goes on to other faults. */
    if (has_long_line(text)) {
        free(text);
        return;
    }
    fuzz_write_text(dir, "again.ini", text);
    recipe again;
    char path[FUZZ_PATH_MAX];
    if (recipe_read(&again, fuzz_path(path, dir, "again.ini")) != MG_OK)
        fuzz_die("an accepted recipe's own text is refused", error_message());
    char *text2 = recipe_to_string(&again);
    if (!text2 || strcmp(text, text2) != 0)
        fuzz_die("an accepted recipe's text reads back differently", text);
    free(text);
    free(text2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[FUZZ_PATH_MAX];
    if (!dir[0])
        fuzz_subdir(dir, "recipe");
    fuzz_write(dir, "recipe.ini", data, size);
    char path[FUZZ_PATH_MAX];
    recipe r;
    if (recipe_read(&r, fuzz_path(path, dir, "recipe.ini")) != MG_OK)
        return 0;
    if (recipe_validate(&r) != MG_OK)
        fuzz_die("recipe_read accepted what recipe_validate refuses", error_message());
    check_round_trip(&r, dir);
    return 0;
}
