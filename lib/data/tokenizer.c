#include "data/tokenizer.h"
#include "util/fsutil.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/spawn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const tokenizer_spm_options[] = {
    "--model_type=bpe",
    "--byte_fallback=true",
    "--character_coverage=0.9995",
    /* text reaches the model as written; byte fallback covers the rest */
    "--normalization_rule_name=identity",
    "--remove_extra_whitespaces=false",
    "--add_dummy_prefix=true",
    "--split_digits=true",
    /* every sample line is used, in file order: nothing random to seed */
    "--max_sentence_length=16384",
    "--input_sentence_size=0",
    "--shuffle_input_sentence=false",
    "--num_threads=1",
    "--random_seed=1",
    "--unk_id=0",
    "--bos_id=1",
    "--eos_id=2",
    "--pad_id=-1",
    NULL,
};

/* "sentencepiece 0.1.97", from `spm_train --version`: part of the cache key,
 * because another version may train another model from the same input. */
static int spm_version(const char *dir, char *out, size_t cap)
{
    char log[FS_PATH_BUF], name[64];
    snprintf(name, sizeof name, "spm_version.%ld.log", (long)getpid());
    int rc = fs_join(log, sizeof log, dir, name);
    if (rc)
        return rc;
    const char *argv[] = {"spm_train", "--version", NULL};
    if ((rc = spawn_run(argv, ".", log)))
        return rc;
    FILE *f = fopen(log, "r");
    out[0] = '\0';
    if (f) {
        if (fgets(out, (int)cap, f))
            out[strcspn(out, "\r\n")] = '\0';
        fclose(f);
    }
    remove(log);
    if (!out[0])
        return error_set(MG_EIO, "spm_train --version printed nothing");
    return MG_OK;
}

/* Reads the model's hash, and the ids of <s> and <0x0A> from the .vocab
 * file (one "piece<TAB>score" line per id). */
static int describe(tokenizer_info *t)
{
    char path[FS_PATH_BUF];
    int rc = fs_join(path, sizeof path, t->dir, "tokenizer.model");
    if (rc || (rc = sha256_file(path, t->model_sha256)))
        return rc;
    char first16[17];
    memcpy(first16, t->model_sha256, 16);
    first16[16] = '\0';
    t->hash = strtoull(first16, NULL, 16);
    if ((rc = fs_join(path, sizeof path, t->dir, "tokenizer.vocab")))
        return rc;
    FILE *f = fopen(path, "r");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    char line[1024];
    uint32_t id = 0;
    long bos = -1, newline = -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\t\r\n")] = '\0';
        if (strcmp(line, "<s>") == 0 && bos < 0)
            bos = id;
        if (strcmp(line, "<0x0A>") == 0 && newline < 0)
            newline = id;
        id++;
    }
    fclose(f);
    if (id != t->vocab_size)
        return error_set(MG_EFORMAT, "%s: %u pieces, expected vocab_size %u", path, id,
                         t->vocab_size);
    if (bos < 0 || newline < 0)
        return error_set(MG_EFORMAT, "%s: no %s piece (trained without byte fallback?)", path,
                         bos < 0 ? "<s>" : "<0x0A>");
    t->bos_id = (uint32_t)bos;
    t->newline_id = (uint32_t)newline;
    return MG_OK;
}

static int cache_key(tokenizer_info *t, const char *sample)
{
    char sample_sha[65];
    int rc = sha256_file(sample, sample_sha);
    if (rc)
        return rc;
    sha256_ctx c;
    sha256_init(&c);
    char head[128];
    snprintf(head, sizeof head, "moegap tokenizer 1\n%s\n--vocab_size=%u\n", t->spm_version,
             t->vocab_size);
    sha256_update(&c, head, strlen(head));
    for (int i = 0; tokenizer_spm_options[i]; i++) {
        sha256_update(&c, tokenizer_spm_options[i], strlen(tokenizer_spm_options[i]));
        sha256_update(&c, "\n", 1);
    }
    sha256_update(&c, sample_sha, 64);
    sha256_final_hex(&c, t->key);
    return MG_OK;
}

/* Trains into <cache>/<key>.tmp.<pid>/, then renames it to <cache>/<key>/;
 * a concurrent prepare that got there first wins and ours is dropped. */
static int train(tokenizer_info *t, const char *sample, const char *cache_dir)
{
    static const char *const leftovers[] = {"sample.txt", "tokenizer.model", "tokenizer.vocab",
                                            "spm_train.log", NULL};
    char tmp[TOKENIZER_PATH_MAX], path[FS_PATH_BUF], log[FS_PATH_BUF];
    int w = snprintf(tmp, sizeof tmp, "%s/%s.tmp.%ld", cache_dir, t->key, (long)getpid());
    if (w < 0 || (size_t)w >= sizeof tmp)
        return error_set(MG_EINVAL, "%s: path too long", cache_dir);
    int rc = fs_mkdirs(tmp);
    /* the sample is copied next to the model: spm_train's --input is a
     * comma-separated list, so it gets a plain name in its own folder */
    if (rc || (rc = fs_join(path, sizeof path, tmp, "sample.txt")) ||
        (rc = fs_copy(sample, path)) || (rc = fs_join(log, sizeof log, tmp, "spm_train.log")))
        goto fail;
    char vocab_opt[64];
    snprintf(vocab_opt, sizeof vocab_opt, "--vocab_size=%u", t->vocab_size);
    const char *argv[64];
    int k = 0;
    argv[k++] = "spm_train";
    argv[k++] = "--input=sample.txt";
    argv[k++] = "--model_prefix=tokenizer";
    argv[k++] = vocab_opt;
    for (int i = 0; tokenizer_spm_options[i]; i++)
        argv[k++] = tokenizer_spm_options[i];
    argv[k] = NULL;
    if ((rc = spawn_run(argv, tmp, log))) {
        /* the whole log, kept outside the folder about to be removed */
        char kept[FS_PATH_BUF];
        int rc_kept = fs_pathf(kept, sizeof kept, "%s/%s.failed.log", cache_dir, t->key);
        if (rc_kept)
            rc = rc_kept; /* its message replaced spm_train's */
        else if (rename(log, kept) == 0)
            error_prefix(rc, "%s: ", kept);
        goto fail;
    }
    remove(path);
    if ((rc = fs_pathf(path, sizeof path, "%s/%s.failed.log", cache_dir, t->key)))
        goto fail;
    remove(path); /* an earlier attempt's */
    if (rename(tmp, t->dir) != 0) {
        if (errno != EEXIST && errno != ENOTEMPTY) {
            rc = error_set(MG_EIO, "%s: cannot rename into place: %s", t->dir, strerror(errno));
            goto fail;
        }
        fs_remove_files(tmp, leftovers);
    }
    return MG_OK;
fail:
    fs_remove_files(tmp, leftovers);
    return rc;
}

int tokenizer_get(tokenizer_info *t, const char *sample, uint32_t vocab_size,
                  const char *cache_dir)
{
    memset(t, 0, sizeof *t);
    t->vocab_size = vocab_size;
    if (vocab_size < 260 || vocab_size > 65536)
        return error_set(MG_EINVAL, "vocab_size %u: expected 260..65536 (256 byte pieces, "
                         "3 specials, ids below 65536)", vocab_size);
    int rc = fs_mkdirs(cache_dir);
    if (rc || (rc = spm_version(cache_dir, t->spm_version, sizeof t->spm_version)) ||
        (rc = cache_key(t, sample)) || (rc = fs_join(t->dir, sizeof t->dir, cache_dir, t->key)))
        return rc;
    char model[FS_PATH_BUF];
    if ((rc = fs_join(model, sizeof model, t->dir, "tokenizer.model")))
        return rc;
    t->from_cache = fs_exists(model);
    if (!t->from_cache && (rc = train(t, sample, cache_dir)))
        return rc;
    return describe(t);
}

/* One output line of spm_encode: ids separated by single spaces. */
static int parse_ids(const char *line, uint16_t **ids, size_t *cap, size_t *n, uint32_t vocab)
{
    *n = 0;
    const char *p = line;
    while (*p && *p != '\n') {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned long v = 0;
        const char *d = p;
        while (*p >= '0' && *p <= '9' && v < vocab)
            v = v * 10 + (unsigned long)(*p++ - '0');
        if (p == d || v >= vocab || (*p && *p != ' ' && *p != '\n'))
            return 0;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 1024;
            uint16_t *q = realloc(*ids, nc * sizeof **ids);
            if (!q)
                return -1;
            *ids = q;
            *cap = nc;
        }
        (*ids)[(*n)++] = (uint16_t)v;
    }
    return 1;
}

int tokenizer_encode(const tokenizer_info *t, const char *dir, const char *model,
                     const char *input, size_t lines, tokenizer_line_fn fn, void *ctx)
{
    char log[FS_PATH_BUF], model_opt[TOKENIZER_PATH_MAX + 16],
        input_opt[TOKENIZER_PATH_MAX + 16];
    int rc = fs_join(log, sizeof log, dir, "spm_encode.log");
    if (rc)
        return rc;
    snprintf(model_opt, sizeof model_opt, "--model=%s", model);
    snprintf(input_opt, sizeof input_opt, "--input=%s", input);
    const char *argv[] = {"spm_encode", model_opt, input_opt, "--output_format=id", NULL};
    int fd = -1;
    pid_t pid = -1;
    if ((rc = spawn_start(argv, dir, log, &fd, &pid)))
        return rc;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        spawn_wait(pid, "spm_encode", log);
        return error_set(MG_EIO, "spm_encode: cannot read its output: %s", strerror(errno));
    }
    char *line = NULL;
    size_t line_cap = 0, got = 0, ids_cap = 0, n = 0;
    uint16_t *ids = NULL;
    while (!rc && getline(&line, &line_cap, f) >= 0) {
        int ok = parse_ids(line, &ids, &ids_cap, &n, t->vocab_size);
        if (ok < 0)
            rc = error_set(MG_ENOMEM, "%s/%s: out of memory for line %zu", dir, input, got + 1);
        else if (!ok)
            rc = error_set(MG_EFORMAT, "%s/%s: line %zu: spm_encode gave '%.40s', not ids below %u",
                           dir, input, got + 1, line, t->vocab_size);
        else
            rc = fn(ctx, ids, n);
        got++;
    }
    free(line);
    free(ids);
    /* closing first lets a tool we stopped reading from end on SIGPIPE */
    fclose(f);
    int wrc = spawn_wait(pid, "spm_encode", log);
    if (rc)
        return rc;
    if (wrc)
        return wrc;
    remove(log);
    if (got != lines)
        return error_set(MG_EFORMAT, "%s/%s: spm_encode gave %zu lines for %zu input lines", dir,
                         input, got, lines);
    return MG_OK;
}
