#include "data/brown.h"
#include "util/error.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_brown_name(const char *s)
{
    return s[0] == 'c' && s[1] >= 'a' && s[1] <= 'r' && s[2] >= '0' && s[2] <= '9' &&
           s[3] >= '0' && s[3] <= '9' && s[4] == '\0';
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void brown_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int brown_list(const char *dir, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return error_set(MG_EIO, "%s: cannot open the Brown folder: %s", dir, strerror(errno));
    char **v = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_brown_name(e->d_name))
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 512;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv)
                goto nomem;
            v = nv;
        }
        if (!(v[count] = malloc(strlen(e->d_name) + 1)))
            goto nomem;
        strcpy(v[count++], e->d_name);
    }
    closedir(d);
    if (count == 0) {
        free(v);
        return error_set(MG_EFORMAT, "%s: no Brown files (ca01 .. cr09) in this folder; "
                         "ci/fetch-brown.sh fetches them", dir);
    }
    /* readdir's order depends on the file system; documents must not */
    qsort(v, count, sizeof *v, cmp_names);
    *names = v;
    *n = count;
    return MG_OK;
nomem:
    closedir(d);
    brown_list_free(v, count);
    return error_set(MG_ENOMEM, "%s: out of memory listing the folder", dir);
}

static int append(brown_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1 << 15;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return error_set(MG_ENOMEM, "out of memory for a Brown document");
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    return MG_OK;
}

static int word_is(const char *w, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* Brown separates all punctuation by spaces; these rejoin the text a reader
 * would see, so the tokenizer learns ordinary English spacing. */
static int attaches_left(const char *w, size_t n)
{
    static const char *const set[] = {".", ",", ";", ":", "?", "!", ")", "]", "''", NULL};
    for (int i = 0; set[i]; i++)
        if (word_is(w, n, set[i]))
            return 1;
    return 0;
}

static int attaches_right(const char *w, size_t n)
{
    return word_is(w, n, "(") || word_is(w, n, "[") || word_is(w, n, "``");
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

int brown_detag(const char *path, const char *buf, size_t len, brown_text *out, uint64_t *words)
{
    out->len = 0;
    *words = 0;
    size_t pos = 0;
    long lineno = 0;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && buf[eol] != '\n')
            eol++;
        lineno++;
        int line_started = 0, glue_next = 0;
        size_t i = pos;
        while (i < eol) {
            while (i < eol && is_space(buf[i]))
                i++;
            if (i == eol)
                break;
            size_t t0 = i;
            while (i < eol && !is_space(buf[i]))
                i++;
            const char *tok = buf + t0;
            size_t tlen = i - t0, slash = tlen;
            while (slash > 0 && tok[slash - 1] != '/')
                slash--;
            if (slash < 2) /* no '/', or nothing before it */
                return error_set(MG_EFORMAT, "%s:%ld: token '%.*s' is not word/TAG", path, lineno,
                                 (int)(tlen > 60 ? 60 : tlen), tok);
            size_t wlen = slash - 1;
            if (line_started && !glue_next && !attaches_left(tok, wlen) && append(out, " ", 1))
                return MG_ENOMEM;
            glue_next = attaches_right(tok, wlen);
            int quote = word_is(tok, wlen, "``") || word_is(tok, wlen, "''");
            if (append(out, quote ? "\"" : tok, quote ? 1 : wlen))
                return MG_ENOMEM;
            line_started = 1;
            ++*words;
        }
        if (line_started && append(out, "\n", 1))
            return MG_ENOMEM;
        pos = eol + 1;
    }
    if (out->len)
        out->len--; /* the last line's newline: documents carry no trailing white space */
    if (append(out, "", 0))
        return MG_ENOMEM;
    out->p[out->len] = '\0';
    return MG_OK;
}
