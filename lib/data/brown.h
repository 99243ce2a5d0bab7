/* The Brown Corpus in tagged form C: listing its files and turning one into
 * plain text. Internal to corpus.c (and its tests). */
#ifndef MOEGAP_BROWN_H
#define MOEGAP_BROWN_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *p;
    size_t len, cap;
} brown_text;

/* The names matching c[a-r][0-9][0-9] in `dir`, sorted; other files
 * (README, CONTENTS, cats.txt, package.json) are ignored. */
int brown_list(const char *dir, char ***names, size_t *n);
void brown_list_free(char **names, size_t n);

/* Replaces out's contents with the plain text of one file: one line per
 * non-blank source line (a sentence), each word/TAG token reduced to its
 * word (the tag is after the last '/': "1/2/cd" is "1/2"), `` and '' turned
 * into '"', and no space before closing punctuation or after opening
 * punctuation. `path` names the file in messages; *words counts tokens. */
int brown_detag(const char *path, const char *buf, size_t len, brown_text *out, uint64_t *words);

#endif
