#include "data/corpus.h"
#include "data/brown.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { READ_CHUNK = 1 << 20 };

struct corpus_reader {
    corpus_kind kind;
    char *path;
    sha256_ctx sha;
    /* Brown: the files, and the current one as plain text */
    char **names;
    size_t n_names, next_name;
    brown_text doc;
    /* text: the file, read in chunks into buf[start, end) */
    FILE *f;
    char *buf;
    size_t cap, start, end, scan;
    int eof;
    char sep[CORPUS_SEPARATOR_MAX];
    size_t seplen;
};

static const char *const kind_names[] = {"brown", "tinystories", "text"};

int corpus_kind_parse(const char *name, corpus_kind *kind)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            *kind = (corpus_kind)k;
            return MG_OK;
        }
    return error_set(MG_EINVAL, "corpus '%s': expected brown, tinystories or text", name);
}

const char *corpus_kind_name(corpus_kind kind)
{
    return (unsigned)kind < 3 ? kind_names[kind] : "?";
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static uint64_t count_words(const char *s, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += !is_space(s[i]) && (i == 0 || is_space(s[i - 1]));
    return w;
}

int corpus_open(corpus_reader **out, corpus_kind kind, const char *path, const char *separator)
{
    *out = NULL;
    if (kind == CORPUS_TEXT && (!separator || !*separator))
        return error_set(MG_EINVAL, "%s: a text corpus needs a document separator", path);
    if (kind == CORPUS_TINYSTORIES && !separator)
        separator = CORPUS_TINYSTORIES_SEPARATOR;
    if (kind != CORPUS_BROWN && strlen(separator) >= CORPUS_SEPARATOR_MAX)
        return error_set(MG_EINVAL, "separator: longer than %d bytes", CORPUS_SEPARATOR_MAX - 1);
    corpus_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = malloc(strlen(path) + 1))) {
        free(r);
        return error_set(MG_ENOMEM, "%s: out of memory", path);
    }
    strcpy(r->path, path);
    r->kind = kind;
    sha256_init(&r->sha);
    int rc = MG_OK;
    if (kind == CORPUS_BROWN) {
        rc = brown_list(path, &r->names, &r->n_names);
    } else {
        r->seplen = strlen(separator);
        memcpy(r->sep, separator, r->seplen);
        if (!(r->f = fopen(path, "rb")))
            rc = error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    if (rc) {
        corpus_close(r);
        return rc;
    }
    *out = r;
    return MG_OK;
}

static int next_brown(corpus_reader *r, corpus_doc *doc)
{
    if (r->next_name == r->n_names)
        return MG_OK;
    char path[FS_PATH_MAX + 8];
    int rc = fs_join(path, sizeof path, r->path, r->names[r->next_name++]);
    if (rc)
        return rc;
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_set(MG_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *raw = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len + 65536 > cap) {
            char *p = realloc(raw, cap = len + 65536 + cap);
            if (!p) {
                rc = error_set(MG_ENOMEM, "%s: out of memory", path);
                break;
            }
            raw = p;
        }
        n = fread(raw + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (!rc && ferror(f))
        rc = error_set(MG_EIO, "%s: read error", path);
    fclose(f);
    if (!rc) {
        sha256_update(&r->sha, raw, len);
        rc = brown_detag(path, raw, len, &r->doc, &doc->words);
    }
    free(raw);
    if (rc)
        return rc;
    doc->text = r->doc.p;
    doc->len = r->doc.len;
    return MG_OK;
}

/* Reads another chunk after buf[start, end), moving the unread part to the
 * front first so the buffer only grows for documents longer than a chunk. */
static int fill(corpus_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->scan -= r->start;
        r->start = 0;
    }
    if (r->end + READ_CHUNK > r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 2 * READ_CHUNK;
        char *p = realloc(r->buf, cap);
        if (!p)
            return error_set(MG_ENOMEM, "%s: out of memory for a %zu-byte document", r->path,
                             r->end);
        r->buf = p;
        r->cap = cap;
    }
    size_t n = fread(r->buf + r->end, 1, READ_CHUNK, r->f);
    if (n < READ_CHUNK) {
        if (ferror(r->f))
            return error_set(MG_EIO, "%s: read error", r->path);
        r->eof = 1;
    }
    sha256_update(&r->sha, r->buf + r->end, n);
    r->end += n;
    return MG_OK;
}

/* The separator's offset in buf[scan, end), or SIZE_MAX. */
static size_t find_sep(const corpus_reader *r)
{
    if (r->end - r->scan < r->seplen)
        return SIZE_MAX;
    const char *p = r->buf + r->scan, *last = r->buf + r->end - r->seplen;
    while (p <= last) {
        p = memchr(p, r->sep[0], (size_t)(last - p) + 1);
        if (!p)
            return SIZE_MAX;
        if (memcmp(p, r->sep, r->seplen) == 0)
            return (size_t)(p - r->buf);
        p++;
    }
    return SIZE_MAX;
}

static int next_text(corpus_reader *r, corpus_doc *doc)
{
    for (;;) {
        size_t at = find_sep(r), stop;
        if (at != SIZE_MAX) {
            stop = at;
        } else if (!r->eof) {
            /* a separator may straddle the chunk boundary */
            r->scan = r->end >= r->start + r->seplen ? r->end - r->seplen + 1 : r->start;
            int rc = fill(r);
            if (rc)
                return rc;
            continue;
        } else if (r->start < r->end) {
            stop = r->end;
        } else {
            return MG_OK;
        }
        size_t a = r->start, b = stop;
        r->start = r->scan = at != SIZE_MAX ? at + r->seplen : r->end;
        while (a < b && is_space(r->buf[a]))
            a++;
        while (b > a && is_space(r->buf[b - 1]))
            b--;
        if (a == b)
            continue;
        doc->text = r->buf + a;
        doc->len = b - a;
        doc->words = count_words(doc->text, doc->len);
        return MG_OK;
    }
}

int corpus_next(corpus_reader *r, corpus_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    return r->kind == CORPUS_BROWN ? next_brown(r, doc) : next_text(r, doc);
}

void corpus_source_sha256(const corpus_reader *r, char hex[65])
{
    sha256_ctx c = r->sha; /* a copy, so the reader can still be asked again */
    sha256_final_hex(&c, hex);
}

size_t corpus_source_files(const corpus_reader *r)
{
    return r->kind == CORPUS_BROWN ? r->n_names : 1;
}

void corpus_close(corpus_reader *r)
{
    if (!r)
        return;
    brown_list_free(r->names, r->n_names);
    free(r->doc.p);
    if (r->f)
        fclose(r->f);
    free(r->buf);
    free(r->path);
    free(r);
}

uint64_t corpus_doc_hash(const char *text, size_t len)
{
    uint64_t h = HASH_FNV1A64_BASIS;
    hash_fnv1a64_update(&h, text, len);
    return hash_mix64(h);
}

int corpus_is_val(const char *text, size_t len, double val_fraction)
{
    double u = (double)(corpus_doc_hash(text, len) >> 11) * 0x1p-53;
    return u < val_fraction;
}
