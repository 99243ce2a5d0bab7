#ifndef MOEGAP_CLI_COMMANDS_H
#define MOEGAP_CLI_COMMANDS_H

/* Each subcommand takes the arguments after its name and returns the
 * process exit status. */
int cmd_train(int argc, char **argv);
int cmd_synth(int argc, char **argv);

/* Parses a non-negative integer option value or prints why not. */
int cli_parse_u64(const char *opt, const char *value, unsigned long long max,
                  unsigned long long *out);

#endif
