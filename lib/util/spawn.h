/* Runs an external program (SentencePiece's command-line tools) without a
 * shell: arguments travel as an argv array, so no path is ever quoted or
 * split. */
#ifndef MOEGAP_SPAWN_H
#define MOEGAP_SPAWN_H

#include <sys/types.h>

/* Starts argv[0] (looked up in PATH) in folder `cwd`, stdin from /dev/null,
 * stderr to `log_path` (created or truncated). When out_fd is NULL stdout
 * goes to the log too; otherwise *out_fd receives the read end of a pipe
 * carrying the program's stdout. */
int spawn_start(const char *const argv[], const char *cwd, const char *log_path, int *out_fd,
                pid_t *pid);
/* Waits for the program; an exit status other than 0 becomes an error that
 * names the program and quotes the log's last lines (the log itself is the
 * caller's to keep or remove). */
int spawn_wait(pid_t pid, const char *name, const char *log_path);
/* Whether `prog` is an executable in a folder of PATH, so a caller can say
 * what is missing before trying to run it. */
int spawn_on_path(const char *prog);
/* What installs `prog` (a name or a path; one of the programs moegap
 * runs) on Debian: "package P" or "packages P, Q, R", for a message such
 * as "(Debian package gnuplot-nox)". NULL for any other program. */
const char *spawn_package_hint(const char *prog);
/* spawn_start with the output in the log, then spawn_wait. */
int spawn_run(const char *const argv[], const char *cwd, const char *log_path);

#endif
