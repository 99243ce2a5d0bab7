/* Recipes: every key validated; errors name the file, the line and the key. */
#include "moegap/error.h"
#include "moegap/recipe.h"
#include "testutil.h"

#include <stdlib.h>

static const char *base =
    "[model]\n"
    "vocab_size = 64\n"
    "d_model = 32\n"
    "n_layers = 2\n"
    "n_heads = 4\n"
    "seq_len = 16\n"
    "ffn_hidden = 48\n"
    "[train]\n"
    "batch_size = 4\n"
    "steps = 10\n"
    "eval_every = 5\n"
    "[data]\n"
    "train = train.tok\n"
    "val = /abs/val.tok\n";

/* Expects the recipe text to be refused with a message holding each of
 * the given fragments (file:line, key, ...). */
static void expect_bad(const char *dir, const char *name, const char *text, const char *frag1,
                       const char *frag2)
{
    const char *path = test_write_file(dir, name, text);
    recipe r;
    int rc = recipe_read(&r, path);
    const char *msg = error_message();
    EXPECT(rc != MG_OK, "%s was accepted", name);
    EXPECT(strstr(msg, frag1) != NULL, "%s: message lacks '%s': %s", name, frag1, msg);
    if (frag2)
        EXPECT(strstr(msg, frag2) != NULL, "%s: message lacks '%s': %s", name, frag2, msg);
}

static char *with(const char *extra_model_lines)
{
    /* the base recipe with lines appended to [model] */
    static char buf[4096];
    const char *cut = strstr(base, "[train]");
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(cut - base), base, extra_model_lines, cut);
    return buf;
}

int main(void)
{
    const char *dir = test_dir("recipe");
    const char *path = test_write_file(dir, "good.ini", base);
    recipe r;
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(r.model.d_model == 32 && r.batch_size == 4 && r.steps == 10, "values not read");
    EXPECT(r.lr > 0 && r.optim.beta2 == 0.95f && r.model.lb_coef == 0.01f, "defaults not applied");
    char expect_train[1200];
    char *abs_dir = realpath(dir, NULL);
    snprintf(expect_train, sizeof expect_train, "%s/train.tok", abs_dir);
    free(abs_dir);
    EXPECT(strcmp(r.train_tokens, expect_train) == 0, "relative path resolved to %s", r.train_tokens);
    EXPECT(strcmp(r.val_tokens, "/abs/val.tok") == 0, "absolute path changed to %s", r.val_tokens);

    /* the resolved recipe reads back to the same values */
    char resolved[1200];
    snprintf(resolved, sizeof resolved, "%s/resolved.ini", dir);
    FILE *f = fopen(resolved, "w");
    recipe_write(&r, f);
    fclose(f);
    recipe r2;
    EXPECT(recipe_read(&r2, resolved) == MG_OK, "%s", error_message());
    EXPECT(memcmp(&r.model, &r2.model, sizeof r.model) == 0 && r.steps == r2.steps &&
               r.lr == r2.lr && r.warmup == r2.warmup && strcmp(r.val_tokens, r2.val_tokens) == 0,
           "resolved recipe does not read back the same");

    expect_bad(dir, "unknown.ini", with("colour = blue\n"), "unknown.ini:8", "colour");
    expect_bad(dir, "range.ini", with("n_experts = 99\n"), "range.ini:8", "n_experts");
    expect_bad(dir, "notint.ini", with("top_k = two\n"), "notint.ini:8", "top_k");
    expect_bad(dir, "partint.ini", with("seq_len = 16x\n"), "partint.ini", "seq_len");
    expect_bad(dir, "twice.ini", with("d_model = 64\n"), "twice.ini:8", "given twice");
    expect_bad(dir, "float.ini", with("lb_coef = nan\n"), "float.ini:8", "lb_coef");
    expect_bad(dir, "section.ini", "[modle]\nd_model = 4\n", "section.ini:2", "[modle] d_model");
    expect_bad(dir, "syntax.ini", "[model]\nthis line has no equals sign\n", "syntax.ini:2", NULL);
    /* cross-field rules, after the file is read */
    {
        char text[4096];
        snprintf(text, sizeof text, "%s", base);
        char *p = strstr(text, "n_heads = 4");
        p[10] = '5'; /* 32 / 5 does not divide */
        expect_bad(dir, "divide.ini", text, "divide.ini", "n_heads");
    }
    {
        char text[4096];
        snprintf(text, sizeof text, "%s", base);
        char *p = strstr(text, "ffn_hidden = 48\n");
        memcpy(p, "n_experts = 4  \n", 16); /* MoE without expert_hidden */
        expect_bad(dir, "noexp.ini", text, "noexp.ini", "expert_hidden");
    }
    expect_bad(dir, "mixed.ini", with("n_experts = 4\nexpert_hidden = 16\n"), "mixed.ini",
               "ffn_hidden");
    expect_bad(dir, "dense_k.ini", with("top_k = 2\n"), "dense_k.ini", "top_k");
    recipe r3;
    EXPECT(recipe_read(&r3, "no/such/recipe.ini") == MG_EIO, "missing file: %s", error_message());
    EXPECT(strstr(error_message(), "no/such/recipe.ini") != NULL, "%s", error_message());
    return test_summary("test_recipe");
}
