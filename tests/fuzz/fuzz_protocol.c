/* protocol_read on any bytes. A protocol's [claim] name must equal its
 * file's base name, so the file is named after the input's first
 * `name = LABEL` line (else claim.ini): otherwise every input would stop
 * at that rule and the checks after it would go unfuzzed. An accepted
 * protocol must hold what the checks rely on. */
#include "fuzz_util.h"

#include "util/error.h"
#include "runs/protocol.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_label_char(int c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* The value of the first line "name = LABEL" (spaces allowed around). */
static void file_name(const uint8_t *data, size_t size, char *dst, size_t cap)
{
    snprintf(dst, cap, "claim");
    for (size_t i = 0; i < size; i++) {
        if (i > 0 && data[i - 1] != '\n')
            continue;
        size_t j = i;
        while (j < size && (data[j] == ' ' || data[j] == '\t'))
            j++;
        if (size - j < 4 || memcmp(data + j, "name", 4) != 0)
            continue;
        for (j += 4; j < size && (data[j] == ' ' || data[j] == '\t'); j++)
            ;
        if (j >= size || data[j] != '=')
            continue;
        for (j++; j < size && (data[j] == ' ' || data[j] == '\t'); j++)
            ;
        size_t n = 0;
        while (j + n < size && n + 1 < cap && n < PROTOCOL_NAME_MAX - 1 && is_label_char(data[j + n]))
            n++;
        if (n > 0) {
            memcpy(dst, data + j, n);
            dst[n] = '\0';
        }
        return;
    }
}

static void check_accepted(const protocol *p)
{
    /* the seeds are the tier's, never the protocol's */
    if (p->n_seeds != 0 || p->n_models < 2 ||
        p->n_models > PROTOCOL_MAX_MODELS || p->n_gaps < 1 || p->n_gaps > PROTOCOL_MAX_GAPS)
        fuzz_die("accepted protocol", "counts out of range");
    for (int g = 0; g < p->n_gaps; g++) {
        const protocol_gap *gp = &p->gaps[g];
        if (gp->a < 0 || gp->a >= p->n_models || gp->b < 0 || gp->b >= p->n_models || gp->a == gp->b)
            fuzz_die("accepted protocol", "a gap names a model outside [runs] models");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[FUZZ_PATH_MAX];
    static protocol p;
    if (!dir[0])
        fuzz_subdir(dir, "protocol");
    char name[PROTOCOL_NAME_MAX + 8], path[FUZZ_PATH_MAX];
    file_name(data, size, name, PROTOCOL_NAME_MAX);
    strcat(name, ".ini");
    fuzz_write(dir, name, data, size);
    if (protocol_read(&p, fuzz_path(path, dir, name)) == MG_OK)
        check_accepted(&p);
    remove(path);
    return 0;
}
