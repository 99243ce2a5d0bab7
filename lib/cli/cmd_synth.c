#include "commands.h"
#include "moegap/error.h"
#include "moegap/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: moegap synth --out FILE --tokens N --vocab V [--seed S]\n"
    "\n"
    "Writes a synthetic token stream (an order-1 Markov chain with four likely\n"
    "successors per token, plus repeated spans) as a moegap token file. Its\n"
    "entropy is far below log(V), so a working trainer drives the loss down.\n"
    "\n"
    "  --out FILE   the token file to write\n"
    "  --tokens N   how many tokens\n"
    "  --vocab V    vocabulary size, 8..65536\n"
    "  --seed S     the stream's own seed (default 0); the chain is drawn\n"
    "               from it, so train and validation streams with the same\n"
    "               seed share their structure: give them different --part\n"
    "  --part P     which stretch of the stream to write (default 0)\n";

int cmd_synth(int argc, char **argv)
{
    const char *out = NULL;
    unsigned long long n = 0, vocab = 0, seed = 0, part = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--out") == 0 && v) {
            out = argv[++i];
        } else if (strcmp(a, "--tokens") == 0 && v) {
            if (!cli_parse_u64(a, argv[++i], 1ULL << 34, &n))
                return 2;
        } else if (strcmp(a, "--vocab") == 0 && v) {
            if (!cli_parse_u64(a, argv[++i], 65536, &vocab))
                return 2;
        } else if (strcmp(a, "--seed") == 0 && v) {
            if (!cli_parse_u64(a, argv[++i], ~0ULL, &seed))
                return 2;
        } else if (strcmp(a, "--part") == 0 && v) {
            if (!cli_parse_u64(a, argv[++i], 1000, &part))
                return 2;
        } else {
            fprintf(stderr, "moegap synth: unknown or incomplete option '%s'\n\n%s", a, usage);
            return 2;
        }
    }
    if (!out || n == 0 || vocab == 0) {
        fprintf(stderr, "moegap synth: --out, --tokens and --vocab are required\n\n%s", usage);
        return 2;
    }
    /* Parts are disjoint stretches of one long stream. */
    size_t total = (size_t)n * (part + 1);
    uint16_t *ids = malloc(sizeof(uint16_t) * total);
    if (!ids) {
        fprintf(stderr, "moegap synth: out of memory for %zu tokens\n", total);
        return 1;
    }
    int rc = tokens_synthesize(ids, total, (uint32_t)vocab, seed);
    if (!rc)
        rc = tokens_write(out, ids + (size_t)n * part, (size_t)n, (uint32_t)vocab, 0);
    free(ids);
    if (rc) {
        fprintf(stderr, "moegap synth: %s\n", error_message());
        return 1;
    }
    printf("%s: %llu tokens, vocabulary %llu\n", out, n, vocab);
    return 0;
}
