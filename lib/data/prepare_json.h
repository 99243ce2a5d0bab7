/* corpus.json, the record of one prepare: what went in, how it was split
 * and tokenized, what came out. Written atomically and last. */
#ifndef MOEGAP_PREPARE_JSON_H
#define MOEGAP_PREPARE_JSON_H

#include "data/prepare.h"

int prepare_write_json(const char *path, const prepare_options *o, const prepare_result *r);

#endif
