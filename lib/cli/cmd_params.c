#include "commands.h"
#include "util/error.h"
#include "util/fileio.h"
#include "model/params.h"
#include "train/recipe.h"
#include "train/recipe_write.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: moegap params --recipe FILE [--recipe FILE ...] [--json]\n"
    "       moegap params --recipe MOE.ini --match active|total [--width ffn_hidden|d_model]\n"
    "                     [--multiple M] [--ffn-hidden H] [--write DENSE.ini [--moe-name NAME]]\n"
    "                     [--json]\n"
    "\n"
    "Counts every model's parameters per component (total stored, and active:\n"
    "used for one token), with and without the embedding.\n"
    "Convention: " PARAMS_CONVENTION ".\n"
    "\n"
    "With --match, finds the dense model that matches each MoE recipe's active or\n"
    "total count by resizing one width, everything else copied, and prints both\n"
    "models' counts and the mismatch (dense - moe) / moe.\n"
    "\n"
    "  --recipe FILE     a recipe; give several to count several models\n"
    "  --json            print JSON instead of tables\n"
    "  --match TARGET    active or total: the MoE count the dense model matches\n"
    "  --width W         the width resized: ffn_hidden (default) or d_model (kept a\n"
    "                    multiple of 2*n_heads so the head size stays even)\n"
    "  --multiple M      the resized width is a multiple of M (default 1)\n"
    "  --ffn-hidden H    with --width d_model: the dense ffn_hidden, held fixed\n"
    "                    (default top_k * expert_hidden)\n"
    "  --write FILE      write the matched dense recipe (one --recipe only): the\n"
    "                    MoE recipe with [model] made dense and [run] matched =\n"
    "                    NAME TARGET recorded (what the report pairs it by),\n"
    "                    written atomically\n"
    "  --moe-name NAME   the MoE's model name for [run] matched (default: the MoE\n"
    "                    recipe's file name without .ini, moe4 for moe4.ini)\n";

/* Formulas of each part, for the table (notation of model/model.h). */
static const char *const part_formula[PARAMS_N_PARTS] = {
    "V*C", "L*4*C*C", "(2L+1)*C", "L*3*H*C", "L*E*C", "E*L*3*H*C",
};

typedef struct {
    const char *recipes[64];
    int n_recipes;
    int json;
    const char *match, *width, *write, *moe_name;
    unsigned long long multiple, ffn_hidden;
    int have_ffn_hidden;
} params_args;

static int parse_args(params_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->multiple = 1;
    char **rest = malloc(sizeof(char *) * ((size_t)argc + 1));
    if (!rest) {
        fprintf(stderr, "moegap params: out of memory\n");
        return 1;
    }
    int n_rest = 0;
    int rc = cli_take_repeated("params", usage, "--recipe", argc, argv, a->recipes,
                               (int)(sizeof a->recipes / sizeof a->recipes[0]), &a->n_recipes,
                               rest, &n_rest);
    cli_option opts[] = {
        {"--json", CLI_FLAG, &a->json, 0, 0, 0, 0},
        {"--match", CLI_STRING, &a->match, 0, 0, 0, 0},
        {"--width", CLI_STRING, &a->width, 0, 0, 0, 0},
        /* 0 passes here so the message below can say what a multiple is */
        {"--multiple", CLI_U64, &a->multiple, 0, 0, 1 << 20, 0},
        {"--ffn-hidden", CLI_U64, &a->ffn_hidden, 0, 1, 1 << 20, 0},
        {"--write", CLI_STRING, &a->write, 0, 0, 0, 0},
        {"--moe-name", CLI_STRING, &a->moe_name, 0, 0, 0, 0},
        {NULL, CLI_FLAG, NULL, 0, 0, 0, 0},
    };
    if (rc == CLI_OK)
        rc = cli_parse("params", usage, n_rest, rest, opts);
    free(rest);
    if (rc != CLI_OK)
        return rc;
    /* indexes into opts above */
    a->have_ffn_hidden = opts[4].given;
    const char *why = NULL;
    if (a->n_recipes == 0)
        why = "--recipe is required";
    else if (!a->match && (a->width || opts[3].given || a->have_ffn_hidden || a->write))
        why = "--width, --multiple, --ffn-hidden and --write apply only with --match";
    else if (a->multiple < 1)
        why = "--multiple 0: expected a width multiple of at least 1";
    else if (a->write && a->n_recipes != 1)
        why = "--write takes exactly one --recipe";
    else if (a->moe_name && !a->write)
        why = "--moe-name applies only with --write";
    if (why) {
        fprintf(stderr, "moegap params: %s\n\n%s", why, usage);
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* ---- text output -------------------------------------------------------- */

static void print_model_line(const char *path, const model_config *c)
{
    if (model_config_is_moe(c))
        printf("%s: MoE, %d experts, top-%d, expert_hidden %d", path, c->n_experts, c->top_k,
               c->expert_hidden);
    else
        printf("%s: dense, ffn_hidden %d", path, c->ffn_hidden);
    printf("; vocab %d, d_model %d, %d layers, %d heads, seq_len %d\n", c->vocab_size,
           c->d_model, c->n_layers, c->n_heads, c->seq_len);
}

/* A part the model does not have (router of a dense model) is left out. */
static int part_present(const model_config *c, int p)
{
    int moe = model_config_is_moe(c);
    return p == PARAMS_FFN ? !moe : p == PARAMS_ROUTER || p == PARAMS_EXPERTS ? moe : 1;
}

static void print_counts(const char *path, const model_config *c, const params_counts *n)
{
    print_model_line(path, c);
    printf("  %-18s %-17s %-10s %12s %12s\n", "component", "tensors", "formula", "total", "active");
    for (int p = 0; p < PARAMS_N_PARTS; p++) {
        if (!part_present(c, p))
            continue;
        printf("  %-18s %-17s %-10s %12zu %12zu", params_part_name(p), params_part_tensors(p),
               part_formula[p], n->total[p], n->active[p]);
        if (p == PARAMS_EXPERTS)
            printf("   (%zu per expert, %d of %d active)", n->expert, c->top_k, c->n_experts);
        putchar('\n');
    }
    printf("  %-47s %12zu %12zu\n", "all", n->n_total, n->n_active);
    printf("  %-47s %12zu %12zu\n", "without embedding", n->n_total_no_embedding,
           n->n_active_no_embedding);
}

static void print_match(const char *path, const model_config *moe, const params_match_request *q,
                        const params_match_result *m)
{
    print_model_line(path, moe);
    const model_config *d = &m->dense;
    printf("dense match on the %s count, resizing %s (multiple %d): ", params_target_name(q->target),
           params_width_name(q->width), q->multiple);
    if (q->width == PARAMS_WIDTH_FFN_HIDDEN)
        printf("ffn_hidden = %d\n", d->ffn_hidden);
    else
        printf("d_model = %d (head size %d), ffn_hidden = %d\n", d->d_model,
               d->d_model / d->n_heads, d->ffn_hidden);
    printf("  %-18s %12s %12s %12s\n", "component", "MoE total", "MoE active", "dense");
    printf("  %-18s %12s %12s %12s\n", "", "", "", "(= active)");
    for (int p = 0; p < PARAMS_N_PARTS; p++)
        printf("  %-18s %12zu %12zu %12zu\n", params_part_name(p), m->moe.total[p],
               m->moe.active[p], m->dense_counts.total[p]);
    printf("  %-18s %12zu %12zu %12zu\n", "all", m->moe.n_total, m->moe.n_active,
           m->dense_counts.n_total);
    printf("  %-18s %12zu %12zu %12zu\n", "without embedding", m->moe.n_total_no_embedding,
           m->moe.n_active_no_embedding, m->dense_counts.n_total_no_embedding);
    printf("  mismatch on %s: dense %zu vs MoE %zu: %+lld parameters, %+.4f%%\n",
           params_target_name(q->target), m->dense_count, m->moe_count,
           (long long)m->dense_count - (long long)m->moe_count, 100.0 * m->mismatch);
}

/* ---- JSON output -------------------------------------------------------- */

static json_t *json_config(const model_config *c)
{
    json_t *j = json_object();
    json_object_set_new(j, "vocab_size", json_integer(c->vocab_size));
    json_object_set_new(j, "d_model", json_integer(c->d_model));
    json_object_set_new(j, "n_layers", json_integer(c->n_layers));
    json_object_set_new(j, "n_heads", json_integer(c->n_heads));
    json_object_set_new(j, "seq_len", json_integer(c->seq_len));
    json_object_set_new(j, "ffn_hidden", json_integer(c->ffn_hidden));
    json_object_set_new(j, "n_experts", json_integer(c->n_experts));
    json_object_set_new(j, "top_k", json_integer(c->top_k));
    json_object_set_new(j, "expert_hidden", json_integer(c->expert_hidden));
    return j;
}

/* Every part appears, zero where the model has none, so readers need no
 * special case for dense and MoE. */
static json_t *json_counts(const model_config *c, const params_counts *n)
{
    json_t *j = json_object();
    json_object_set_new(j, "kind", json_string(model_config_is_moe(c) ? "moe" : "dense"));
    json_object_set_new(j, "config", json_config(c));
    json_t *parts = json_object();
    for (int p = 0; p < PARAMS_N_PARTS; p++) {
        json_t *e = json_object();
        json_object_set_new(e, "tensors", json_string(params_part_tensors(p)));
        json_object_set_new(e, "formula", json_string(part_formula[p]));
        json_object_set_new(e, "total", json_integer((json_int_t)n->total[p]));
        json_object_set_new(e, "active", json_integer((json_int_t)n->active[p]));
        json_object_set_new(parts, params_part_name(p), e);
    }
    json_object_set_new(j, "components", parts);
    json_object_set_new(j, "per_expert", json_integer((json_int_t)n->expert));
    json_object_set_new(j, "total", json_integer((json_int_t)n->n_total));
    json_object_set_new(j, "active", json_integer((json_int_t)n->n_active));
    json_object_set_new(j, "total_without_embedding", json_integer((json_int_t)n->n_total_no_embedding));
    json_object_set_new(j, "active_without_embedding",
                        json_integer((json_int_t)n->n_active_no_embedding));
    return j;
}

static json_t *json_match(const params_match_request *q, const params_match_result *m,
                          const char *written)
{
    json_t *j = json_object();
    json_object_set_new(j, "target", json_string(params_target_name(q->target)));
    json_object_set_new(j, "width", json_string(params_width_name(q->width)));
    json_object_set_new(j, "multiple", json_integer(q->multiple));
    json_object_set_new(j, "moe_count", json_integer((json_int_t)m->moe_count));
    json_object_set_new(j, "dense_count", json_integer((json_int_t)m->dense_count));
    json_object_set_new(j, "mismatch", json_real(m->mismatch));
    json_object_set_new(j, "dense", json_counts(&m->dense, &m->dense_counts));
    json_object_set_new(j, "written", written ? json_string(written) : json_null());
    return j;
}

/* ---- the command -------------------------------------------------------- */

static int params_one(const params_args *a, const char *path, const params_match_request *q,
                      json_t *models)
{
    recipe r;
    if (recipe_read(&r, path))
        return 1;
    params_counts n;
    if (params_count(&r.model, &n))
        return error_prefix(1, "%s: ", path);
    json_t *j = a->json ? json_counts(&r.model, &n) : NULL;
    if (j) {
        json_object_set_new(j, "recipe", json_string(path));
        json_array_append_new(models, j);
    }
    if (!a->match) {
        if (!a->json)
            print_counts(path, &r.model, &n);
        return 0;
    }
    params_match_result m;
    if (params_match(&r.model, q, &m))
        return error_prefix(1, "%s: ", path);
    char moe_name[RECIPE_LABEL_MAX + 8];
    if (a->moe_name)
        snprintf(moe_name, sizeof moe_name, "%s", a->moe_name);
    else
        recipe_model_name(moe_name, sizeof moe_name, path);
    if (a->write && recipe_write_dense(a->write, path, &r, &m.dense, moe_name, q->target))
        return 1;
    if (j)
        json_object_set_new(j, "match", json_match(q, &m, a->write));
    else
        print_match(path, &r.model, q, &m);
    if (a->write && !a->json)
        printf("wrote %s: dense, ffn_hidden %d, d_model %d, matched = %s %s\n", a->write,
               m.dense.ffn_hidden, m.dense.d_model, moe_name, params_target_name(q->target));
    return 0;
}

static int request_from_args(const params_args *a, params_match_request *q)
{
    memset(q, 0, sizeof *q);
    q->multiple = (int)a->multiple;
    q->ffn_hidden = (int)a->ffn_hidden;
    if (!a->match)
        return MG_OK;
    int rc = params_target_parse(a->match, &q->target);
    if (!rc && a->width)
        rc = params_width_parse(a->width, &q->width);
    if (!rc && a->have_ffn_hidden && q->width != PARAMS_WIDTH_D_MODEL)
        rc = error_set(MG_EINVAL, "--ffn-hidden applies only with --width d_model");
    return rc;
}

int cmd_params(int argc, char **argv)
{
    params_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc != CLI_OK)
        return rc == CLI_HELP ? 0 : rc;
    params_match_request q;
    if (request_from_args(&a, &q)) {
        fprintf(stderr, "moegap params: %s\n\n%s", error_message(), usage);
        return 2;
    }
    json_t *models = json_array();
    for (int i = 0; i < a.n_recipes && rc == 0; i++) {
        if (i && !a.json)
            putchar('\n');
        rc = params_one(&a, a.recipes[i], &q, models);
    }
    if (rc) {
        fprintf(stderr, "moegap params: %s\n", error_message());
    } else if (a.json) {
        json_t *root = json_object();
        json_object_set_new(root, "convention", json_string(PARAMS_CONVENTION));
        json_object_set_new(root, "models", json_incref(models));
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        json_decref(root);
        if (text)
            puts(text);
        free(text);
        rc = text ? 0 : 1;
    } else {
        printf("\nconvention: %s.\n", PARAMS_CONVENTION);
    }
    json_decref(models);
    return rc;
}
