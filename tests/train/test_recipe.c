/* Recipes: every key validated; errors name the file, the line and the key. */
#include "util/error.h"
#include "train/recipe.h"
#include "train/recipe_write.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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


/* base with `line` put in front of its line `at` (1-based); malloc'd */
static char *insert_line(const char *line, int at)
{
    const char *cut = base;
    for (int i = 1; i < at; i++)
        cut = strchr(cut, '\n') + 1;
    size_t n = strlen(base) + strlen(line) + 2;
    char *text = malloc(n);
    snprintf(text, n, "%.*s%s\n%s", (int)(cut - base), base, line, cut);
    return text;
}

/* base with its line `at` (1-based) replaced by `line` ("" drops it);
 * malloc'd */
static char *replace_line(int at, const char *line)
{
    const char *cut = base;
    for (int i = 1; i < at; i++)
        cut = strchr(cut, '\n') + 1;
    size_t n = strlen(base) + strlen(line) + 2;
    char *text = malloc(n);
    snprintf(text, n, "%.*s%s%s%s", (int)(cut - base), base, line, line[0] ? "\n" : "",
             strchr(cut, '\n') + 1);
    return text;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Lines are read whole: a long comment stays a comment, a long path a
 * path, and a line past the limit is refused, never split. */
static void test_long_lines(const char *dir)
{
    recipe r;
    char *pad = repeat('x', 300);
    char line[400];
    snprintf(line, sizeof line, "; %s lb_coef = 0.5", pad);
    char *text = insert_line(line, 2);
    const char *path = test_write_file(dir, "longcomment.ini", text);
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(r.model.lb_coef == 0.01f, "a comment's tail set lb_coef = %g", r.model.lb_coef);
    free(text);

    char *deep = repeat('d', 250);
    snprintf(line, sizeof line, "train = %s/train.tok", deep);
    text = replace_line(13, line);
    path = test_write_file(dir, "longpath.ini", text);
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    const char *want = strstr(line, deep);
    size_t n = strlen(r.train_tokens), wn = strlen(want);
    EXPECT(n > wn && strcmp(r.train_tokens + n - wn, want) == 0, "long path read as %s",
           r.train_tokens);
    free(text);

    /* the limit exactly is fine; one more character is an error */
    char *max = repeat(';', RECIPE_LINE_MAX);
    text = insert_line(max, 2);
    path = test_write_file(dir, "maxline.ini", text);
    EXPECT(recipe_read(&r, path) == MG_OK, "a line of %d characters: %s", RECIPE_LINE_MAX,
           error_message());
    free(text);
    char *over = repeat(' ', RECIPE_LINE_MAX + 1);
    memcpy(over + RECIPE_LINE_MAX - 8, "d_model=8", 9); /* a split would read this */
    text = insert_line(over, 2);
    char frag[64];
    snprintf(frag, sizeof frag, "line 2 is longer than %d characters", RECIPE_LINE_MAX);
    expect_bad(dir, "overline.ini", text, "overline.ini:2:", frag);
    free(text);
    free(over);
    free(max);
    free(deep);
    free(pad);
}

/* The INI dialect recipes were written in still reads the same: a UTF-8
 * byte-order mark, inline comments after a space, ':' as separator. */
static void test_dialect(const char *dir)
{
    recipe r;
    size_t n = strlen(base) + 64;
    char *text = malloc(n);
    snprintf(text, n, "\xEF\xBB\xBF%s", base);
    memcpy(strstr(text, "d_model = 32\n"), "d_model : 32\n", 13);
    char *p = strstr(text, "steps = 10\n");
    memmove(p + 16, p + 10, strlen(p + 10) + 1);
    memcpy(p, "steps = 10 ; ten", 16);
    const char *path = test_write_file(dir, "dialect.ini", text);
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(r.model.vocab_size == 64 && r.model.d_model == 32 && r.steps == 10, "dialect misread");
    free(text);
    /* ';' without a space before it is part of the value */
    text = replace_line(3, "d_model = 32;x");
    expect_bad(dir, "semicolon.ini", text, "semicolon.ini:3: [model] d_model: '32;x'", NULL);
    free(text);
}

/* The first error is reported, at its own line; each names the key and
 * what was expected. */
static void test_messages(const char *dir)
{
    recipe r;
    char *two = insert_line("d_modle = 8", 3);
    memcpy(strstr(two, "steps = 10"), "steps = -5", 10);
    expect_bad(dir, "two.ini", two, "two.ini:3: [model] d_modle: unknown key", NULL);
    EXPECT(strstr(error_message(), "steps") == NULL, "not the first error: %s", error_message());
    free(two);

    char *text = replace_line(1, ""); /* no [model] header */
    expect_bad(dir, "nosection.ini", text, "nosection.ini:1: vocab_size: key outside any section",
               NULL);
    free(text);

    text = replace_line(3, ""); /* no d_model */
    expect_bad(dir, "required.ini", text, "required.ini: [model] d_model is required (", NULL);
    EXPECT(strstr(error_message(), "= 0") == NULL, "a missing key read as 0: %s", error_message());
    free(text);
    text = replace_line(10, ""); /* no steps */
    expect_bad(dir, "nosteps.ini", text, "nosteps.ini: [train] steps is required (", NULL);
    free(text);
    text = replace_line(7, "n_experts = 4"); /* MoE without expert_hidden */
    expect_bad(dir, "moereq.ini", text, "moereq.ini: [model] expert_hidden is required (", NULL);
    free(text);

    /* an indented key is a key of its own, not the previous one again */
    text = insert_line("   norm_eps = 1e-6", 8);
    const char *path = test_write_file(dir, "indent.ini", text);
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(r.model.norm_eps == 1e-6f && r.model.ffn_hidden == 48, "indented key misread");
    free(text);
    text = insert_line("  d_model = 8", 8);
    expect_bad(dir, "indent2.ini", text,
               "indent2.ini:8: [model] d_model: key given twice (first on line 3)", NULL);
    free(text);

    const char bin[] = "[model]\nd_model = 8\0junk\n";
    char p[1200];
    snprintf(p, sizeof p, "%s/nul.ini", dir);
    FILE *f = fopen(p, "wb");
    fwrite(bin, 1, sizeof bin - 1, f);
    fclose(f);
    EXPECT(recipe_read(&r, p) == MG_EINVAL &&
               strstr(error_message(), "nul.ini:2: line 2 holds a NUL byte") != NULL,
           "NUL byte: %s", error_message());

    /* sizes no machine holds are refused before anything is allocated */
    text = replace_line(6, "seq_len = 65536");
    expect_bad(dir, "huge.ini", text, "huge.ini: [model] seq_len = 65536", "GiB");
    EXPECT(strstr(error_message(), "expected at most") != NULL, "%s", error_message());
    free(text);

    /* training needs both data paths; counting parameters does not */
    text = replace_line(13, "");
    path = test_write_file(dir, "nodata.ini", text);
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(recipe_require_data(&r, path) == MG_EINVAL &&
               strstr(error_message(), "nodata.ini: [data] train is required") != NULL,
           "missing train path: %s", error_message());
    free(text);
}

/* Only regular files are read: a directory, a fifo or a device is refused
 * by name, at once (an alarm fails the test if a read blocks). */
static void test_not_regular(const char *dir)
{
    recipe r;
    alarm(10);
    char p[1200];
    snprintf(p, sizeof p, "%s/fifo.ini", dir);
    EXPECT(recipe_read(&r, dir) == MG_EIO && strstr(error_message(), "not a regular file (a "
           "directory)") != NULL && strstr(error_message(), dir) != NULL,
           "directory: %s", error_message());
    EXPECT(mkfifo(p, 0600) == 0, "mkfifo %s", p);
    EXPECT(recipe_read(&r, p) == MG_EIO && strstr(error_message(), "fifo.ini: not a regular "
           "file (a fifo)") != NULL, "fifo: %s", error_message());
    EXPECT(recipe_read(&r, "/dev/zero") == MG_EIO &&
               strstr(error_message(), "/dev/zero: not a regular file (a device)") != NULL,
           "device: %s", error_message());
    alarm(0);
    remove(p);
}

/* base (dense) with `lines` appended after its [data] section */
static char *with_run(const char *lines)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s[run]\n%s", base, lines);
    return buf;
}

/* [run] matched: read, kept, written back; malformed values refused with
 * file:line; a MoE refused; the dense recipe built and written from a MoE. */
static void test_matched(const char *dir)
{
    recipe r;
    const char *path = test_write_file(dir, "matched.ini", with_run("matched = moe4 active\n"));
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(strcmp(r.matched.model, "moe4") == 0 && r.matched.target == PARAMS_TARGET_ACTIVE,
           "matched read as '%s' %d", r.matched.model, (int)r.matched.target);
    char *text = recipe_to_string(&r);
    EXPECT(text && strstr(text, "\n[run]\nmatched = moe4 active\n") != NULL,
           "matched not written: %s", text ? text : "(null)");
    free(text);
    path = test_write_file(dir, "matched2.ini", with_run("matched = moe8.b  total\n"));
    EXPECT(recipe_read(&r, path) == MG_OK, "%s", error_message());
    EXPECT(strcmp(r.matched.model, "moe8.b") == 0 && r.matched.target == PARAMS_TARGET_TOTAL,
           "matched read as '%s' %d", r.matched.model, (int)r.matched.target);
    /* none given: none kept, none written */
    path = test_write_file(dir, "nomatch.ini", base);
    EXPECT(recipe_read(&r, path) == MG_OK && r.matched.model[0] == '\0', "%s", error_message());
    text = recipe_to_string(&r);
    EXPECT(text && !strstr(text, "matched"), "an empty matched was written");
    free(text);

    /* base has 14 lines: [run] is line 15, matched line 16 */
    expect_bad(dir, "m_one.ini", with_run("matched = moe4\n"), "m_one.ini:16: [run] matched",
               "moe4 active");
    expect_bad(dir, "m_word.ini", with_run("matched = moe4 biggest\n"),
               "m_word.ini:16: [run] matched", NULL);
    expect_bad(dir, "m_three.ini", with_run("matched = moe 4 active\n"),
               "m_three.ini:16: [run] matched", NULL);
    expect_bad(dir, "m_name.ini", with_run("matched = mo/e4 active\n"),
               "m_name.ini:16: [run] matched", NULL);
    expect_bad(dir, "m_twice.ini", with_run("matched = moe4 active\nmatched = moe4 total\n"),
               "m_twice.ini:17: [run] matched: key given twice", NULL);
    char *moe_text = replace_line(7, "n_experts = 4\nexpert_hidden = 16");
    char moe_matched[4096];
    snprintf(moe_matched, sizeof moe_matched, "%s[run]\nmatched = moe4 active\n", moe_text);
    expect_bad(dir, "m_moe.ini", moe_matched, "m_moe.ini: [run] matched = moe4 active",
               "only a dense recipe");

    /* the dense recipe built from a MoE, in place */
    recipe moe, dense;
    const char *moe_path = test_write_file(dir, "moe4.ini", moe_text);
    free(moe_text);
    EXPECT(recipe_read(&moe, moe_path) == MG_OK, "%s", error_message());
    EXPECT(recipe_read(&dense, test_write_file(dir, "dense.ini", base)) == MG_OK, "%s",
           error_message());
    recipe built = moe;
    EXPECT(recipe_dense_from_moe(&built, &built, &dense.model, "moe4", PARAMS_TARGET_TOTAL) ==
               MG_OK, "%s", error_message());
    EXPECT(memcmp(&built.model, &dense.model, sizeof dense.model) == 0 &&
               strcmp(built.matched.model, "moe4") == 0 &&
               built.matched.target == PARAMS_TARGET_TOTAL && built.steps == moe.steps &&
               strcmp(built.train_tokens, moe.train_tokens) == 0,
           "dense recipe not the MoE's with a dense [model] and matched");
    EXPECT(recipe_dense_from_moe(&built, &dense, &dense.model, "moe4", PARAMS_TARGET_TOTAL) ==
               MG_EINVAL, "a dense recipe was matched");
    EXPECT(recipe_dense_from_moe(&built, &moe, &moe.model, "moe4", PARAMS_TARGET_TOTAL) ==
               MG_EINVAL, "a MoE was written as the dense match");
    EXPECT(recipe_dense_from_moe(&built, &moe, &dense.model, "moe 4", PARAMS_TARGET_TOTAL) ==
               MG_EINVAL, "a model name with a space was accepted");

    /* written to a file in another folder: reads back with the same data files */
    char sub[1200], out[1300], name[64];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    mkdir(sub, 0755);
    snprintf(out, sizeof out, "%s/dense-total.ini", sub);
    recipe_model_name(name, sizeof name, moe_path);
    EXPECT(strcmp(name, "moe4") == 0, "model name of %s: '%s'", moe_path, name);
    EXPECT(recipe_write_dense(out, moe_path, &moe, &dense.model, name, PARAMS_TARGET_TOTAL) ==
               MG_OK, "%s", error_message());
    recipe back;
    EXPECT(recipe_read(&back, out) == MG_OK, "%s", error_message());
    EXPECT(strcmp(back.matched.model, "moe4") == 0 && back.matched.target == PARAMS_TARGET_TOTAL &&
               back.model.ffn_hidden == dense.model.ffn_hidden && back.model.n_experts == 0 &&
               back.steps == moe.steps,
           "written dense recipe reads back otherwise");
    /* the data paths name the MoE's files from the new folder (they need not
     * exist, so the text is checked, not the resolved path) */
    text = recipe_to_string(&back);
    EXPECT(text && strstr(back.train_tokens, "/sub/../train.tok") != NULL &&
               strstr(text, "matched = moe4 total\n") != NULL,
           "train path '%s' or matched not kept", back.train_tokens);
    free(text);
    EXPECT(recipe_write_dense(moe_path, moe_path, &moe, &dense.model, name, PARAMS_TARGET_TOTAL) ==
               MG_EINVAL && strstr(error_message(), "replace the MoE recipe"),
           "the MoE recipe was overwritten: %s", error_message());
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
    test_long_lines(dir);
    test_dialect(dir);
    test_messages(dir);
    test_not_regular(dir);
    test_matched(dir);
    recipe r3;
    EXPECT(recipe_read(&r3, "no/such/recipe.ini") == MG_EIO, "missing file: %s", error_message());
    EXPECT(strstr(error_message(), "no/such/recipe.ini") != NULL, "%s", error_message());
    return test_summary("test_recipe");
}
