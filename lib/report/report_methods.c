/* The report's methods, generated from the recipes the runs recorded and
 * the protocol files (every key, every rule), and the paper's setup
 * (reference/paper_setup.tsv) beside ours.
 *
 * paper_setup.tsv's "ours" column names what answers each item, as
 * space-separated keys: a recipe key as section.name (model.d_model,
 * train.steps, ...), one of derived_keys below, or "-" for an item no run
 * file records. */
#include "report/report_data.h"
#include "report/report_latex.h"
#include "util/error.h"

#include <string.h>

static const char *const derived_keys[] = {
    "corpus",         /* the corpora: label, source, documents, tokens */
    "tokenizer",      /* from corpus.json */
    "models",         /* the models the protocols compare */
    "params_total",   /* per model, with the router and the embedding */
    "params_active",
    "tokens_per_run", /* summary.json */
    "seeds",          /* per model, the seeds the protocols need */
    "statistic",      /* each protocol's statistic */
    "matching",       /* each dense model's target and mismatch */
    "shared_keys",    /* the recipe keys every model shares, and those that differ */
};
enum { N_DERIVED = sizeof derived_keys / sizeof derived_keys[0] };

/* The index of recipe key "section.name", -1 when there is none. */
static int recipe_key_index(const char *key)
{
    recipe dummy;
    recipe_defaults(&dummy);
    for (size_t i = 0; i < recipe_key_count(); i++) {
        const char *sec, *name;
        char value[RECIPE_PATH_MAX];
        recipe_key_text(&dummy, i, &sec, &name, value, sizeof value);
        size_t n = strlen(sec);
        if (strncmp(key, sec, n) == 0 && key[n] == '.' && strcmp(key + n + 1, name) == 0)
            return (int)i;
    }
    return -1;
}

static int derived_index(const char *key)
{
    for (int i = 0; i < N_DERIVED; i++)
        if (strcmp(key, derived_keys[i]) == 0)
            return i;
    return -1;
}

/* Calls fn for every space-separated key of an ours cell. */
static int each_key(const char *ours, int (*fn)(const char *key, void *ctx), void *ctx)
{
    char copy[sizeof((reference_setup_row *)0)->ours];
    snprintf(copy, sizeof copy, "%s", ours);
    char *save = NULL;
    for (char *k = strtok_r(copy, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
        int rc = fn(k, ctx);
        if (rc)
            return rc;
    }
    return MG_OK;
}

static int known_key(const char *key, void *ctx)
{
    if (strcmp(key, "-") == 0 || derived_index(key) >= 0 || recipe_key_index(key) >= 0)
        return MG_OK;
    return error_set(MG_EFORMAT, "ours: '%s' is neither a recipe key (section.name) nor one the "
                     "report derives (corpus, tokenizer, models, params_total, params_active, "
                     "tokens_per_run, seeds, statistic, matching, shared_keys) nor '-'", key);
}

int report_setup_validate(const report *r)
{
    for (size_t i = 0; i < r->setup.n; i++) {
        int rc = each_key(r->setup.rows[i].ours, known_key, NULL);
        if (rc)
            return error_prefix(rc, "%s:%d: ", r->setup.path, r->setup.rows[i].line);
    }
    return MG_OK;
}

/* ---- values per model, grouped ------------------------------------------- */

typedef void (*model_value_fn)(const report *r, int m, const void *ctx, char *buf, size_t n);

/* "v (every model)" when all agree, else "v: m1, m2; w: m3". */
static void put_grouped(const report *r, FILE *f, model_value_fn fn, const void *ctx)
{
    char values[REPORT_MAX_MODELS][RECIPE_PATH_MAX];
    int done[REPORT_MAX_MODELS] = {0};
    for (int m = 0; m < r->n_models; m++)
        fn(r, m, ctx, values[m], sizeof values[m]);
    int groups = 0;
    for (int m = 0; m < r->n_models; m++) {
        if (done[m])
            continue;
        int same = 0;
        for (int k = m; k < r->n_models; k++)
            same += strcmp(values[k], values[m]) == 0;
        if (groups++)
            fputs("; ", f);
        report_latex_wrap(f, values[m]);
        if (same == r->n_models) {
            fputs(" (every model)", f);
            return;
        }
        fputs(": ", f);
        for (int k = m, first = 1; k < r->n_models; k++)
            if (!done[k] && strcmp(values[k], values[m]) == 0) {
                done[k] = 1;
                fputs(first ? "" : ", ", f);
                report_latex_text(f, r->models[k].name);
                first = 0;
            }
    }
}

/* ctx: the recipe key's index */
static void model_recipe_value(const report *r, int m, const void *ctx, char *buf, size_t n)
{
    const report_model *rm = &r->models[m];
    const char *sec, *name;
    if (!rm->have_recipe) {
        snprintf(buf, n, "(no recipe)");
        return;
    }
    recipe_key_text(&rm->rec, (size_t)*(const int *)ctx, &sec, &name, buf, n);
    if (!buf[0])
        snprintf(buf, n, "(unset)");
}

static void model_tokens(const report *r, int m, const void *ctx, char *buf, size_t n)
{
    const report_model *rm = &r->models[m];
    for (int s = 0; s < rm->n_seeds; s++)
        if (rm->runs[s].state == RUN_DONE && rm->runs[s].rec.tokens >= 0) {
            report_count_text(buf, n, rm->runs[s].rec.tokens);
            return;
        }
    snprintf(buf, n, "(no finished run)");
}

static void model_seeds(const report *r, int m, const void *ctx, char *buf, size_t n)
{
    const report_model *rm = &r->models[m];
    size_t len = 0;
    buf[0] = '\0';
    for (int s = 0; s < rm->n_seeds && len < n; s++) {
        int done = rm->runs[s].state == RUN_DONE;
        len += (size_t)snprintf(buf + len, n - len, "%s%d%s", s ? ", " : "", rm->seeds[s],
                                done ? "" : " (missing)");
    }
}

static void put_counts(const report *r, FILE *f, int active)
{
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        fputs(m ? "; " : "", f);
        report_latex_text(f, rm->name);
        fputc(' ', f);
        if (rm->have_recipe)
            report_latex_count(f, (long long)(active ? rm->counts.n_active : rm->counts.n_total));
        else
            fputs("?", f);
    }
}

static void put_matching(const report *r, FILE *f)
{
    int any = 0;
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        if (!rm->have_recipe || model_config_is_moe(&rm->rec.model) || rm->match_moe < 0)
            continue;
        fputs(any++ ? "; " : "", f);
        report_latex_textf(f, "%s: ffn_hidden %d, matches %s %s at %+.3f%%", rm->name,
                           rm->rec.model.ffn_hidden, r->models[rm->match_moe].name,
                           rm->match_active ? "active" : "total", 100 * rm->mismatch);
    }
    if (!any)
        fputs("no dense model matched", f);
}

static void put_shared_keys(const report *r, FILE *f)
{
    fputs("the same for every model: ", f);
    int differ[64], n_differ = 0, first = 1;
    for (size_t i = 0; i < recipe_key_count(); i++) {
        const char *sec, *name;
        char v0[RECIPE_PATH_MAX], v[RECIPE_PATH_MAX];
        int same = 1, have = 0;
        for (int m = 0; m < r->n_models; m++) {
            if (!r->models[m].have_recipe)
                continue;
            recipe_key_text(&r->models[m].rec, i, &sec, &name, have ? v : v0, sizeof v);
            same &= !have || strcmp(v, v0) == 0;
            have = 1;
        }
        if (!have)
            continue;
        if (same) {
            fputs(first ? "" : ", ", f);
            report_latex_text(f, name);
            first = 0;
        } else if (n_differ < 64) {
            differ[n_differ++] = (int)i;
        }
    }
    fputs("; differing: ", f);
    recipe names; /* key names do not depend on values */
    recipe_defaults(&names);
    for (int k = 0; k < n_differ; k++) {
        const char *sec, *name;
        char v[RECIPE_PATH_MAX];
        recipe_key_text(&names, (size_t)differ[k], &sec, &name, v, sizeof v);
        fputs(k ? ", " : "", f);
        report_latex_text(f, name);
    }
    if (!n_differ)
        fputs("none", f);
}

static void put_statistics(const report *r, FILE *f)
{
    for (int i = 0; i < r->n_results; i++) {
        const protocol *p = &r->results[i].proto;
        fputs(i ? "; " : "", f);
        report_latex_textf(f, "%s: %s", p->name, protocol_statistic_name(p->statistic));
    }
    fputs(" (validation cross-entropy, nats/token, over the whole validation split)", f);
}

typedef struct {
    const report *r;
    FILE *f;
    int n;
} ours_ctx;

static int put_ours_key(const char *key, void *v)
{
    ours_ctx *c = v;
    const report *r = c->r;
    FILE *f = c->f;
    if (c->n++)
        fputs("\\newline ", f);
    int k = recipe_key_index(key);
    if (strcmp(key, "-") == 0) {
        fputs("\\emph{not recorded in the run files}", f);
    } else if (k >= 0) {
        report_latex_text(f, strchr(key, '.') + 1);
        fputs(" = ", f);
        put_grouped(r, f, model_recipe_value, &k);
    } else {
        switch (derived_index(key)) {
        case 0:
            for (int i = 0; i < r->n_corpora; i++) {
                const report_corpus *co = &r->corpora[i];
                fputs(i ? "; " : "", f);
                report_latex_textf(f, "%s (%s): ", co->label, co->source);
                report_latex_count(f, co->tokens[0]);
                fputs(" training and ", f);
                report_latex_count(f, co->tokens[1]);
                fputs(" validation tokens", f);
            }
            break;
        case 1:
            for (int i = 0; i < r->n_corpora; i++)
                report_latex_textf(f, "%s%s, vocabulary %lld, %s", i ? "; " : "",
                                   r->corpora[i].tokenizer, r->corpora[i].vocab,
                                   r->corpora[i].spm_version);
            break;
        case 2:
            for (int m = 0; m < r->n_models; m++) {
                fputs(m ? ", " : "", f);
                report_latex_text(f, r->models[m].name);
            }
            break;
        case 3: put_counts(r, f, 0); break;
        case 4: put_counts(r, f, 1); break;
        case 5: put_grouped(r, f, model_tokens, NULL); break;
        case 6: put_grouped(r, f, model_seeds, NULL); break;
        case 7: put_statistics(r, f); break;
        case 8: put_matching(r, f); break;
        case 9: put_shared_keys(r, f); break;
        }
    }
    return MG_OK;
}

void report_tex_setup(const report *r, FILE *f)
{
    fputs("\\section{This run and the paper}\n"
          "The paper's setup as it states it (\\texttt{", f);
    report_latex_wrap(f, r->setup.path);
    fputs("}; ``not stated'' where it is silent) beside ours, read from the recipes the runs "
          "recorded, their summaries and the corpus description.\n\n"
          "{\\small\\begin{longtable}{@{}P{2.9cm}P{5.8cm}P{8.8cm}@{}}\n\\toprule\n"
          "item & paper & this run \\\\\n\\midrule\n\\endhead\n", f);
    for (size_t i = 0; i < r->setup.n; i++) {
        const reference_setup_row *row = &r->setup.rows[i];
        report_latex_text(f, row->item);
        fputs(" & ", f);
        report_latex_wrap(f, row->paper);
        fputs("\\newline{\\scriptsize ", f);
        report_latex_wrap(f, row->source);
        fputs("} & ", f);
        ours_ctx c = {r, f, 0};
        each_key(row->ours, put_ours_key, &c);
        fputs(" \\\\\n", f);
    }
    fputs("\\bottomrule\n\\end{longtable}}\n", f);
}

/* ---- methods -------------------------------------------------------------- */

static void put_recipe_table(const report *r, FILE *f)
{
    fputs("\\subsection{Recipes}\nEvery key of the recipe each model's runs recorded "
          "(\\texttt{recipe.ini} of its first finished run; lib/train/recipe.c reads it).\n\n", f);
    report_latex_model_columns(r, f, "ll", "section & key");
    recipe names; /* key names do not depend on values */
    recipe_defaults(&names);
    for (size_t i = 0; i < recipe_key_count(); i++) {
        const char *sec = "", *name = "";
        char v[RECIPE_PATH_MAX];
        recipe_key_text(&names, i, &sec, &name, v, sizeof v);
        if (strcmp(sec, "data") == 0)
            continue; /* paths: listed below the table */
        report_latex_text(f, sec);
        fputs(" & ", f);
        report_latex_text(f, name);
        for (int m = 0; m < r->n_models; m++) {
            fputs(" & ", f);
            if (!r->models[m].have_recipe) {
                fputs("\\problem{?}", f);
                continue;
            }
            recipe_key_text(&r->models[m].rec, i, &sec, &name, v, sizeof v);
            report_latex_text(f, v);
        }
        fputs(" \\\\\n", f);
    }
    fputs("\\midrule\nderived & warm-up steps", f);
    for (int m = 0; m < r->n_models; m++)
        if (r->models[m].have_recipe)
            fprintf(f, " & %ld", recipe_warmup_steps(&r->models[m].rec));
        else
            fputs(" & \\problem{?}", f);
    fputs(" \\\\\nderived & tokens per step", f);
    for (int m = 0; m < r->n_models; m++)
        if (r->models[m].have_recipe)
            fprintf(f, " & %d", r->models[m].rec.batch_size * r->models[m].rec.model.seq_len);
        else
            fputs(" & \\problem{?}", f);
    fputs(" \\\\\n\\bottomrule\n\\end{tabular}}\n\n", f);
    fputs("Token files ([data] train and val): ", f);
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        if (!rm->have_recipe)
            continue;
        int seen = 0;
        for (int k = 0; k < m && !seen; k++)
            seen = r->models[k].have_recipe &&
                   strcmp(r->models[k].rec.train_tokens, rm->rec.train_tokens) == 0 &&
                   strcmp(r->models[k].rec.val_tokens, rm->rec.val_tokens) == 0;
        if (seen)
            continue;
        fputs("\\newline ", f);
        report_latex_path(f, rm->rec.train_tokens);
        fputs(" and ", f);
        report_latex_path(f, rm->rec.val_tokens);
        fputs(" (", f);
        for (int k = m, first = 1; k < r->n_models; k++)
            if (r->models[k].have_recipe &&
                strcmp(r->models[k].rec.train_tokens, rm->rec.train_tokens) == 0 &&
                strcmp(r->models[k].rec.val_tokens, rm->rec.val_tokens) == 0) {
                fputs(first ? "" : ", ", f);
                report_latex_text(f, r->models[k].name);
                first = 0;
            }
        fputs(")", f);
    }
    fputs("\n", f);
}

/* The sign as LaTeX: math mode for "> 0". */
static const char *sign_tex(protocol_sign s, char *buf, size_t size)
{
    if (s == SIGN_NONE)
        return protocol_sign_text(s);
    snprintf(buf, size, "$%s$", protocol_sign_text(s));
    return buf;
}

static void put_protocol(FILE *f, const protocol *p)
{
    fputs("\\subsubsection*{", f);
    report_latex_text(f, p->name);
    fputs("}\n\\emph{", f);
    report_latex_text(f, p->text);
    fputs("} (", f);
    report_latex_path(f, p->path);
    fputs(")\n\\begin{itemize}\\setlength{\\itemsep}{0pt}\n\\item runs: ", f);
    for (int m = 0; m < p->n_models; m++) {
        fputs(m ? ", " : "", f);
        report_latex_text(f, p->models[m]);
    }
    fputs("; seeds ", f);
    for (int s = 0; s < p->n_seeds; s++)
        fprintf(f, "%s%d", s ? ", " : "", p->seeds[s]);
    fputs("\n\\item statistic: ", f);
    report_latex_text(f, protocol_statistic_name(p->statistic));
    fprintf(f, "; test: paired one-sided t-test (paired\\_t\\_one\\_sided) at alpha %g; "
            "power %g for the seeds an inconclusive part would need\n", p->alpha, p->power);
    if (p->statistic == STATISTIC_TRAJECTORY)
        fprintf(f, "\\item fit: each seed's gap regressed on log(step) over the evaluations "
                "after warm-up (gap\\_on\\_log\\_step, after\\_warmup); each gap also reported "
                "at the evaluation nearest %g\\%% of training and at the end\n",
                100 * p->early_share);
    for (int g = 0; g < p->n_gaps; g++) {
        const protocol_gap *pg = &p->gaps[g];
        fputs("\\item gap ", f);
        report_latex_textf(f, "%s: g_s = L(%s, s) - L(%s, s); ", pg->name, p->models[pg->a],
                           p->models[pg->b]);
        fputs(pg->gate ? "gate" : "reported only", f);
        char sign[16];
        if (p->statistic == STATISTIC_BEST_VAL_LOSS && pg->direction != SIGN_NONE)
            fprintf(f, "; claimed sign of the best-loss gap %s",
                    sign_tex(pg->direction, sign, sizeof sign));
        if (p->statistic == STATISTIC_TRAJECTORY) {
            fprintf(f, "; claimed sign of the slope %s", sign_tex(pg->slope, sign, sizeof sign));
            fprintf(f, "; sign the final mean gap keeps %s", sign_tex(pg->final, sign, sizeof sign));
        }
        if (pg->paper[0]) {
            fputs("; the paper's value: row ", f);
            report_latex_text(f, pg->paper);
            fputs(" of paper.tsv", f);
        }
        fputs("\n", f);
    }
    fputs("\\end{itemize}\n", f);
}

void report_tex_methods(const report *r, FILE *f)
{
    fputs("\\section{Methods}\n", f);
    put_recipe_table(r, f);
    fputs("\\subsection{Protocols}\nEach claim's check as its protocol file fixes it. Every gap "
          "is paired by seed; the per-seed values get a one-sample t-test. A test passes with "
          "the claimed sign at p below alpha, is contradicted by the opposite sign at p below "
          "alpha, and is inconclusive otherwise (with the seeds the observed mean and std would "
          "need at the protocol's power). A check passes when every gate passes and is "
          "contradicted when any gate is.\n", f);
    for (int i = 0; i < r->n_results; i++)
        put_protocol(f, &r->results[i].proto);
    report_tex_variance(r, f);
}
