/* Table-driven option parsing shared by the subcommands. */
#include "commands.h"
#include "util/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_u64(const char *opt, const char *value, unsigned long long max,
                  unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    if (!value || value[0] == '-' || value[0] == '\0') {
        fprintf(stderr, "moegap: %s: expected a non-negative integer\n", opt);
        return 0;
    }
    unsigned long long v = strtoull(value, &end, 10);
    if (*end != '\0' || errno == ERANGE || v > max) {
        fprintf(stderr, "moegap: %s: '%s' is not an integer in 0..%llu\n", opt, value, max);
        return 0;
    }
    *out = v;
    return 1;
}

static cli_option *find_option(cli_option *opts, const char *name)
{
    for (cli_option *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

int cli_parse(const char *cmd, const char *usage, int argc, char **argv, cli_option *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return CLI_HELP;
        }
        cli_option *o = find_option(opts, a);
        if (!o) {
            fprintf(stderr, "moegap %s: unknown option '%s'\n\n%s", cmd, a, usage);
            return CLI_ERROR;
        }
        /* a second value would silently win over the first: the user meant
         * one of them, and which one is not ours to guess */
        if (o->given) {
            fprintf(stderr, "moegap %s: %s given twice (it is not repeatable)\n\n%s", cmd, a,
                    usage);
            return CLI_ERROR;
        }
        o->given = 1;
        if (o->kind == CLI_FLAG) {
            *(int *)o->dest = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "moegap %s: %s needs a value\n\n%s", cmd, a, usage);
            return CLI_ERROR;
        }
        const char *v = argv[++i];
        if (o->kind == CLI_STRING) {
            *(const char **)o->dest = v;
        } else {
            unsigned long long x = 0;
            if (!cli_parse_u64(a, v, o->max, &x))
                return CLI_ERROR;
            if (x < o->min) {
                fprintf(stderr, "moegap %s: %s: expected %llu..%llu\n", cmd, a, o->min, o->max);
                return CLI_ERROR;
            }
            *(unsigned long long *)o->dest = x;
        }
    }
    for (cli_option *o = opts; o->name; o++)
        if (o->required && !o->given) {
            fprintf(stderr, "moegap %s: %s is required\n\n%s", cmd, o->name, usage);
            return CLI_ERROR;
        }
    return CLI_OK;
}

int cli_sibling_path(char *out, size_t n, const char *path, const char *rel)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return fs_pathf(out, n, "%s", rel);
    if (slash == path)
        return fs_join(out, n, "/", rel);
    return fs_pathf(out, n, "%.*s/%s", (int)(slash - path), path, rel);
}

int cli_take_repeated(const char *cmd, const char *usage, const char *opt, int argc,
                      char **argv, const char **vals, int max, int *n, char **rest, int *n_rest)
{
    *n = 0;
    *n_rest = 0;
    rest[(*n_rest)++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], opt) != 0) {
            rest[(*n_rest)++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "moegap %s: %s needs a value\n\n%s", cmd, opt, usage);
            return CLI_ERROR;
        }
        if (*n == max) {
            fprintf(stderr, "moegap %s: %s at most %d times\n", cmd, opt, max);
            return CLI_ERROR;
        }
        vals[(*n)++] = argv[++i];
    }
    rest[*n_rest] = NULL;
    return CLI_OK;
}
