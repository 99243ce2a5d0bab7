#include "torch_server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void go_down(torch_server *ts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ts->status, sizeof ts->status, fmt, ap);
    va_end(ap);
    ts->up = 0;
}

void torch_skip(torch_server *ts, const char *why)
{
    memset(ts, 0, sizeof *ts);
    ts->pid = -1;
    go_down(ts, "%s", why);
}

/* One line from the server without its newline; NULL at end of file. */
static char *read_line(torch_server *ts, char *buf, size_t n)
{
    if (!ts->from || !fgets(buf, (int)n, ts->from))
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

void torch_start(torch_server *ts, const char *python, const char *script,
                 const char *expect_shapes)
{
    torch_skip(ts, "");
    if (access(python, X_OK) != 0) {
        go_down(ts, "no PyTorch figures: %s is not there (%s)", python, strerror(errno));
        return;
    }
    if (access(script, R_OK) != 0) {
        go_down(ts, "no PyTorch figures: %s is not readable (%s)", script, strerror(errno));
        return;
    }
    int to[2] = {-1, -1}, from[2] = {-1, -1};
    if (pipe(to) || pipe(from)) {
        go_down(ts, "no PyTorch figures: pipe: %s", strerror(errno));
        goto fail;
    }
    fflush(stdout);
    fflush(stderr);
    ts->pid = fork();
    if (ts->pid < 0) {
        go_down(ts, "no PyTorch figures: fork: %s", strerror(errno));
        goto fail;
    }
    if (ts->pid == 0) {
        if (dup2(to[0], STDIN_FILENO) < 0 || dup2(from[1], STDOUT_FILENO) < 0)
            _exit(127);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execl(python, python, script, "--serve", (char *)NULL);
        fprintf(stderr, "moegap_bench: exec %s: %s\n", python, strerror(errno));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    ts->to = fdopen(to[1], "w");
    ts->from = fdopen(from[0], "r");
    if (!ts->to || !ts->from) {
        if (!ts->to)
            close(to[1]);
        if (!ts->from)
            close(from[0]);
        go_down(ts, "no PyTorch figures: fdopen: %s", strerror(errno));
        torch_stop(ts);
        return;
    }
    char line[512];
    if (!read_line(ts, line, sizeof line)) {
        go_down(ts, "no PyTorch figures: %s %s --serve ended before it was ready", python,
                script);
        torch_stop(ts);
        return;
    }
    if (strncmp(line, "ready ", 6) != 0) {
        go_down(ts, "no PyTorch figures: %s", line);
        torch_stop(ts);
        return;
    }
    if (!strstr(line, expect_shapes)) {
        go_down(ts, "no PyTorch figures: %s builds other models than the bench (%s; the bench's: "
                "%s)", script, line + 6, expect_shapes);
        torch_stop(ts);
        return;
    }
    snprintf(ts->status, sizeof ts->status, "%s", line + 6);
    ts->up = 1;
    return;
fail:
    for (int i = 0; i < 2; i++) {
        if (to[i] >= 0)
            close(to[i]);
        if (from[i] >= 0)
            close(from[i]);
    }
}

int torch_run(torch_server *ts, const char *model, int steps, int threads, double *tps)
{
    if (!ts->up)
        return -1;
    char line[512];
    if (fprintf(ts->to, "run %s %d %d\n", model, steps, threads) < 0 || fflush(ts->to) != 0) {
        go_down(ts, "PyTorch server stopped taking commands (%s); no PyTorch figures from here on",
                strerror(errno));
        return -1;
    }
    if (!read_line(ts, line, sizeof line)) {
        go_down(ts, "PyTorch server ended during 'run %s %d %d'; no PyTorch figures from here on",
                model, steps, threads);
        return -1;
    }
    char *end = NULL;
    double v = strtod(line, &end);
    if (end == line || *end != '\0' || !(v > 0.0)) {
        go_down(ts, "PyTorch server answered 'run %s %d %d' with '%s'; no PyTorch figures from "
                "here on", model, steps, threads, line);
        return -1;
    }
    *tps = v;
    return 0;
}

void torch_stop(torch_server *ts)
{
    if (ts->to) {
        fputs("quit\n", ts->to);
        fclose(ts->to); /* end of input also ends the server */
    }
    if (ts->from)
        fclose(ts->from);
    ts->to = ts->from = NULL;
    if (ts->pid > 0) {
        int st;
        while (waitpid(ts->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    ts->pid = -1;
    ts->up = 0;
}
