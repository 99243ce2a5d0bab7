#include "train/checkpoint.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/hash.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

static const char CKPT_MAGIC[8] = {'M', 'G', 'C', 'K', 'P', 'T', 0, 0};
static const char CKPT_END[8] = {'M', 'G', 'C', 'K', 'E', 'N', 'D', 0};

/* Writes through a running FNV-1a hash, so the trailer can vouch for every
 * byte before it. */
typedef struct {
    FILE *f;
    uint64_t hash;
} hashed_io;

static void put(hashed_io *io, const void *p, size_t n)
{
    hash_fnv1a64_update(&io->hash, p, n);
    fwrite(p, 1, n, io->f);
}

static int get(hashed_io *io, void *p, size_t n)
{
    if (fread(p, 1, n, io->f) != n)
        return 0;
    hash_fnv1a64_update(&io->hash, p, n);
    return 1;
}

int checkpoint_save(const char *path, const model *m, const adamw_state *opt,
                    const train_state *st, const char *recipe_text, const run_seeds *seeds,
                    uint32_t threads)
{
    fileio_atomic_file af;
    int rc = fileio_atomic_open(&af, path);
    if (rc)
        return rc;
    hashed_io io = {af.f, HASH_FNV1A64_BASIS};
    uint32_t version = CHECKPOINT_VERSION;
    uint64_t recipe_bytes = strlen(recipe_text), n = m->n_params;
    put(&io, CKPT_MAGIC, 8);
    put(&io, &version, 4);
    put(&io, &threads, 4);
    put(&io, &seeds->run, 8);
    put(&io, &seeds->init, 8);
    put(&io, &seeds->data, 8);
    put(&io, &recipe_bytes, 8);
    put(&io, recipe_text, recipe_bytes);
    put(&io, &n, 8);
    put(&io, st, sizeof *st);
    put(&io, m->params_block, sizeof(float) * n);
    put(&io, opt->m, sizeof(float) * n);
    put(&io, opt->v, sizeof(float) * n);
    fwrite(CKPT_END, 1, 8, af.f);
    fwrite(&io.hash, 1, 8, af.f);
    return fileio_atomic_commit(&af);
}

/* The trailer's hash vouches for the bytes before it, not for any after
 * it: a file longer than its header implies was not written by
 * checkpoint_save, so it is refused rather than trusted. */
static int check_nothing_after(FILE *f, const char *path)
{
    if (fgetc(f) == EOF)
        return MG_OK;
    long end = ftell(f) - 1;
    struct stat sb;
    long long size = fstat(fileno(f), &sb) == 0 ? (long long)sb.st_size : -1;
    return error_set(MG_EFORMAT, "%s: size: %lld bytes, %lld more than its header implies "
                     "(bytes appended after the trailer)", path, size, size - end);
}

/* The seeds after the thread count: version 3 stores all three, version 2
 * only the run's, from which it drew both the weights and the data order. */
static int get_seeds(hashed_io *io, uint32_t version, run_seeds *s)
{
    if (!get(io, &s->run, 8))
        return 0;
    if (version == 2) {
        s->init = s->data = s->run;
        return 1;
    }
    return get(io, &s->init, 8) && get(io, &s->data, 8);
}

static int version_known(uint32_t version)
{
    return version == 2 || version == CHECKPOINT_VERSION;
}

int checkpoint_load(const char *path, model *m, adamw_state *opt, train_state *st,
                    const char *recipe_text, const run_seeds *expect_seeds,
                    const uint32_t *expect_threads, run_seeds *seeds_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open checkpoint: %s", path, strerror(errno));
    hashed_io io = {f, HASH_FNV1A64_BASIS};
    int rc = MG_OK;
    char magic[8];
    uint32_t version, threads;
    uint64_t recipe_bytes, n;
    run_seeds file_seeds;
    char *text = NULL;
    float *params = NULL;

#define FAIL(code, ...)                           \
    do {                                          \
        rc = error_set(code, __VA_ARGS__);        \
        goto done;                                \
    } while (0)

    if (!get(&io, magic, 8) || memcmp(magic, CKPT_MAGIC, 8) != 0)
        FAIL(MG_EFORMAT, "%s: magic: not a moegap checkpoint", path);
    /* a field cut short is not printed: part of it was never read */
    if (!get(&io, &version, 4))
        FAIL(MG_EFORMAT, "%s: version: truncated", path);
    if (!version_known(version))
        FAIL(MG_EFORMAT, "%s: version: %u, expected 2 to %d", path, version, CHECKPOINT_VERSION);
    if (!get(&io, &threads, 4) || threads == 0)
        FAIL(MG_EFORMAT, "%s: threads: truncated or damaged", path);
    if (!get_seeds(&io, version, &file_seeds) || !get(&io, &recipe_bytes, 8) ||
        recipe_bytes > (1u << 20))
        FAIL(MG_EFORMAT, "%s: header: truncated or damaged", path);
    text = malloc(recipe_bytes + 1);
    if (!text || !get(&io, text, recipe_bytes))
        FAIL(MG_EFORMAT, "%s: recipe: truncated", path);
    text[recipe_bytes] = '\0';
    if (expect_seeds && file_seeds.run != expect_seeds->run)
        FAIL(MG_EINVAL, "%s: seed: the checkpoint is of seed %llu, not %llu", path,
             (unsigned long long)file_seeds.run, (unsigned long long)expect_seeds->run);
    if (expect_seeds && file_seeds.init != expect_seeds->init)
        FAIL(MG_EINVAL, "%s: init_seed: the checkpoint's weights were drawn from seed %llu, "
             "not %llu", path, (unsigned long long)file_seeds.init,
             (unsigned long long)expect_seeds->init);
    if (expect_seeds && file_seeds.data != expect_seeds->data)
        FAIL(MG_EINVAL, "%s: data_seed: the checkpoint's data order was drawn from seed %llu, "
             "not %llu", path, (unsigned long long)file_seeds.data,
             (unsigned long long)expect_seeds->data);
    if (seeds_out)
        *seeds_out = file_seeds;
    /* the losses are bit-identical only under one OpenBLAS thread count */
    if (expect_threads && threads != *expect_threads)
        FAIL(MG_EINVAL, "%s: threads: the checkpoint was trained with %u OpenBLAS thread(s), "
             "not %u; resume with --threads %u", path, threads, *expect_threads, threads);
    if (strcmp(text, recipe_text) != 0)
        FAIL(MG_EINVAL, "%s: recipe: the checkpoint was made under another recipe "
             "(compare its run folder's recipe.ini)", path);
    if (!get(&io, &n, 8))
        FAIL(MG_EFORMAT, "%s: n_params: truncated", path);
    if (n != m->n_params)
        FAIL(MG_EFORMAT, "%s: n_params: %llu, the recipe's model has %zu", path,
             (unsigned long long)n, m->n_params);
    train_state s;
    if (!get(&io, &s, sizeof s))
        FAIL(MG_EFORMAT, "%s: train_state: truncated", path);
    /* read into scratch first, so a damaged file leaves the model untouched */
    params = malloc(sizeof(float) * n * 3);
    if (!params)
        FAIL(MG_ENOMEM, "%s: out of memory for %llu parameters", path, (unsigned long long)n);
    if (!get(&io, params, sizeof(float) * n * 3))
        FAIL(MG_EFORMAT, "%s: parameters: truncated", path);
    uint64_t expect = io.hash, stored;
    char end[8];
    if (fread(end, 1, 8, f) != 8 || memcmp(end, CKPT_END, 8) != 0 || fread(&stored, 1, 8, f) != 8)
        FAIL(MG_EFORMAT, "%s: trailer: missing (the file is truncated)", path);
    if (stored != expect)
        FAIL(MG_EFORMAT, "%s: checksum: the contents do not match their hash (damaged file)", path);
    if ((rc = check_nothing_after(f, path)))
        goto done;
    if (s.step < 0 || s.loader_pos > (uint64_t)1 << 40)
        FAIL(MG_EFORMAT, "%s: train_state: step %lld is not valid", path, (long long)s.step);
    memcpy(m->params_block, params, sizeof(float) * n);
    memcpy(opt->m, params + n, sizeof(float) * n);
    memcpy(opt->v, params + 2 * n, sizeof(float) * n);
    opt->step = (long)s.step;
    *st = s;
#undef FAIL
done:
    free(text);
    free(params);
    fclose(f);
    return rc;
}

int checkpoint_peek(const char *path, run_seeds *seeds, train_state *st)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open checkpoint: %s", path, strerror(errno));
    hashed_io io = {f, HASH_FNV1A64_BASIS};
    char magic[8];
    uint32_t version, reserved;
    uint64_t recipe_bytes, n;
    int rc = MG_OK;
    if (!get(&io, magic, 8) || memcmp(magic, CKPT_MAGIC, 8) != 0)
        rc = error_set(MG_EFORMAT, "%s: magic: not a moegap checkpoint", path);
    else if (!get(&io, &version, 4) || !get(&io, &reserved, 4) || !version_known(version))
        rc = error_set(MG_EFORMAT, "%s: version: expected 2 to %d", path, CHECKPOINT_VERSION);
    else if (!get_seeds(&io, version, seeds) || !get(&io, &recipe_bytes, 8) ||
             recipe_bytes > (1u << 20) ||
             fseek(f, (long)recipe_bytes, SEEK_CUR) != 0 || !get(&io, &n, 8) ||
             !get(&io, st, sizeof *st))
        rc = error_set(MG_EFORMAT, "%s: header: truncated or damaged", path);
    fclose(f);
    return rc;
}
