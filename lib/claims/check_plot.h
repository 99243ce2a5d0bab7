/* A check's figures (gnuplot). */
#ifndef MOEGAP_CHECK_PLOT_H
#define MOEGAP_CHECK_PLOT_H

#include "claims/check.h"

#include <stddef.h>

struct fileio_atomic_set;
/* Stages into `set` the plotted data (TSV) and a gnuplot script next to
 * out_dir/<protocol>, then runs gnuplot (found on PATH) for PDF (pdfcairo)
 * and PNG (pngcairo) figures, each checked to be complete. MG_OK with
 * `note` empty when done; when gnuplot or its cairo terminals are
 * missing, MG_OK with `note` saying so (figures are not the verdict) and
 * old figures dropped from the set; an error when a file cannot be
 * written or gnuplot fails. */
int check_plot(const check_result *r, const char *out_dir, struct fileio_atomic_set *set,
               char *note, size_t note_size);

#endif
