#include "commands.h"
#include "util/error.h"
#include "train/tokens.h"

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
    cli_option opts[] = {
        {"--out", CLI_STRING, &out, 1, 0, 0, 0},
        {"--tokens", CLI_U64, &n, 1, 1, 1ULL << 34, 0},
        {"--vocab", CLI_U64, &vocab, 1, 8, 65536, 0},
        {"--seed", CLI_U64, &seed, 0, 0, ~0ULL, 0},
        {"--part", CLI_U64, &part, 0, 0, 1000, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("synth", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    /* Parts are disjoint stretches of one long stream. */
    size_t total = (size_t)n * (part + 1);
    uint16_t *ids = malloc(sizeof(uint16_t) * total);
    if (!ids) {
        fprintf(stderr, "moegap synth: out of memory for %zu tokens\n", total);
        return 1;
    }
    rc = tokens_synthesize(ids, total, (uint32_t)vocab, seed);
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
