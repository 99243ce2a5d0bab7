#include "util/spawn.h"
#include "util/error.h"
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The Debian packages of each program moegap runs (ci/install-deps.sh
 * installs them), so that a missing one says what to install. */
static const struct {
    const char *prog, *packages; /* one package, or several after "packages " */
} PACKAGES[] = {
    {"spm_train", "package sentencepiece"},
    {"spm_encode", "package sentencepiece"},
    {"gnuplot", "package gnuplot-nox"},
    {"pdflatex", "packages texlive-latex-base, texlive-latex-recommended, lmodern"},
};

const char *spawn_package_hint(const char *prog)
{
    const char *slash = strrchr(prog, '/'), *name = slash ? slash + 1 : prog;
    for (size_t i = 0; i < sizeof PACKAGES / sizeof PACKAGES[0]; i++)
        if (strcmp(name, PACKAGES[i].prog) == 0)
            return PACKAGES[i].packages;
    return NULL;
}

/* What the child says when argv0 cannot be run, written to `msg`; built
 * before fork since the child may only make async-signal-safe calls. A
 * program not in the table gets no package: a wrong one would mislead. */
static void cannot_run_message(const char *argv0, char *msg, size_t cap)
{
    const char *hint = spawn_package_hint(argv0);
    if (hint)
        snprintf(msg, cap, "cannot run (not installed? Debian %s): ", hint);
    else
        snprintf(msg, cap, "cannot run (not installed?): ");
}

/* Only async-signal-safe calls between fork and exec: the library may be
 * linked into a program with threads (OpenBLAS starts some). */
static void child_fail(int fd, const char *what, const char *arg)
{
    ssize_t r = write(fd, what, strlen(what));
    r = write(fd, arg, strlen(arg));
    r = write(fd, "\n", 1);
    (void)r;
    _exit(127);
}

int spawn_start(const char *const argv[], const char *cwd, const char *log_path, int *out_fd,
                pid_t *pid)
{
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (log < 0)
        return error_set(MG_EIO, "%s: cannot create: %s", log_path, strerror(errno));
    int null = open("/dev/null", O_RDONLY);
    if (null < 0) {
        close(log);
        return error_set(MG_EIO, "/dev/null: cannot open: %s", strerror(errno));
    }
    int p[2] = {-1, -1};
    if (out_fd && pipe(p) != 0) {
        close(log);
        close(null);
        return error_set(MG_EIO, "%s: cannot create a pipe: %s", argv[0], strerror(errno));
    }
    char cannot_run[128];
    cannot_run_message(argv[0], cannot_run, sizeof cannot_run);
    pid_t child = fork();
    if (child < 0) {
        int saved = errno;
        close(log);
        close(null);
        if (out_fd)
            close(p[0]), close(p[1]);
        return error_set(MG_EIO, "%s: cannot fork: %s", argv[0], strerror(saved));
    }
    if (child == 0) {
        if (dup2(null, 0) < 0 || dup2(out_fd ? p[1] : log, 1) < 0 || dup2(log, 2) < 0)
            child_fail(log, "cannot redirect output for ", argv[0]);
        if (out_fd)
            close(p[0]), close(p[1]);
        close(null);
        close(log);
        if (chdir(cwd) != 0)
            child_fail(2, "cannot enter folder ", cwd);
        execvp(argv[0], (char *const *)argv);
        child_fail(2, cannot_run, argv[0]);
    }
    close(log);
    close(null);
    if (out_fd) {
        close(p[1]);
        *out_fd = p[0];
    }
    *pid = child;
    return MG_OK;
}

/* The log's last two non-empty lines: SentencePiece puts its reason just
 * before a generic "Program terminated ..." line. */
static void last_lines(const char *path, char *out, size_t cap)
{
    char prev[512] = "", last[512] = "", line[512];
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0]) {
            memcpy(prev, last, sizeof prev);
            memcpy(last, line, sizeof last);
        }
    }
    fclose(f);
    snprintf(out, cap, "%s%s%s", prev, prev[0] ? " / " : "", last);
}

int spawn_wait(pid_t pid, const char *name, const char *log_path)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return error_set(MG_EIO, "%s: cannot wait: %s", name, strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return MG_OK;
    char why[1100];
    last_lines(log_path, why, sizeof why);
    if (WIFSIGNALED(status))
        return error_set(MG_EIO, "%s: killed by signal %d: %s", name, WTERMSIG(status), why);
    return error_set(MG_EIO, "%s: exit status %d: %s", name, WEXITSTATUS(status), why);
}

int spawn_run(const char *const argv[], const char *cwd, const char *log_path)
{
    pid_t pid = -1;
    int rc = spawn_start(argv, cwd, log_path, NULL, &pid);
    return rc ? rc : spawn_wait(pid, argv[0], log_path);
}

int spawn_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    for (const char *s = path; *s;) {
        size_t n = strcspn(s, ":");
        char full[FS_PATH_BUF];
        /* a folder too long to name cannot hold prog: the next is tried,
         * without an error that would replace the caller's last one */
        int len = n ? snprintf(full, sizeof full, "%.*s/%s", (int)n, s, prog)
                    : snprintf(full, sizeof full, "./%s", prog);
        if (len > 0 && (size_t)len < sizeof full && access(full, X_OK) == 0)
            return 1;
        s += n + (s[n] == ':');
    }
    return 0;
}
