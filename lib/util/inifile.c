#include "util/inifile.h"
#include "util/error.h"

#include <ctype.h>
#include <string.h>

/* Not inih: Debian's libinih is built with a 200-byte line buffer on the
 * stack (INI_MAX_LINE 200, no realloc) and hands a longer line on in
 * pieces, so a long comment's tail became a key, and a resolved recipe
 * holds absolute data paths that are often longer. The dialect is inih's
 * without its line limit.
 *
 * Reads one line whole into buf[INIFILE_LINE_MAX + 1], without its newline.
 * 1: a line; 0: end of file; -1: the line is longer than INIFILE_LINE_MAX;
 * -2: it holds a NUL byte (a binary file, never one of ours). */
static int read_line(FILE *f, char *buf)
{
    size_t n = 0;
    int c, nul = 0;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n == INIFILE_LINE_MAX)
            return -1;
        nul |= c == '\0';
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    if (c == EOF && n == 0)
        return 0;
    return nul ? -2 : 1;
}

static char *skip_space(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static void strip_trailing_space(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

/* The first of `chars` in s, or the start of an inline comment (';' after
 * whitespace), or the end. */
static char *find_or_comment(char *s, const char *chars)
{
    int was_space = 0;
    while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

typedef struct {
    const inifile_reader *r;
    int line;
    char section[INIFILE_SECTION_MAX];
    char msg[1024];
} parse_state;

static int parse_section(parse_state *st, char *s)
{
    char *end = find_or_comment(s + 1, "]");
    if (*end != ']')
        return error_set(MG_EINVAL, "%s:%d: malformed section header (expected [name])",
                         st->r->path, st->line);
    *end = '\0';
    if (strlen(s + 1) >= sizeof st->section)
        return error_set(MG_EINVAL, "%s:%d: [%.40s...]: unknown section (expected %s)",
                         st->r->path, st->line, s + 1, st->r->sections);
    strcpy(st->section, s + 1);
    return MG_OK;
}

/* One line: blank, a comment, [section] or key = value (':' also separates,
 * leading and trailing spaces are not part of a name or value). */
static int parse_line(parse_state *st, char *line)
{
    if (st->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
        line += 3; /* a UTF-8 byte-order mark */
    char *s = skip_space(line);
    strip_trailing_space(s);
    if (*s == '\0' || *s == ';' || *s == '#')
        return MG_OK;
    if (*s == '[')
        return parse_section(st, s);
    char *sep = find_or_comment(s, "=:");
    if (*sep != '=' && *sep != ':')
        return error_set(MG_EINVAL, "%s:%d: malformed line (expected key = value or [section])",
                         st->r->path, st->line);
    *sep = '\0';
    strip_trailing_space(s);
    char *value = skip_space(sep + 1);
    *find_or_comment(value, NULL) = '\0';
    strip_trailing_space(value);
    if (st->section[0] == '\0')
        return error_set(MG_EINVAL, "%s:%d: %s: key outside any section (expected %s above it)",
                         st->r->path, st->line, s, st->r->sections);
    st->msg[0] = '\0';
    if (!st->r->on_key(st->r->user, st->section, s, value, st->line, st->msg, sizeof st->msg))
        return error_set(MG_EINVAL, "%s:%d: %s", st->r->path, st->line, st->msg);
    return MG_OK;
}

int inifile_parse(const inifile_reader *r, FILE *f, int *lines)
{
    char line[INIFILE_LINE_MAX + 1];
    parse_state st;
    memset(&st, 0, sizeof st);
    st.r = r;
    int got, rc = MG_OK;
    while (!rc && (got = read_line(f, line)) != 0) {
        st.line++;
        if (got == -1)
            rc = error_set(MG_EINVAL, "%s:%d: line %d is longer than %d characters", r->path,
                           st.line, st.line, INIFILE_LINE_MAX);
        else if (got == -2)
            rc = error_set(MG_EINVAL, "%s:%d: line %d holds a NUL byte (not a text file)",
                           r->path, st.line, st.line);
        else
            rc = parse_line(&st, line);
    }
    if (!rc && ferror(f))
        rc = error_set(MG_EIO, "%s: read error after line %d", r->path, st.line);
    if (lines)
        *lines = st.line;
    return rc;
}
