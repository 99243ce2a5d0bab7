/* Child processes (lib/util/spawn.c), run through /bin/sh: the exit status
 * becomes an error naming the program and quoting the log's last two
 * lines; a missing program, a missing folder and a signal are reported as
 * such; arguments reach the program unsplit; stdout goes to the pipe or
 * the log, stderr to the log, stdin is /dev/null. */
#include "util/error.h"
#include "util/fsutil.h"
#include "util/spawn.h"
#include "testutil.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir_abs[PATH_MAX];
static char log_path[PATH_MAX + 16];

static void read_text(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* All of a pipe's contents, until the child closes it. */
static void read_fd(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fd);
}

static int sh(const char *script)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    return spawn_run(argv, dir_abs, log_path);
}

static void test_status(void)
{
    const char *t[] = {"/bin/true", NULL}, *f[] = {"/bin/false", NULL};
    EXPECT(spawn_run(t, dir_abs, log_path) == MG_OK, "/bin/true: %s", error_message());
    EXPECT(spawn_run(f, dir_abs, log_path) == MG_EIO, "/bin/false succeeded");
    EXPECT(strncmp(error_message(), "/bin/false: exit status 1", 25) == 0, "%s", error_message());

    /* the status and the log's last two non-empty lines, joined by " / " */
    EXPECT(sh("echo one >&2; echo two >&2; echo >&2; echo three >&2; exit 3") == MG_EIO,
           "exit 3 succeeded");
    EXPECT(strcmp(error_message(), "/bin/sh: exit status 3: two / three") == 0, "'%s'",
           error_message());
    EXPECT(sh("echo only >&2; exit 42") == MG_EIO &&
               strcmp(error_message(), "/bin/sh: exit status 42: only") == 0,
           "'%s'", error_message());
    /* stdout goes to the log too when no pipe is asked for */
    EXPECT(sh("echo to-stdout; exit 2") == MG_EIO &&
               strcmp(error_message(), "/bin/sh: exit status 2: to-stdout") == 0,
           "'%s'", error_message());
    /* the log is truncated, not appended to */
    EXPECT(sh("echo fresh") == MG_OK, "%s", error_message());
    char text[256];
    read_text(log_path, text, sizeof text);
    EXPECT(strcmp(text, "fresh\n") == 0, "log '%s'", text);
}

static void test_missing(void)
{
    const char *abs[] = {"/nonexistent/moegap-no-such-tool", NULL};
    EXPECT(spawn_run(abs, dir_abs, log_path) == MG_EIO, "a missing program ran");
    EXPECT(strstr(error_message(), "/nonexistent/moegap-no-such-tool: exit status 127: cannot run") &&
               !strstr(error_message(), "package"), "'%s'", error_message());
    /* a program moegap runs names the Debian package that installs it
     * (ci/install-deps.sh's), whatever folder it was looked for in */
    static const struct {
        const char *prog, *hint;
    } known[] = {{"/nonexistent/spm_train", "Debian package sentencepiece)"},
                 {"/nonexistent/spm_encode", "Debian package sentencepiece)"},
                 {"/nonexistent/gnuplot", "Debian package gnuplot-nox)"},
                 {"/nonexistent/pdflatex", "Debian packages texlive-latex-base, "
                                            "texlive-latex-recommended, lmodern)"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *argv[] = {known[i].prog, NULL};
        EXPECT(spawn_run(argv, dir_abs, log_path) == MG_EIO, "%s ran", known[i].prog);
        EXPECT(strstr(error_message(), known[i].hint) &&
                   strstr(error_message(), "exit status 127: cannot run"), "%s: '%s'",
               known[i].prog, error_message());
    }
    EXPECT(spawn_package_hint("moegap") == NULL && spawn_package_hint("/usr/bin/gnuplot") &&
               strcmp(spawn_package_hint("/usr/bin/gnuplot"), "package gnuplot-nox") == 0,
           "the package hints");
    /* only the program's own name counts, not a folder named like one */
    const char *near[] = {"/nonexistent/gnuplot/spm_trainer", NULL};
    EXPECT(spawn_run(near, dir_abs, log_path) == MG_EIO && !strstr(error_message(), "package"),
           "'%s'", error_message());
    /* looked up in PATH, and not there */
    const char *rel[] = {"moegap-no-such-tool", "--help", NULL};
    EXPECT(spawn_run(rel, dir_abs, log_path) == MG_EIO &&
               strstr(error_message(), "moegap-no-such-tool: exit status 127"), "'%s'",
           error_message());
    const char *ok[] = {"/bin/true", NULL};
    EXPECT(spawn_run(ok, "/nonexistent/folder", log_path) == MG_EIO &&
               strstr(error_message(), "cannot enter folder /nonexistent/folder"), "'%s'",
           error_message());
    EXPECT(spawn_run(ok, dir_abs, "/nonexistent/folder/log") == MG_EIO &&
               strstr(error_message(), "/nonexistent/folder/log: cannot create"), "'%s'",
           error_message());
}

static void test_signal(void)
{
    EXPECT(sh("echo dying >&2; kill -9 $$") == MG_EIO, "a killed child succeeded");
    EXPECT(strcmp(error_message(), "/bin/sh: killed by signal 9: dying") == 0, "'%s'",
           error_message());
    /* killed from outside while spawn_wait waits */
    const char *argv[] = {"/bin/sh", "-c", "exec sleep 30", NULL};
    pid_t pid = -1;
    EXPECT(spawn_start(argv, dir_abs, log_path, NULL, &pid) == MG_OK && pid > 0, "%s",
           error_message());
    if (pid > 0) {
        kill(pid, SIGTERM);
        EXPECT(spawn_wait(pid, "sleeper", log_path) == MG_EIO &&
                   strncmp(error_message(), "sleeper: killed by signal 15", 28) == 0, "'%s'",
               error_message());
    }
}

/* Arguments travel as they are (no shell splits or expands them); stdout
 * comes through the pipe, stderr goes to the log, stdin is empty, the
 * program runs in cwd. */
static void test_io(void)
{
    const char *argv[] = {"/bin/sh", "-c",
                          "printf '%s|' \"$@\"; echo; pwd; cat; echo err >&2", "sh",
                          "a b", "", "it's", "$HOME", "*", NULL};
    pid_t pid = -1;
    int fd = -1;
    EXPECT(spawn_start(argv, dir_abs, log_path, &fd, &pid) == MG_OK && fd >= 0, "%s",
           error_message());
    char out[PATH_MAX + 256], want[PATH_MAX + 256];
    read_fd(fd, out, sizeof out);
    EXPECT(spawn_wait(pid, "sh", log_path) == MG_OK, "%s", error_message());
    snprintf(want, sizeof want, "a b||it's|$HOME|*|\n%s\n", dir_abs);
    EXPECT(strcmp(out, want) == 0, "stdout '%s', expected '%s'", out, want);
    char log_text[256];
    read_text(log_path, log_text, sizeof log_text);
    EXPECT(strcmp(log_text, "err\n") == 0, "log '%s'", log_text);
}

static void test_on_path(void)
{
    char tool[PATH_MAX + 32], path[2 * PATH_MAX];
    snprintf(tool, sizeof tool, "%s/moegap-fake-tool", dir_abs);
    FILE *f = fopen(tool, "w");
    EXPECT(f != NULL, "cannot create %s", tool);
    if (!f)
        return;
    fputs("#!/bin/sh\n", f);
    fclose(f);
    const char *saved = getenv("PATH");
    char keep[8192];
    snprintf(keep, sizeof keep, "%s", saved ? saved : "");

    EXPECT(spawn_on_path("sh") == 1, "sh not found in PATH");
    EXPECT(spawn_on_path("moegap-no-such-tool") == 0, "a missing tool was found");
    snprintf(path, sizeof path, "/nonexistent:%s", dir_abs);
    setenv("PATH", path, 1);
    chmod(tool, 0644);
    EXPECT(spawn_on_path("moegap-fake-tool") == 0, "a file that is not executable was found");
    chmod(tool, 0755);
    EXPECT(spawn_on_path("moegap-fake-tool") == 1, "the tool in the last PATH folder was missed");
    /* an empty PATH element is the current folder */
    setenv("PATH", "/nonexistent::/also-nonexistent", 1);
    EXPECT(spawn_on_path("moegap-fake-tool") == 0, "found outside PATH");
    char here[PATH_MAX];
    EXPECT(getcwd(here, sizeof here) != NULL, "getcwd");
    EXPECT(chdir(dir_abs) == 0, "chdir");
    EXPECT(spawn_on_path("moegap-fake-tool") == 1, "the empty PATH element is not '.'");
    EXPECT(chdir(here) == 0, "chdir back");
    /* a PATH folder too long to name is passed over, and the caller's
     * last error stays */
    static char longpath[FS_PATH_BUF + 8 + PATH_MAX + 2];
    memset(longpath, 'a', FS_PATH_BUF + 8);
    longpath[0] = '/';
    longpath[FS_PATH_BUF + 8] = ':';
    memcpy(longpath + FS_PATH_BUF + 9, dir_abs, strlen(dir_abs) + 1);
    setenv("PATH", longpath, 1);
    error_set(MG_EINVAL, "the caller's error");
    EXPECT(spawn_on_path("moegap-fake-tool") == 1, "the folder after a long one was missed");
    EXPECT(strcmp(error_message(), "the caller's error") == 0, "the last error became '%s'",
           error_message());
    unsetenv("PATH");
    EXPECT(spawn_on_path("sh") == 0, "found without a PATH");
    setenv("PATH", keep, 1);
    remove(tool);
}

int main(void)
{
    const char *dir = test_dir("spawn");
    if (!realpath(dir, dir_abs)) {
        perror(dir);
        return 1;
    }
    snprintf(log_path, sizeof log_path, "%s/child.log", dir_abs);
    alarm(60); /* a child that hangs fails the test instead of blocking it */
    test_status();
    test_missing();
    test_signal();
    test_io();
    test_on_path();
    return test_summary("test_spawn");
}
