/* Text into LaTeX: every string the report prints comes from a file, so
 * every one goes through here, escaped. */
#include "report/report_data.h"
#include "report/report_latex.h"

#include <stdarg.h>
#include <string.h>

/* UTF-8 sequences the T1 fonts and pdflatex's utf8 input can set, as the
 * markup that sets them; anything else outside ASCII becomes '?'. */
static const struct {
    const char *utf8, *tex;
} unicode[] = {
    {"\xc2\xb1", "$\\pm$"},       {"\xc3\x97", "$\\times$"},  {"\xe2\x88\x92", "$-$"},
    {"\xe2\x80\x93", "--"},       {"\xe2\x80\x94", "---"},    {"\xe2\x80\x98", "`"},
    {"\xe2\x80\x99", "'"},        {"\xe2\x80\x9c", "``"},     {"\xe2\x80\x9d", "''"},
    {"\xe2\x80\xa6", "\\dots{}"}, {"\xc2\xa0", "~"},           {"\xc3\xa9", "\\'e"},
    {"\xc3\xa8", "\\`e"},         {"\xc3\xbc", "\\\"u"},       {"\xc3\xb6", "\\\"o"},
    {"\xc3\xa4", "\\\"a"},
};

/* The length of the UTF-8 sequence starting at s (1 for a stray byte). */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 1;
    return n;
}

static void put_escaped(FILE *f, const char *s, int breakable)
{
    for (const unsigned char *c = (const unsigned char *)s; *c;) {
        if (*c >= 0x80) {
            size_t n = utf8_len(c);
            const char *tex = "?";
            for (size_t i = 0; i < sizeof unicode / sizeof unicode[0]; i++)
                if (strlen(unicode[i].utf8) == n && memcmp(unicode[i].utf8, c, n) == 0)
                    tex = unicode[i].tex;
            fputs(tex, f);
            c += n;
            continue;
        }
        switch (*c) {
        case '\\': fputs("\\textbackslash{}", f); break;
        case '{': fputs("\\{", f); break;
        case '}': fputs("\\}", f); break;
        case '$': fputs("\\$", f); break;
        case '&': fputs("\\&", f); break;
        case '#': fputs("\\#", f); break;
        case '%': fputs("\\%", f); break;
        case '_': fputs("\\_", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '<': fputs("\\textless{}", f); break;
        case '>': fputs("\\textgreater{}", f); break;
        case '|': fputs("\\textbar{}", f); break;
        case '"': fputs("\\textquotedbl{}", f); break;
        /* no ligatures: -- and `` in a path or a hash are characters */
        case '-': fputs(breakable ? "-\\allowbreak{}" : "{-}", f); break;
        case '/': fputs(breakable ? "/\\allowbreak{}" : "/", f); break;
        case '\n':
        case '\t': fputc(' ', f); break;
        default:
            if (*c >= 0x20)
                fputc(*c, f);
        }
        c++;
    }
}

void report_latex_text(FILE *f, const char *s)
{
    put_escaped(f, s, 0);
}

void report_latex_textf(FILE *f, const char *fmt, ...)
{
    char s[2 * REPORT_PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    put_escaped(f, s, 0);
}

void report_latex_wrap(FILE *f, const char *s)
{
    put_escaped(f, s, 1);
}

void report_latex_path(FILE *f, const char *s)
{
    fputs("\\texttt{", f);
    put_escaped(f, s, 1);
    fputc('}', f);
}

void report_count_text(char *buf, size_t n, long long v)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
    size_t len = strlen(digits), k = 0;
    if (v < 0 && k + 1 < n)
        buf[k++] = '-';
    for (size_t i = 0; i < len && k + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
}

void report_latex_count(FILE *f, long long n)
{
    char buf[48];
    report_count_text(buf, sizeof buf, n);
    fputs(buf, f);
}

void report_figure_name(char *buf, size_t n, const char *claim, int kind)
{
    snprintf(buf, n, "fig-%s-%s.pdf", claim, report_figure_kinds[kind]);
}

void report_latex_model_columns(const report *r, FILE *f, const char *lead_spec,
                                const char *lead_head)
{
    fprintf(f, "{\\small\\begin{tabular}{@{}%s", lead_spec);
    for (int m = 0; m < r->n_models; m++)
        fputc('r', f);
    fprintf(f, "@{}}\n\\toprule\n%s", lead_head);
    for (int m = 0; m < r->n_models; m++) {
        fputs(" & ", f);
        report_latex_text(f, r->models[m].name);
    }
    fputs(" \\\\\n\\midrule\n", f);
}
