/* A run folder's guard: one writer at a time, and nothing of a run left
 * behind half-written or discarded by accident.
 *
 * The lock is an flock on DIR/.lock, held for the whole run; the file
 * holds the holder's pid, so that a refused second writer can name it. It
 * stays when the run ends: removing it would let a third process lock a
 * fresh file while a second still holds the old one. */
#ifndef MOEGAP_RUNDIR_H
#define MOEGAP_RUNDIR_H

#include <stddef.h>

/* Creates dir if it is missing and takes its lock; *fd receives the
 * lock's descriptor. Refuses, naming the holder's pid, a folder another
 * process is training into. */
int rundir_lock(const char *dir, int *fd);
/* Releases the lock (fd < 0: none taken). */
void rundir_unlock(int fd);

/* The pid of a process of this machine that holds, or last held, dir's
 * lock and is alive; 0 when there is none. Reads the pid the lock file
 * holds without locking, so a trainer starting meanwhile is never refused;
 * a pid of another machine (a cluster's shared folder) is not seen. */
long rundir_live_holder(const char *dir);

/* The files of a run folder, the one written last first: summary.json
 * marks a finished run, checkpoint.bin one that can be resumed. */
typedef enum {
    RUN_FILE_SUMMARY,    /* summary.json */
    RUN_FILE_CHECKPOINT, /* checkpoint.bin */
    RUN_FILE_METRICS,    /* metrics.tsv */
    RUN_FILE_PROVENANCE, /* provenance.json */
    RUN_FILE_RECIPE,     /* recipe.ini */
    RUN_FILE_COUNT
} rundir_file;

/* The file's name within a run folder. */
const char *rundir_file_name(rundir_file f);

/* dir/<f's name> into dst (n bytes), refused as fs_join refuses a path
 * that does not fit. */
int rundir_path(char *dst, size_t n, const char *dir, rundir_file f);

/* The first file of a run (in rundir_file's order) that dir holds, or
 * NULL: a folder with only other files in it is not a run. */
const char *rundir_run_file(const char *dir);

/* Removes the temporaries a killed writer left, "<run file>.tmp.<pid>".
 * Call only with the lock held: then no writer of them is alive. */
void rundir_remove_stale(const char *dir);

#endif
