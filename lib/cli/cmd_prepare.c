#include "commands.h"
#include "util/error.h"
#include "data/prepare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: moegap prepare --corpus brown|tinystories|text --input PATH --out DIR\n"
    "                      [--val-input FILE] [--separator STR] [--vocab N]\n"
    "                      [--val-fraction F] [--sample-mb M] [--cache DIR] [--quiet]\n"
    "\n"
    "Turns a corpus into token files: splits it into documents, puts each\n"
    "document in training or validation by a hash of its text (the same split\n"
    "for every model and seed), trains a SentencePiece BPE tokenizer with byte\n"
    "fallback on the training documents (spm_train, cached), and encodes both\n"
    "splits (spm_encode). Writes DIR/train.tok, DIR/val.tok, DIR/tokenizer.model\n"
    "(+ .vocab), and DIR/corpus.json last: a folder without it is unfinished.\n"
    "\n"
    "  --corpus brown        --input: the folder ci/fetch-brown.sh extracts\n"
    "                        (files ca01..cr09, tagged form); one document a file\n"
    "  --corpus tinystories  --input: a TinyStories text file, stories separated\n"
    "                        by <|endoftext|> (TinyStoriesV2-GPT4-train.txt)\n"
    "  --corpus text         --input: any text file; --separator names the\n"
    "                        document separator\n"
    "  --val-input FILE      tinystories/text only: validate on every document of\n"
    "                        FILE (e.g. TinyStoriesV2-GPT4-valid.txt) and train on\n"
    "                        every document of --input, instead of the hash split\n"
    "  --separator STR       the separator; \\n, \\t, \\r and \\\\ are escapes\n"
    "                        (--separator '\\n\\n': blank-line paragraphs)\n"
    "  --vocab N             tokenizer vocabulary, 260..65536 (default 1024)\n"
    "  --val-fraction F      share of documents that validate, in (0, 1)\n"
    "                        (default 0.1)\n"
    "  --sample-mb M         the tokenizer trains on the first M MiB of training\n"
    "                        documents (default 64)\n"
    "  --cache DIR           trained tokenizers, by hash of sample and options\n"
    "                        (default out/cache/tokenizers)\n"
    "  --quiet               no progress messages on stderr\n";

/* In place; returns 0 on an unknown escape. */
static int unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        switch (*++r) {
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case 'r': *w++ = '\r'; break;
        case '\\': *w++ = '\\'; break;
        default: return 0;
        }
    }
    *w = '\0';
    return 1;
}

static void progress(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "prepare: %s\n", message);
}

int cmd_prepare(int argc, char **argv)
{
    prepare_options o;
    prepare_defaults(&o);
    const char *corpus = NULL, *separator = NULL, *fraction = NULL;
    unsigned long long vocab = o.vocab_size, sample_mb = o.sample_bytes >> 20;
    int quiet = 0;
    cli_option opts[] = {
        {"--corpus", CLI_STRING, &corpus, 1, 0, 0, 0},
        {"--input", CLI_STRING, &o.input, 1, 0, 0, 0},
        {"--out", CLI_STRING, &o.out_dir, 1, 0, 0, 0},
        {"--val-input", CLI_STRING, &o.val_input, 0, 0, 0, 0},
        {"--separator", CLI_STRING, &separator, 0, 0, 0, 0},
        {"--vocab", CLI_U64, &vocab, 0, 260, 65536, 0},
        {"--val-fraction", CLI_STRING, &fraction, 0, 0, 0, 0},
        {"--sample-mb", CLI_U64, &sample_mb, 0, 1, 1ULL << 20, 0},
        {"--cache", CLI_STRING, &o.cache_dir, 0, 0, 0, 0},
        {"--quiet", CLI_FLAG, &quiet, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("prepare", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    if (corpus_kind_parse(corpus, &o.kind)) {
        fprintf(stderr, "moegap prepare: --corpus: %s\n", error_message());
        return 2;
    }
    char sep[CORPUS_SEPARATOR_MAX];
    if (separator) {
        if (o.kind == CORPUS_BROWN) {
            fprintf(stderr, "moegap prepare: --separator: Brown has one document per file\n");
            return 2;
        }
        if (strlen(separator) >= sizeof sep || (strcpy(sep, separator), !unescape(sep)) || !*sep) {
            fprintf(stderr, "moegap prepare: --separator: '%s' is empty, too long or has an "
                    "escape other than \\n \\t \\r \\\\\n", separator);
            return 2;
        }
        o.separator = sep;
    } else if (o.kind == CORPUS_TEXT) {
        fprintf(stderr, "moegap prepare: --separator is required with --corpus text\n");
        return 2;
    }
    if (o.val_input && o.kind == CORPUS_BROWN) {
        fprintf(stderr, "moegap prepare: --val-input: Brown is split by hash; it takes no "
                "validation file\n");
        return 2;
    }
    if (fraction) {
        if (o.val_input) {
            fprintf(stderr, "moegap prepare: --val-fraction and --val-input exclude each other\n");
            return 2;
        }
        char *end = NULL;
        errno = 0;
        o.val_fraction = strtod(fraction, &end);
        if (*fraction == '\0' || *end != '\0' || errno ||
            !(o.val_fraction > 0 && o.val_fraction < 1)) {
            fprintf(stderr, "moegap prepare: --val-fraction: '%s' is not a number in (0, 1)\n",
                    fraction);
            return 2;
        }
    }
    o.vocab_size = (uint32_t)vocab;
    o.sample_bytes = sample_mb << 20;
    if (!quiet)
        o.progress = progress;
    prepare_result res;
    if (prepare_run(&o, &res)) {
        fprintf(stderr, "moegap prepare: %s\n", error_message());
        return 1;
    }
    printf("%s: %llu train documents, %llu tokens; %llu validation documents, %llu tokens; "
           "tokenizer %016llx\n",
           o.out_dir, (unsigned long long)res.docs[PREPARE_TRAIN],
           (unsigned long long)res.tokens[PREPARE_TRAIN], (unsigned long long)res.docs[PREPARE_VAL],
           (unsigned long long)res.tokens[PREPARE_VAL], (unsigned long long)res.tok.hash);
    return 0;
}
