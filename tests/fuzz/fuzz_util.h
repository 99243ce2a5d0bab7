/* What the libFuzzer harnesses share: a temporary folder of the process's
 * own, since the readers take paths, and the few fixed inputs around the
 * fuzzed file. A fault of the harness itself (a full disk, say) aborts with
 * a message: it is no finding about the readers. */
#ifndef MOEGAP_FUZZ_UTIL_H
#define MOEGAP_FUZZ_UTIL_H

#include "runs/protocol.h"

#include <stddef.h>
#include <stdint.h>

enum { FUZZ_PATH_MAX = 4096 };

/* A recipe small enough that its checkpoint (parameters, both AdamW
 * moments) stays a seed of a few kilobytes. No [data]: the token paths
 * would otherwise resolve into the per-process folder and make the
 * recipe text, which a checkpoint must match, differ per process. */
#define FUZZ_TINY_RECIPE                                                              \
    "[model]\nvocab_size = 16\nd_model = 8\nn_layers = 1\nn_heads = 2\nseq_len = 8\n" \
    "ffn_hidden = 16\n[train]\nbatch_size = 2\nsteps = 10\neval_every = 5\n"

/* $TMPDIR/moegap-fuzz.XXXXXX, made on first use, removed (with all it
 * holds) when the process exits. */
const char *fuzz_dir(void);
/* dir/name into dst[FUZZ_PATH_MAX]; returns dst. */
char *fuzz_path(char *dst, const char *dir, const char *name);
/* fuzz_dir()/sub, made if missing; returns dst. */
char *fuzz_subdir(char *dst, const char *sub);
/* Writes the bytes to dir/name, replacing the file. */
void fuzz_write(const char *dir, const char *name, const void *data, size_t size);
void fuzz_write_text(const char *dir, const char *name, const char *text);
/* Copies src (a file of the source tree) to dir/name. */
void fuzz_copy(const char *src, const char *dir, const char *name);
/* A paper dir, fuzz_dir()/paper: for every model and seed of protocol
 * `claim` (copied from the source tree's protocols/ into
 * fuzz_dir()/protocols-<claim>/, and read into *p), a small valid finished
 * run runs/<model>-s<seed>/ (recipe.ini, summary.json, metrics.tsv,
 * provenance.json); results/ empty. Returns the paper dir's path. */
const char *fuzz_paper_setup(protocol *p, const char *claim);
/* fuzz_dir()/protocols-<claim> into dst[FUZZ_PATH_MAX]. */
char *fuzz_protocols_dir(char *dst, const char *claim);
/* Writes the bytes to runs/<model>-s<seed>/name of every run of *p. */
void fuzz_paper_runs_write(const protocol *p, const char *name, const void *data, size_t size);

/* Stops the process on a harness fault, naming it. */
void fuzz_die(const char *what, const char *detail) __attribute__((noreturn));

#endif
