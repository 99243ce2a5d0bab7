/* The nightly regression: the accepted results of one tier
 * (reference/baseline-ci.json) and the comparison of a new set of results
 * with them.
 *
 * A baseline holds, per protocol, the check's verdict, each gap's mean and
 * per-seed values (every statistic the result file gives per seed: the gap
 * in best validation loss and, for trajectories, the slope on ln(step) and
 * the final gap) and each model's mean best validation loss with its
 * per-seed values; and what produced them: the tier, the git commit and
 * whether the tree was dirty, the date, and the machine (OpenBLAS core
 * type, OPENBLAS_CORETYPE, thread count, OpenBLAS build, compiler), with
 * the tolerances and why.
 *
 * The comparison fails when a verdict changes (any change of a claim's
 * status), when a gap's or a model's mean moves by more than its
 * tolerance, when a protocol, gap or model is on one side only, or when a
 * protocol's results are over other seeds than the baseline's (then none
 * of its numbers is compared: a mean over other seeds is another number,
 * so `cmake -DMOEGAP_SEEDS` leaves the baseline behind). Runs are
 * deterministic, so results from the baseline's own clean commit on the
 * same kind of machine must equal it exactly, every per-seed value; a
 * different commit or machine is compared within the tolerances. */
#ifndef MOEGAP_BASELINE_H
#define MOEGAP_BASELINE_H

#include "runs/protocol.h"
#include "train/provenance.h"
#include "util/fsutil.h"

#include <stdio.h>

enum {
    BASELINE_MAX_PROTOCOLS = 16,
    /* a protocol's models and its gaps' statistics (3 per gap at most) */
    BASELINE_MAX_ITEMS = PROTOCOL_MAX_MODELS + 3 * PROTOCOL_MAX_GAPS,
    BASELINE_PATH_MAX = FS_PATH_BUF
};

typedef enum { BASELINE_GAP, BASELINE_MODEL } baseline_kind;

/* One compared number: a gap's statistic or a model's best loss. */
typedef struct {
    baseline_kind kind;
    char name[PROTOCOL_NAME_MAX]; /* the gap's or the model's name */
    char stat[PROTOCOL_NAME_MAX]; /* a gap's statistic as the result file names it; "" for a model */
    double mean;
    double per_seed[PROTOCOL_MAX_SEEDS];
    /* a gap's minimum detectable effect, as its check stated it (NAN for
     * a model, or a statistic without a claim): kept with the baseline,
     * not compared */
    double mde;
} baseline_item;

typedef struct {
    char name[PROTOCOL_NAME_MAX];
    /* 0: its result file is missing (a check that failed before writing
     * one); `missing` holds the path and the rest is empty */
    int present;
    char missing[BASELINE_PATH_MAX];
    char verdict[16];
    int seeds[PROTOCOL_MAX_SEEDS];
    size_t n_seeds;
    baseline_item items[BASELINE_MAX_ITEMS];
    int n_items;
} baseline_protocol;

/* The machine the runs came from: provenance.json's machine fields, which
 * a baseline keeps in its "machine" object with the same keys and reads
 * with the same reader (provenance_machine_read). */
typedef provenance_machine baseline_machine;

typedef struct {
    char path[BASELINE_PATH_MAX]; /* the file read, for messages */
    char tier[64];
    char commit[64];  /* "" when the runs come from more than one commit */
    int dirty;        /* some run was built from a changed or unknown tree */
    char date[32];    /* when accepted (or collected), UTC */
    baseline_machine machine;
    double gap_tolerance;  /* nats: the largest accepted move of a gap's mean */
    double loss_tolerance; /* nats: the same for a model's mean best loss */
    char tolerance_reason[1024];
    baseline_protocol protocols[BASELINE_MAX_PROTOCOLS];
    int n_protocols;
} baseline;

/* The tolerances a first baseline states (a later --accept keeps the
 * previous file's). */
void baseline_default_tolerances(baseline *b);

/* The current state: for every protocols_dir/<name>.ini, in name order,
 * results_dir/<name>.json (a missing file leaves the protocol not present;
 * any other fault, and a result that does not fit its protocol, is an error
 * naming the file and the field), and from the run folders it names,
 * runs_dir/<model>-s<seed>/{recipe.ini,provenance.json}, the tier, commit
 * and machine, which every run must share (the commit may differ: a run
 * whose inputs did not change is not retrained). */
int baseline_collect(baseline *b, const char *results_dir, const char *runs_dir,
                     const char *protocols_dir);

/* Reads a baseline file; every field is checked. */
int baseline_read(baseline *b, const char *path);
/* Writes it atomically. Refuses a baseline with a protocol not present. */
int baseline_write(const baseline *b, const char *path);

/* Prints the comparison of `now` with `old`, a line per verdict, gap and
 * model (old -> new -> change, tolerance, ok or REGRESSION), and a last
 * line with the result. Returns the number of failures (0: ok). */
int baseline_compare(const baseline *old, const baseline *now, FILE *f);

int baseline_same_machine(const baseline_machine *a, const baseline_machine *b);
/* "OpenBLAS core Zen, OPENBLAS_CORETYPE unset, 1 thread (OpenBLAS build; compiler)";
 * 768 bytes hold any. */
void baseline_machine_text(char *dst, size_t cap, const baseline_machine *m);

/* The kernel set an OpenBLAS core type computes with: the results of one
 * set are bit-identical, those of two sets only within tolerance, so each
 * set has its own accepted baseline. */
const char *baseline_kernel_set(const char *core);

/* Reads into *old the baseline for `now`: the first of paths[0..n) whose
 * OpenBLAS kernel set is now's, else paths[0]. *chosen is the path read;
 * on an error it is the file that could not be read. */
int baseline_choose(const baseline *now, baseline *old, const char *const *paths, int n,
                    const char **chosen);

/* Prints what a baseline records (after --accept). */
void baseline_print(const baseline *b, FILE *f);

#endif
