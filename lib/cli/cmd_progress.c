#include "commands.h"
#include "runs/tier.h"
#include "util/error.h"
#include "runs/progress.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: moegap progress --paper-dir DIR --seeds LIST [--protocols DIR] [--every SECONDS]\n"
    "                       [--while-pid PID]\n"
    "\n"
    "Prints how far the paper label's training has got, one line:\n"
    "  runs k/N done, steps s/S (x% of the work), elapsed, ETA\n"
    "over every (model, seed) run the protocols name: a run is done when its\n"
    "summary.json is written; its steps are the last step of its metrics.tsv\n"
    "against its recipe's (DIR/recipes/recipes.tsv). The share of the work\n"
    "weighs each step by its tokens times the model's active parameters,\n"
    "since a step of a wider model takes longer. A run an earlier job finished\n"
    "whose inputs have changed since counts as done until ci/paper-run.sh\n"
    "starts it afresh (its steps then fall and count from zero).\n"
    "\n"
    "  --paper-dir DIR     recipes/recipes.tsv and runs/<model>-s<seed>/\n"
    "  --seeds LIST        the seeds of the runs: N (1..N) or a comma list, as the\n"
    "                      executor runs them (moegap tier --dir prints a tier's)\n"
    "  --protocols DIR     the claims' protocols, DIR/<claim>.ini\n"
    "                      (default: the source tree's protocols/)\n"
    "  --every SECONDS     print a line now and every SECONDS (1 to 3600), with\n"
    "                      the time elapsed since this started and the ETA at\n"
    "                      the rate of the work done since then; until PID ends\n"
    "                      (--while-pid) or, without it, until every run is done\n"
    "  --while-pid PID     with --every: stop within a second of process PID's end\n"
    "\n"
    "Exit status: 0 done; 1 a file could not be read (a malformed recipes.tsv\n"
    "or metrics.tsv, a protocol); 2 misuse.\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void put_duration(char *buf, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}

/* The rate of the work since the first reading that knew the recipes
 * (before, no step has a cost, and runs finished by an earlier job would
 * count as work of this one), run by run: a run trained afresh (its work
 * fell) counts from zero, so a stale run retrained is neither lost nor
 * counted twice. */
typedef struct {
    double first[PROGRESS_MAX_RUNS], last[PROGRESS_MAX_RUNS];
    double t_first;
    int seen;
} progress_rate;

/* Work per second since the first reading; 0 while none is known. */
static double work_rate(progress_rate *pr, const progress_state *s, double now)
{
    if (!s->have_recipes)
        return 0;
    double gained = 0;
    for (int i = 0; i < s->n_runs; i++) {
        const progress_run *r = &s->runs[i];
        long done = r->finished ? r->steps : r->done;
        double w = (double)done * r->step_cost;
        if (!pr->seen)
            pr->first[i] = w;
        else if (w < pr->last[i])
            pr->first[i] = 0;
        pr->last[i] = w;
        gained += w > pr->first[i] ? w - pr->first[i] : 0;
    }
    if (!pr->seen) {
        pr->seen = 1;
        pr->t_first = now;
    }
    return now > pr->t_first ? gained / (now - pr->t_first) : 0;
}

static void print_line(const progress_state *s, progress_rate *pr, int timed, double t0)
{
    progress_totals t;
    progress_sum(s, &t);
    double now = now_s(), rate = work_rate(pr, s, now);
    printf("progress: runs %d/%d done", t.finished, s->n_runs);
    if (s->have_recipes)
        printf(", steps %lld/%lld (%.0f%% of the work)", t.steps_done, t.steps,
               t.work > 0 ? 100 * t.work_done / t.work : 0.0);
    else
        printf(", steps not known yet (no %s)", "recipes/recipes.tsv");
    if (timed) {
        char e[32], eta[32];
        put_duration(e, sizeof e, now - t0);
        printf(", elapsed %s", e);
        if (s->have_recipes && t.work_done >= t.work)
            printf(", training done");
        else if (rate > 0) {
            put_duration(eta, sizeof eta, (t.work - t.work_done) / rate);
            printf(", ETA %s", eta);
        } else
            printf(", ETA not known yet");
    }
    putchar('\n');
    fflush(stdout);
}

static int pid_alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int cmd_progress(int argc, char **argv)
{
    const char *paper_dir = NULL, *protocols = MOEGAP_SOURCE_DIR "/protocols", *seed_list = NULL;
    unsigned long long every = 0, pid = 0;
    cli_option opts[] = {
        {"--paper-dir", CLI_STRING, &paper_dir, 1, 0, 0, 0},
        {"--protocols", CLI_STRING, &protocols, 0, 0, 0, 0},
        {"--every", CLI_U64, &every, 0, 1, 3600, 0},
        {"--while-pid", CLI_U64, &pid, 0, 1, 1u << 30, 0},
        {"--seeds", CLI_STRING, &seed_list, 1, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    int rc = cli_parse("progress", usage, argc, argv, opts);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    if (opts[3].given && !opts[2].given) {
        fprintf(stderr, "moegap progress: --while-pid needs --every\n");
        return 2;
    }
    int seeds[PROTOCOL_MAX_SEEDS], n_seeds = 0;
    char why[256];
    if (!tier_seeds_parse(seed_list, seeds, &n_seeds, why, sizeof why)) {
        fprintf(stderr, "moegap progress: --seeds: %s\n", why);
        return 2;
    }
    static progress_state s;
    static progress_rate pr;
    double t0 = now_s();
    for (;;) {
        if (progress_read(&s, paper_dir, protocols, seeds, n_seeds) != MG_OK) {
            fprintf(stderr, "moegap progress: %s\n", error_message());
            return 1;
        }
        print_line(&s, &pr, every > 0, t0);
        if (!every)
            return 0;
        progress_totals t;
        progress_sum(&s, &t);
        if (!pid && t.finished == s.n_runs)
            return 0;
        /* a second at a time, so the end of PID is noticed at once */
        for (unsigned long long k = 0; k < every; k++) {
            if (pid && !pid_alive((long)pid))
                return 0;
            sleep(1);
        }
        if (pid && !pid_alive((long)pid))
            return 0;
    }
}
