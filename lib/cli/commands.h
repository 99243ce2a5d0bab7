#ifndef MOEGAP_CLI_COMMANDS_H
#define MOEGAP_CLI_COMMANDS_H

#include <stddef.h>

/* Each subcommand takes the arguments after its name and returns the
 * process exit status: 0 done, 1 failed on its input or work, 2 misused. */
int cmd_train(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_variance(int argc, char **argv);
int cmd_claims(int argc, char **argv);
int cmd_progress(int argc, char **argv);
int cmd_tier(int argc, char **argv);
int cmd_recipe(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_query(int argc, char **argv);

/* The plan of a tier (runs/plan.h) from the options plan and status
 * share; prints why not and returns the exit status (2 a bad --seeds, 1 a
 * bad file), 0 built. */
struct plan;
int cli_plan_build(const char *cmd, struct plan *pl, const char *tier, const char *seed_list,
                   const char *protocols, const char *reference);

/* The help lines of the options naming what a report reads (moegap claims
 * and moegap report read a paper dir alike). */
#define CLI_PAPER_INPUTS_HELP                                                        \
    "  --paper-dir DIR   runs/<model>-s<seed>/ and results/ (moegap check --out)\n"   \
    "  --protocols DIR   the claims' protocols, DIR/<claim>.ini\n"                    \
    "                    (default: the source tree's protocols/)\n"                   \
    "  --reference DIR   paper.tsv, paper_setup.tsv\n"                                \
    "                    (default: the source tree's reference/)\n"

/* dirname(path) + "/" + rel into out (n bytes): an option's default
 * beside another option's file or folder. An error naming the path when
 * it does not fit. */
int cli_sibling_path(char *out, size_t n, const char *path, const char *rel);

/* Parses a non-negative integer option value or prints why not. */
int cli_parse_u64(const char *opt, const char *value, unsigned long long max,
                  unsigned long long *out);

/* A repeatable option, which the option tables cannot express: every
 * "OPT VALUE" pair of argv is taken into vals (at most max of them, *n),
 * and the other arguments left in rest (argc + 1 entries, NULL-ended,
 * *n_rest of them) for cli_parse. Prints why and returns CLI_ERROR on a
 * missing value or too many. */
int cli_take_repeated(const char *cmd, const char *usage, const char *opt, int argc,
                      char **argv, const char **vals, int max, int *n, char **rest, int *n_rest);

/* --- option tables ------------------------------------------------------- */
typedef enum { CLI_FLAG, CLI_STRING, CLI_U64 } cli_kind;

typedef struct {
    const char *name;            /* "--seed" */
    cli_kind kind;
    void *dest;                  /* int* (flag), const char** (string), unsigned long long* */
    int required;
    unsigned long long min, max; /* range of a CLI_U64 */
    int given;                   /* set by cli_parse */
} cli_option;

enum { CLI_OK = 0, CLI_HELP = -1, CLI_ERROR = 2 };

/* Parses argv[1..argc) against opts (ended by an entry with name NULL).
 * An option given twice is an error (a repeatable option is taken out of
 * argv before, as params does with --recipe).
 * Prints the usage for --help (CLI_HELP: exit 0) and a message naming the
 * option for any misuse (CLI_ERROR: exit 2). */
int cli_parse(const char *cmd, const char *usage, int argc, char **argv, cli_option *opts);

#endif
