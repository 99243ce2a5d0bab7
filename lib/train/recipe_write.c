#include "train/recipe_write.h"
#include "util/error.h"
#include "util/fileio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lexically resolves "." and ".." of an absolute path in place. */
static void path_normalize(char *p)
{
    char *comp[1024];
    int n = 0;
    char *save = NULL;
    for (char *s = strtok_r(p + 1, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (strcmp(s, ".") == 0)
            continue;
        if (strcmp(s, "..") == 0) {
            n -= n > 0;
            continue;
        }
        if (n < (int)(sizeof comp / sizeof comp[0]))
            comp[n++] = s;
    }
    char out[RECIPE_PATH_MAX] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof out; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "/%s", comp[i]);
    snprintf(p, RECIPE_PATH_MAX, "%s", n ? out : "/");
}

/* `file` relative to the folder `dir`, both absolute and normalised. */
static int path_relative(const char *dir, const char *file, char *out, size_t size)
{
    if (strcmp(dir, "/") == 0)
        return snprintf(out, size, "%s", file + 1) < (int)size
                   ? MG_OK : error_set(MG_EINVAL, "%s: path too long", file);
    /* the longest run of whole components the two share */
    size_t common = 0;
    for (size_t i = 0; dir[i] && dir[i] == file[i]; i++)
        if (dir[i + 1] == '\0' ? file[i + 1] == '/' || file[i + 1] == '\0' : dir[i + 1] == '/')
            common = i + 1;
    size_t len = 0;
    out[0] = '\0';
    for (const char *s = dir + common; *s; s++)
        if (*s == '/')
            len += (size_t)snprintf(out + len, len < size ? size - len : 0, "../");
    const char *tail = file + common + (file[common] == '/');
    len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s", tail);
    return len < size ? MG_OK : error_set(MG_EINVAL, "%s: path too long", file);
}

/* recipe_read resolves data paths against the recipe's folder; the dense
 * recipe may live elsewhere, so name the same files relative to its own
 * folder (which keeps a recipe written next to the MoE's byte-identical in
 * [data], and both portable). */
static int rebase_data_path(char *path, const char *out_dir)
{
    char abs[RECIPE_PATH_MAX];
    if (path[0] == '/') {
        snprintf(abs, sizeof abs, "%s", path);
    } else {
        char cwd[RECIPE_PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) ||
            snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs)
            return error_set(MG_EINVAL, "%s: cannot make the path absolute", path);
    }
    path_normalize(abs);
    return path_relative(out_dir, abs, path, RECIPE_PATH_MAX);
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void recipe_model_name(char *dst, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
        n -= 4;
    snprintf(dst, cap, "%.*s", (int)n, base);
}

int recipe_write_dense(const char *out, const char *moe_path, const recipe *moe,
                       const model_config *dense, const char *moe_name, params_target target)
{
    if (!moe->train_tokens[0] || !moe->val_tokens[0])
        return error_set(MG_EINVAL, "%s has no [data] train and val paths: a recipe written "
                         "without them could not be read back", moe_path);
    /* a recipe in the heap: two of them hold four paths of RECIPE_PATH_MAX */
    recipe *r = malloc(sizeof *r);
    if (!r)
        return error_set(MG_ENOMEM, "%s: out of memory", out);
    int rc = recipe_dense_from_moe(r, moe, dense, moe_name, target);
    if (rc) {
        free(r);
        return error_prefix(rc, "%s: ", moe_path);
    }
    char folder[RECIPE_PATH_MAX];
    const char *slash = strrchr(out, '/');
    snprintf(folder, sizeof folder, "%.*s", slash ? (int)(slash - out) + (slash == out) : 1,
             slash ? out : ".");
    char *dir = realpath(folder, NULL);
    if (!dir)
        rc = error_set(MG_EIO, "%s: cannot find the folder '%s'", out, folder);
    else if (same_file(out, moe_path))
        rc = error_set(MG_EINVAL, "%s: writing it would replace the MoE recipe itself", out);
    if (!rc)
        rc = rebase_data_path(r->train_tokens, dir);
    if (!rc)
        rc = rebase_data_path(r->val_tokens, dir);
    free(dir);
    fileio_atomic_file af;
    if (!rc)
        rc = fileio_atomic_open(&af, out);
    if (!rc) {
        recipe_write(r, af.f);
        rc = fileio_atomic_commit(&af);
    }
    free(r);
    return rc;
}
