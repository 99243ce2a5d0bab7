#include "train/provenance.h"
#include "util/error.h"
#include "util/fileio.h"
#include "moegap_build_info.h"

#include <cblas.h>
#include "util/jsonio.h"
#include "util/jsonread.h"
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void provenance_now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int provenance_write(const char *path, const train_options *o, const char *start,
                     const char *end, long resumed_from)
{
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    json_t *j = json_object();
    json_object_set_new(j, "git_commit", json_string(MOEGAP_GIT_COMMIT));
    json_object_set_new(j, "git_dirty", MOEGAP_GIT_DIRTY < 0 ? json_null()
                                                             : json_boolean(MOEGAP_GIT_DIRTY));
    json_object_set_new(j, "compiler", json_string("gcc-compatible " __VERSION__));
    json_object_set_new(j, "openblas_config", json_string(openblas_get_config()));
    json_object_set_new(j, "openblas_core", json_string(openblas_get_corename()));
    json_object_set_new(j, "openblas_coretype_env", coretype ? json_string(coretype) : json_null());
    json_object_set_new(j, "threads", json_integer(o->threads));
    json_object_set_new(j, "host", json_string(host));
    run_seeds seeds = train_seeds(o);
    json_object_set_new(j, "seed", json_integer((json_int_t)seeds.run));
    json_object_set_new(j, "init_seed", json_integer((json_int_t)seeds.init));
    json_object_set_new(j, "data_seed", json_integer((json_int_t)seeds.data));
    json_object_set_new(j, "start_time", json_string(start));
    json_object_set_new(j, "end_time", end ? json_string(end) : json_null());
    json_object_set_new(j, "resumed_from_step", json_integer(resumed_from));
    return jsonio_write(path, j);
}

int provenance_machine_read(provenance_machine *m, const jsonread_place *at, json_t *obj)
{
    int rc = jsonread_string(at, obj, "openblas_core", m->core, sizeof m->core);
    if (!rc)
        rc = jsonread_string_or_null(at, obj, "openblas_coretype_env", m->coretype_env,
                                     sizeof m->coretype_env);
    if (!rc)
        rc = jsonread_integer(at, obj, "threads", 1, 4096, &m->threads);
    if (!rc)
        rc = jsonread_string(at, obj, "openblas_config", m->openblas, sizeof m->openblas);
    if (!rc)
        rc = jsonread_string(at, obj, "compiler", m->compiler, sizeof m->compiler);
    return rc;
}

provenance_machine provenance_record_machine(const provenance_record *p)
{
    provenance_machine m;
    memset(&m, 0, sizeof m);
    memcpy(m.core, p->core, sizeof m.core);
    memcpy(m.coretype_env, p->coretype_env, sizeof m.coretype_env);
    m.threads = p->threads;
    memcpy(m.openblas, p->openblas, sizeof m.openblas);
    memcpy(m.compiler, p->compiler, sizeof m.compiler);
    return m;
}

int provenance_read(const char *path, provenance_record *p)
{
    memset(p, 0, sizeof *p);
    json_t *root = NULL;
    int rc = jsonread_load(path, &root);
    if (rc)
        return rc;
    jsonread_place at = jsonread_place_root(path);
    rc = jsonread_string(&at, root, "git_commit", p->commit, sizeof p->commit);
    json_t *dirty = json_object_get(root, "git_dirty");
    if (!rc && !json_is_boolean(dirty) && !json_is_null(dirty))
        rc = error_set(MG_EFORMAT, "%s: git_dirty: missing or not true/false/null", path);
    p->dirty = json_is_null(dirty) ? -1 : json_is_true(dirty);
    /* the machine's keys through the reader a baseline's "machine" uses */
    provenance_machine m;
    memset(&m, 0, sizeof m);
    if (!rc)
        rc = provenance_machine_read(&m, &at, root);
    if (!rc) {
        memcpy(p->core, m.core, sizeof p->core);
        memcpy(p->coretype_env, m.coretype_env, sizeof p->coretype_env);
        p->threads = m.threads;
        memcpy(p->openblas, m.openblas, sizeof p->openblas);
        memcpy(p->compiler, m.compiler, sizeof p->compiler);
    }
    if (!rc)
        rc = jsonread_string(&at, root, "host", p->host, sizeof p->host);
    if (!rc)
        rc = jsonread_integer(&at, root, "seed", 0, LLONG_MAX, &p->seed);
    /* absent from folders written before the two seeds could be set apart */
    p->init_seed = p->data_seed = p->seed;
    if (!rc && json_object_get(root, "init_seed"))
        rc = jsonread_integer(&at, root, "init_seed", 0, LLONG_MAX, &p->init_seed);
    if (!rc && json_object_get(root, "data_seed"))
        rc = jsonread_integer(&at, root, "data_seed", 0, LLONG_MAX, &p->data_seed);
    if (!rc)
        rc = jsonread_string(&at, root, "start_time", p->start, sizeof p->start);
    if (!rc)
        rc = jsonread_string_or_null(&at, root, "end_time", p->end, sizeof p->end);
    if (!rc)
        rc = jsonread_integer(&at, root, "resumed_from_step", -1, LLONG_MAX, &p->resumed_from);
    json_decref(root);
    return rc;
}
