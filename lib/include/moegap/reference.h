/* The reference files a check reads, both tab-separated with a header:
 *
 *   reference/paper.tsv: the paper's numbers as data (nothing typed into
 *     code): name, kind (model | gap), mean, std, n_seeds, favours, source.
 *   reference/known_nonreplications.tsv: checks whose verdict is accepted
 *     as not replicating the paper at one tier: protocol, tier, verdict
 *     (CONTRADICTED | INCONCLUSIVE), mean, std, p, evidence, commit. A check
 *     of runs of that tier, listed with the verdict it reaches, keeps that
 *     verdict in every output but exits 0; a listing at one tier says
 *     nothing of another.
 *
 * Errors name the file, the line and the column. */
#ifndef MOEGAP_REFERENCE_H
#define MOEGAP_REFERENCE_H

#include <stddef.h>

enum { REFERENCE_FIELD_MAX = 512 };

typedef struct {
    char name[64];
    char kind[16];
    double mean, sd;
    int n_seeds;
    char favours[64];
    char source[REFERENCE_FIELD_MAX];
} reference_paper_row;

typedef struct {
    char protocol[64];
    char tier[64];
    char verdict[16];
    double mean, sd, p;
    char evidence[REFERENCE_FIELD_MAX];
    char commit[64];
    int line;
} reference_known_row;

typedef struct {
    char paper_path[4200], known_path[4200];
    reference_paper_row *paper;
    size_t n_paper;
    reference_known_row *known;
    size_t n_known;
} reference_set;

typedef struct {
    char item[128];
    char paper[REFERENCE_FIELD_MAX];
    char ours[256];
    char source[REFERENCE_FIELD_MAX];
    int line;
} reference_setup_row;

typedef struct {
    char path[4200];
    reference_setup_row *rows;
    size_t n;
} reference_setup;

/* Reads dir/paper.tsv and dir/known_nonreplications.tsv. */
int reference_load(reference_set *r, const char *dir);
void reference_free(reference_set *r);
/* Reads dir/paper_setup.tsv. */
int reference_setup_load(reference_setup *s, const char *dir);
void reference_setup_free(reference_setup *s);
/* NULL when absent. */
const reference_paper_row *reference_paper(const reference_set *r, const char *name);
/* The listing of `protocol` at `tier`; NULL when absent. */
const reference_known_row *reference_known(const reference_set *r, const char *protocol,
                                           const char *tier);
/* Whether `protocol` is listed at any tier. */
int reference_known_any(const reference_set *r, const char *protocol);

#endif
