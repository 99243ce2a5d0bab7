/* PyTorch in the same run as moegap_bench: bench/torch_reference.py
 * --serve as a child process, asked for one repetition at a time.
 *
 * PyTorch's speed on this machine moves by up to a quarter between runs
 * minutes apart, so a figure measured once and written down says little:
 * the bench asks for a PyTorch repetition right after each of its own, on
 * the same model and thread count, and takes ratios of those pairs. */
#ifndef MOEGAP_BENCH_TORCH_SERVER_H
#define MOEGAP_BENCH_TORCH_SERVER_H

#include <stdio.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    FILE *to, *from;
    int up;           /* answering run commands */
    char status[512]; /* the server's ready line, or why there are no PyTorch figures */
} torch_server;

/* Starts `python script --serve` and waits for its ready line, whose shapes
 * must contain `expect_shapes` (the bench's models, in the script's
 * "V=... C=..." words). Never fails the bench: where python or the script
 * is missing, PyTorch is not importable, or the shapes differ, ts->up is 0
 * and ts->status says why. */
void torch_start(torch_server *ts, const char *python, const char *script,
                 const char *expect_shapes);

/* Marks the server as not used, with `why` as its status. */
void torch_skip(torch_server *ts, const char *why);

/* Runs `steps` PyTorch training steps of `model` ("dense" or "moe") at
 * `threads` threads; *tps gets tokens/s. Returns 0, or -1 when the server
 * is down or stops answering (ts->up becomes 0, ts->status says why). */
int torch_run(torch_server *ts, const char *model, int steps, int threads, double *tps);

/* Tells the server to quit and waits for it. */
void torch_stop(torch_server *ts);

#endif
