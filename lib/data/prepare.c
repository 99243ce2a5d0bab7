#include "data/prepare.h"
#include "util/fsutil.h"
#include "util/error.h"
#include "train/tokens.h"
#include "data/prepare_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { PATH_CAP = FS_PATH_BUF };

static const char *const split_name[2] = {"train", "val"};
static const char *const work_files[] = {"train.txt", "val.txt", "sample.txt", "tokenizer.model",
                                         "tokenizer.vocab", "spm_encode.log", NULL};

void prepare_defaults(prepare_options *o)
{
    memset(o, 0, sizeof *o);
    o->kind = CORPUS_BROWN;
    o->vocab_size = PREPARE_DEFAULT_VOCAB;
    o->val_fraction = PREPARE_DEFAULT_VAL_FRACTION;
    o->sample_bytes = PREPARE_DEFAULT_SAMPLE_BYTES;
    o->cache_dir = "out/cache/tokenizers";
}

static void say(const prepare_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const prepare_options *o, const char *fmt, ...)
{
    if (!o->progress)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->progress(o->progress_ctx, msg);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One split's line file and how many of its lines each document owns. */
typedef struct {
    FILE *f;
    char path[PATH_CAP];
    uint32_t *doc_lines;
    size_t n_docs, cap;
} split_lines;

typedef struct {
    const prepare_options *o;
    prepare_result *res;
    char work[PATH_CAP];
    split_lines split[2];
    FILE *sample;
    char sample_path[PATH_CAP];
    int sample_full;
} prep;

/* Writes the document's lines, trailing white space cut (it carries nothing
 * and would cost tokens); to the sample too unless that is full. */
static int add_doc(prep *p, int which, const corpus_doc *d)
{
    split_lines *s = &p->split[which];
    int to_sample = which == PREPARE_TRAIN && !p->sample_full;
    if (to_sample && p->res->sample_bytes + d->len + 1 > p->o->sample_bytes)
        to_sample = 0, p->sample_full = 1; /* whole documents, a prefix: deterministic */
    uint32_t lines = 0;
    size_t i = 0;
    while (i <= d->len) {
        size_t e = i;
        while (e < d->len && d->text[e] != '\n')
            e++;
        size_t b = e;
        while (b > i && (d->text[b - 1] == ' ' || d->text[b - 1] == '\t' || d->text[b - 1] == '\r'))
            b--;
        fwrite(d->text + i, 1, b - i, s->f);
        fputc('\n', s->f);
        if (to_sample && b > i) {
            fwrite(d->text + i, 1, b - i, p->sample);
            fputc('\n', p->sample);
            p->res->sample_bytes += b - i + 1;
        }
        lines++;
        i = e + 1;
    }
    if (s->n_docs == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uint32_t *v = realloc(s->doc_lines, cap * sizeof *v);
        if (!v)
            return error_set(MG_ENOMEM, "out of memory after %zu documents", s->n_docs);
        s->doc_lines = v;
        s->cap = cap;
    }
    s->doc_lines[s->n_docs++] = lines;
    p->res->docs[which]++;
    p->res->words[which] += d->words;
    p->res->lines[which] += lines;
    p->res->sample_docs += to_sample;
    return MG_OK;
}

/* which: PREPARE_TRAIN or PREPARE_VAL for every document, or -1 to split by
 * hash. */
static int read_source(prep *p, const char *path, const char *separator, int which,
                       char sha[65])
{
    corpus_reader *r;
    int rc = corpus_open(&r, p->o->kind, path, separator);
    if (rc)
        return rc;
    uint64_t n = 0;
    for (;;) {
        corpus_doc d;
        if ((rc = corpus_next(r, &d)) || !d.text)
            break;
        int w = which >= 0 ? which : corpus_is_val(d.text, d.len, p->o->val_fraction);
        if ((rc = add_doc(p, w, &d)))
            break;
        if (++n % 200000 == 0)
            say(p->o, "read %llu documents", (unsigned long long)n);
    }
    if (!rc) {
        corpus_source_sha256(r, sha);
        p->res->source_files += corpus_source_files(r);
    }
    corpus_close(r);
    return rc;
}

static int close_file(FILE **f, const char *path)
{
    int bad = ferror(*f) || fflush(*f) != 0;
    int saved = errno;
    bad |= fclose(*f) != 0;
    *f = NULL;
    return bad ? error_set(MG_EIO, "%s: write failed: %s", path, strerror(saved)) : MG_OK;
}

static int open_file(FILE **f, char *path, const char *dir, const char *name)
{
    int rc = fs_join(path, PATH_CAP, dir, name);
    if (rc)
        return rc;
    if (!(*f = fopen(path, "wb")))
        return error_set(MG_EIO, "%s: cannot create: %s", path, strerror(errno));
    return MG_OK;
}

static int read_corpus(prep *p)
{
    const prepare_options *o = p->o;
    int rc = open_file(&p->split[0].f, p->split[0].path, p->work, "train.txt");
    if (rc || (rc = open_file(&p->split[1].f, p->split[1].path, p->work, "val.txt")) ||
        (rc = open_file(&p->sample, p->sample_path, p->work, "sample.txt")))
        return rc;
    say(o, "reading %s corpus %s%s%s", corpus_kind_name(o->kind), o->input,
        o->val_input ? " and validation file " : "", o->val_input ? o->val_input : "");
    if (o->val_input)
        rc = read_source(p, o->input, o->separator, PREPARE_TRAIN, p->res->source_sha256);
    else
        rc = read_source(p, o->input, o->separator, -1, p->res->source_sha256);
    if (!rc && o->val_input)
        rc = read_source(p, o->val_input, o->separator, PREPARE_VAL, p->res->val_source_sha256);
    for (int s = 0; s < 2; s++)
        if (p->split[s].f) {
            int c = close_file(&p->split[s].f, p->split[s].path);
            rc = rc ? rc : c;
        }
    int c = close_file(&p->sample, p->sample_path);
    if (rc || c)
        return rc ? rc : c;
    const prepare_result *r = p->res;
    say(o, "%llu documents, %llu words: %llu train, %llu validation",
        (unsigned long long)(r->docs[0] + r->docs[1]),
        (unsigned long long)(r->words[0] + r->words[1]), (unsigned long long)r->docs[0],
        (unsigned long long)r->docs[1]);
    for (int s = 0; s < 2; s++)
        if (r->docs[s] == 0)
            return error_set(MG_EINVAL, "%s: no %s documents (%s)", o->val_input && s ? o->val_input
                             : o->input, s ? "validation" : "training",
                             o->val_input ? "is the file empty, or the separator wrong?"
                             : "too few documents for --val-fraction, or the separator wrong?");
    return MG_OK;
}

/* Lays one split's lines back into documents as spm_encode returns them. */
typedef struct {
    const split_lines *s;
    const tokenizer_info *tok;
    size_t doc;
    uint32_t line;
    uint16_t *ids;
    size_t n, cap;
} stream;

static int push(stream *st, const uint16_t *ids, size_t n)
{
    if (st->n + n > st->cap) {
        size_t cap = st->cap ? st->cap : 1 << 20;
        while (cap < st->n + n)
            cap *= 2;
        uint16_t *v = realloc(st->ids, cap * sizeof *v);
        if (!v)
            return error_set(MG_ENOMEM, "out of memory for %zu tokens", st->n + n);
        st->ids = v;
        st->cap = cap;
    }
    memcpy(st->ids + st->n, ids, n * sizeof *ids);
    st->n += n;
    return MG_OK;
}

static int on_line(void *ctx, const uint16_t *ids, size_t n)
{
    stream *st = ctx;
    if (st->doc == st->s->n_docs)
        return error_set(MG_EFORMAT, "spm_encode gave more lines than were written");
    uint16_t sep = (uint16_t)(st->line == 0 ? st->tok->bos_id : st->tok->newline_id);
    int rc = push(st, &sep, 1);
    if (rc || (rc = push(st, ids, n)))
        return rc;
    if (++st->line == st->s->doc_lines[st->doc])
        st->doc++, st->line = 0;
    return MG_OK;
}

static int encode_split(prep *p, int which)
{
    const prepare_options *o = p->o;
    const split_lines *s = &p->split[which];
    stream st = {.s = s, .tok = &p->res->tok};
    char out[PATH_CAP];
    double t0 = now();
    say(o, "encoding %s: %zu documents", split_name[which], s->n_docs);
    int rc = tokenizer_encode(&p->res->tok, p->work, "tokenizer.model",
                              which ? "val.txt" : "train.txt", p->res->lines[which], on_line, &st);
    if (!rc && (rc = fs_join(out, sizeof out, o->out_dir, which ? "val.tok" : "train.tok")) == 0)
        rc = tokens_write(out, st.ids, st.n, p->res->tok.vocab_size, p->res->tok.hash);
    free(st.ids);
    if (rc)
        return rc;
    p->res->tokens[which] = st.n;
    say(o, "wrote %s: %zu tokens (%.1f s)", out, st.n, now() - t0);
    /* the line file is no longer needed: free the disk early */
    remove(s->path);
    return MG_OK;
}

static int check_options(const prepare_options *o)
{
    if (!o->input || !o->out_dir || !o->cache_dir)
        return error_set(MG_EINVAL, "prepare: input, out_dir and cache_dir are required");
    if (o->val_input && o->kind == CORPUS_BROWN)
        return error_set(MG_EINVAL, "val_input: Brown is split by hash; a validation file is for "
                         "text corpora");
    if (!o->val_input && !(o->val_fraction > 0 && o->val_fraction < 1))
        return error_set(MG_EINVAL, "val_fraction %g: expected a number in (0, 1)",
                         o->val_fraction);
    if (o->sample_bytes < 1024)
        return error_set(MG_EINVAL, "sample_bytes %llu: expected at least 1024",
                         (unsigned long long)o->sample_bytes);
    return MG_OK;
}

static int place_tokenizer(prep *p)
{
    static const char *const names[] = {"tokenizer.model", "tokenizer.vocab"};
    for (int i = 0; i < 2; i++) {
        char src[PATH_CAP], dst[PATH_CAP];
        int rc = fs_join(src, sizeof src, p->work, names[i]);
        if (rc || (rc = fs_join(dst, sizeof dst, p->o->out_dir, names[i])))
            return rc;
        if (rename(src, dst) != 0)
            return error_set(MG_EIO, "%s: cannot rename into place: %s", dst, strerror(errno));
    }
    return MG_OK;
}

int prepare_run(const prepare_options *o, prepare_result *res)
{
    memset(res, 0, sizeof *res);
    double t0 = now();
    int rc = check_options(o);
    if (rc || (rc = fs_mkdirs(o->out_dir)))
        return rc;
    prep p = {.o = o, .res = res};
    char done[PATH_CAP];
    if ((rc = fs_join(done, sizeof done, o->out_dir, "corpus.json")))
        return rc;
    /* a stale corpus.json would make a half-rewritten folder look finished */
    if (remove(done) != 0 && errno != ENOENT)
        return error_set(MG_EIO, "%s: cannot remove: %s", done, strerror(errno));
    int w = snprintf(p.work, sizeof p.work, "%s/prepare.tmp.%ld", o->out_dir, (long)getpid());
    if (w < 0 || (size_t)w >= sizeof p.work)
        return error_set(MG_EINVAL, "%s: path too long", o->out_dir);
    if ((rc = fs_mkdirs(p.work)))
        return rc;

    if ((rc = read_corpus(&p)))
        goto done;
    if (res->sample_docs == 0) {
        rc = error_set(MG_EINVAL, "%s: the first training document is longer than the tokenizer "
                       "sample (%llu bytes)", o->input, (unsigned long long)o->sample_bytes);
        goto done;
    }
    double t1 = now();
    say(o, "tokenizer: SentencePiece BPE, vocab %u, on %llu training documents (%llu bytes)",
        o->vocab_size, (unsigned long long)res->sample_docs, (unsigned long long)res->sample_bytes);
    if ((rc = tokenizer_get(&res->tok, p.sample_path, o->vocab_size, o->cache_dir)))
        goto done;
    remove(p.sample_path);
    say(o, "tokenizer %016llx: %s (%.1f s)", (unsigned long long)res->tok.hash,
        res->tok.from_cache ? "from the cache" : "trained", now() - t1);
    char src[PATH_CAP], dst[PATH_CAP];
    static const char *const tok_files[] = {"tokenizer.model", "tokenizer.vocab", NULL};
    for (int i = 0; tok_files[i] && !rc; i++)
        if (!(rc = fs_join(src, sizeof src, res->tok.dir, tok_files[i])) &&
            !(rc = fs_join(dst, sizeof dst, p.work, tok_files[i])))
            rc = fs_copy(src, dst);
    if (rc || (rc = encode_split(&p, PREPARE_TRAIN)) || (rc = encode_split(&p, PREPARE_VAL)) ||
        (rc = place_tokenizer(&p)))
        goto done;
    res->seconds = now() - t0;
    if ((rc = prepare_write_json(done, o, res)))
        goto done;
    say(o, "wrote %s (%.1f s in all)", done, res->seconds);
done:
    for (int s = 0; s < 2; s++) {
        if (p.split[s].f)
            fclose(p.split[s].f);
        free(p.split[s].doc_lines);
    }
    if (p.sample)
        fclose(p.sample);
    fs_remove_files(p.work, work_files);
    return rc;
}
