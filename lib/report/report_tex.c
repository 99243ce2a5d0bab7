/* The report's LaTeX: preamble, the title block with the runs' provenance,
 * the claims' summary table, the parameter table, the figures and the
 * table of runs. The methods and the paper's setup are in
 * report_methods.c. Every value printed comes from the data report_load
 * read; every string goes through report_latex_*. */
#include "report/report_data.h"
#include "report/report_latex.h"
#include "util/error.h"
#include "moegap_build_info.h"

#include <math.h>
#include <string.h>

static const char preamble[] =
    "\\documentclass[10pt,a4paper]{article}\n"
    "\\usepackage[T1]{fontenc}\n"
    "\\usepackage{lmodern}\n"
    "\\usepackage[margin=1.6cm]{geometry}\n"
    "\\usepackage{graphicx,booktabs,array,longtable,xcolor}\n"
    "\\usepackage[hidelinks,bookmarks=false,pdfcreator={moegap report}]{hyperref}\n"
    "\\setlength{\\parindent}{0pt}\n"
    "\\setlength{\\parskip}{4pt}\n"
    "\\renewcommand{\\floatpagefraction}{0.8}\n"
    "\\newcommand{\\problem}[1]{\\textcolor{red!75!black}{\\textbf{#1}}}\n"
    "\\newcolumntype{P}[1]{>{\\raggedright\\arraybackslash}p{#1}}\n"
    "\\setlength{\\LTpre}{4pt}\n\\setlength{\\LTpost}{4pt}\n";

/* Distinct values with how many runs have each, for provenance that
 * should be one value and may not be. */
enum { TALLY_MAX = 16 };
typedef struct {
    char value[TALLY_MAX][300];
    int count[TALLY_MAX];
    int n, dropped;
} tally;

static void tally_add(tally *t, const char *v)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->value[i], v) == 0) {
            t->count[i]++;
            return;
        }
    if (t->n == TALLY_MAX) {
        t->dropped++;
        return;
    }
    snprintf(t->value[t->n], sizeof t->value[t->n], "%s", v);
    t->count[t->n++] = 1;
}

/* One value as itself; several each with its count, so a mix shows. */
static void tally_put(FILE *f, const tally *t, const char *unit, int as_path)
{
    if (t->n == 0)
        fputs("\\problem{not recorded}", f);
    for (int i = 0; i < t->n; i++) {
        if (i)
            fputs("; ", f);
        if (as_path)
            report_latex_path(f, t->value[i]);
        else
            report_latex_wrap(f, t->value[i][0] ? t->value[i] : "(empty)");
        if (t->n > 1)
            fprintf(f, " (%d %s%s)", t->count[i], unit, t->count[i] == 1 ? "" : "s");
    }
    if (t->dropped)
        fprintf(f, "; \\problem{and %d more}", t->dropped);
    if (t->n > 1)
        fputs(" \\problem{(not one value)}", f);
}

static const reference_setup_row *setup_row(const report *r, const char *item)
{
    for (size_t i = 0; i < r->setup.n; i++)
        if (strcmp(r->setup.rows[i].item, item) == 0)
            return &r->setup.rows[i];
    return NULL;
}

static void put_issues(const report *r, FILE *f)
{
    if (r->n_issues == 0)
        return;
    fprintf(f, "\\begin{center}\\fcolorbox{red!75!black}{red!6}{\\parbox{0.95\\linewidth}{"
            "\\problem{This report is incomplete: %zu problem%s with its results.} Tables and "
            "figures below mark what they concern.\\vspace{-4pt}\n\\begin{itemize}\\small\n",
            r->n_issues, r->n_issues == 1 ? "" : "s");
    for (size_t i = 0; i < r->n_issues; i++) {
        fputs("\\item ", f);
        report_latex_wrap(f, r->issues[i]);
        fputc('\n', f);
    }
    fputs("\\end{itemize}}}\\end{center}\n", f);
}

static void put_corpora(const report *r, FILE *f)
{
    if (r->n_corpora == 0)
        fputs("\\problem{no recipe read, so no corpus}", f);
    for (int i = 0; i < r->n_corpora; i++) {
        const report_corpus *c = &r->corpora[i];
        if (i)
            fputs("\\newline ", f);
        report_latex_text(f, c->label[0] ? c->label : "(no [run] corpus label)");
        if (!c->ok) {
            fputs(": \\problem{no corpus.json in} ", f);
            report_latex_path(f, c->dir);
            continue;
        }
        report_latex_textf(f, ": %s, %lld source files (sha256 %.16s), train %lld documents, ",
                           c->source, c->files, c->source_sha256, c->docs[0]);
        report_latex_count(f, c->tokens[0]);
        report_latex_textf(f, " tokens; validation %lld documents, ", c->docs[1]);
        report_latex_count(f, c->tokens[1]);
        fputs(" tokens; ", f);
        report_latex_path(f, c->dir);
    }
}

static void put_tokenizers(const report *r, FILE *f)
{
    int any = 0;
    for (int i = 0; i < r->n_corpora; i++) {
        const report_corpus *c = &r->corpora[i];
        if (!c->ok)
            continue;
        if (any++)
            fputs("\\newline ", f);
        report_latex_textf(f, "%s, vocabulary %lld, hash %s, %s", c->tokenizer, c->vocab,
                           c->tokenizer_hash, c->spm_version);
    }
    if (!any)
        fputs("\\problem{not recorded (no corpus.json)}", f);
}

static void row_start(FILE *f, const char *name)
{
    fprintf(f, "%s & ", name);
}

void report_tex_title(const report *r, FILE *f)
{
    const reference_setup_row *paper = setup_row(r, "paper");
    fputs(preamble, f);
    fputs("\\begin{document}\n\\begin{center}{\\Large\\bfseries moegap: reproduction report}"
          "\\\\[4pt]\n", f);
    if (paper)
        report_latex_wrap(f, paper->paper);
    fputs("\\end{center}\n", f);
    put_issues(r, f);

    tally tier = {0}, commit = {0}, host = {0}, compiler = {0}, blas = {0}, core = {0},
          threads = {0}, evals = {0};
    long long tokens = 0;
    double wall = 0;
    int done = 0, runs = 0, no_tokens = 0;
    char first[32] = "", last[32] = "";
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        if (rm->have_recipe)
            tally_add(&tier, rm->rec.tier[0] ? rm->rec.tier : "(no [run] tier label)");
        for (int s = 0; s < rm->n_seeds; s++) {
            const report_run *run = &rm->runs[s];
            runs++;
            if (run->state != RUN_DONE)
                continue;
            done++;
            char buf[300];
            const provenance_record *pr = &run->prov;
            snprintf(buf, sizeof buf, "%s%s", pr->commit,
                     pr->dirty == 1 ? " (uncommitted changes)" : pr->dirty == 0 ? " (clean)" : "");
            tally_add(&commit, buf);
            tally_add(&host, pr->host);
            tally_add(&compiler, pr->compiler);
            tally_add(&blas, pr->openblas);
            snprintf(buf, sizeof buf, "%s (OPENBLAS_CORETYPE %s)", pr->core,
                     pr->coretype_env[0] ? pr->coretype_env : "unset");
            tally_add(&core, buf);
            snprintf(buf, sizeof buf, "%lld", pr->threads);
            tally_add(&threads, buf);
            snprintf(buf, sizeof buf, "%zu, the last at step %ld", run->rec.evals.n,
                     run->rec.evals.step[run->rec.evals.n - 1]);
            tally_add(&evals, buf);
            if (run->rec.tokens >= 0)
                tokens += run->rec.tokens;
            else
                no_tokens++;
            if (isfinite(run->rec.wall_s))
                wall += run->rec.wall_s;
            if (run->prov.start[0] && (!first[0] || strcmp(run->prov.start, first) < 0))
                snprintf(first, sizeof first, "%s", run->prov.start);
            if (run->prov.end[0] && strcmp(run->prov.end, last) > 0)
                snprintf(last, sizeof last, "%s", run->prov.end);
        }
    }

    fputs("\\section*{Provenance}\n{\\small\\begin{tabular}{@{}>{\\bfseries}l P{15.6cm}@{}}\n", f);
    row_start(f, "Commit");
    tally_put(f, &commit, "run", 0);
    fputs(" \\\\\n", f);
    row_start(f, "Tier");
    tally_put(f, &tier, "model", 0);
    fputs(" \\\\\n", f);
    row_start(f, "Corpus");
    put_corpora(r, f);
    fputs(" \\\\\n", f);
    row_start(f, "Tokenizer");
    put_tokenizers(r, f);
    fputs(" \\\\\n", f);
    row_start(f, "Machine");
    fputs("host ", f);
    tally_put(f, &host, "run", 0);
    fputs("; ", f);
    tally_put(f, &compiler, "run", 0);
    fputs("; ", f);
    tally_put(f, &blas, "run", 0);
    fputs(" \\\\\n", f);
    row_start(f, "OpenBLAS");
    fputs("core type ", f);
    tally_put(f, &core, "run", 0);
    fputs("; threads per run ", f);
    tally_put(f, &threads, "run", 0);
    fputs(" \\\\\n", f);
    row_start(f, "Dates");
    fputs("runs from ", f);
    report_latex_text(f, first[0] ? first : "?");
    fputs(" to ", f);
    report_latex_text(f, last[0] ? last : "?");
    fputs(" (UTC); report built ", f);
    report_latex_textf(f, "%s by moegap at commit %s%s", r->built, MOEGAP_GIT_COMMIT,
                       MOEGAP_GIT_DIRTY > 0 ? " (uncommitted changes)" : "");
    fputs(" \\\\\n", f);
    row_start(f, "Compute");
    fprintf(f, "%d of %d runs finished%s; ", done, runs,
            done < runs ? " \\problem{(the rest are missing)}" : "");
    report_latex_count(f, tokens);
    fprintf(f, " training tokens%s, ", no_tokens ? " \\problem{(some runs do not say)}" : "");
    fprintf(f, "%.2f h of training wall time (%.0f s, summed over runs); evaluations per run: ",
            wall / 3600.0, wall);
    tally_put(f, &evals, "run", 0);
    fputs(" \\\\\n", f);
    row_start(f, "Inputs");
    fputs("paper dir ", f);
    report_latex_path(f, r->paper_dir);
    fputs(", protocols ", f);
    report_latex_path(f, r->protocols_dir);
    fputs(", reference ", f);
    report_latex_path(f, r->reference_dir);
    fputs(" \\\\\n\\end{tabular}}\n", f);
}

/* ---- the claims ----------------------------------------------------------- */

static const char *claim_text(const char *claim)
{
    return strcmp(claim, "positive") == 0 ? "$>0$" : strcmp(claim, "negative") == 0 ? "$<0$" : "";
}

static void put_p(FILE *f, double p)
{
    if (isnan(p))
        fputs("n/a", f);
    else
        fprintf(f, "%.3g", p);
}

static void put_test_row(FILE *f, const report_test *t)
{
    /* slopes are per log(step), smaller than losses: one more digit */
    int digits = strcmp(t->what, "slope") == 0 ? 5 : 4;
    report_latex_text(f, t->gap);
    fprintf(f, " & %s & ", report_test_what_text(t->what));
    if (strcmp(t->claim, "none") == 0)
        fputs("report", f);
    else
        fprintf(f, "%s, %s", t->gate ? "gate" : "not gated", claim_text(t->claim));
    fputs(" & ", f);
    if (t->has_paper)
        fprintf(f, "%.4f $\\pm$ %.4f (n %d)", t->paper_mean, t->paper_sd, t->paper_n);
    else
        fputs("not reported", f);
    fprintf(f, " & %.*f $\\pm$ %.*f (n %d) & ", digits, t->mean, digits, t->sd, t->n);
    if (isnan(t->t))
        fputs("n/a", f);
    else
        fprintf(f, "%.2f", t->t);
    fputs(" & ", f);
    put_p(f, t->p_greater);
    fputs(" & ", f);
    put_p(f, t->p_less);
    fputs(" & ", f);
    if (strcmp(t->verdict, "-") == 0)
        fputs("reported", f);
    else
        report_latex_text(f, t->verdict);
    fputs(" \\\\\n", f);
}

static void put_claim_header(FILE *f, const report_result *res)
{
    fputs("\\midrule\n\\multicolumn{9}{@{}P{\\linewidth}@{}}{\\textbf{", f);
    report_latex_text(f, res->proto.name);
    fputs("}", f);
    if (res->state == RESULT_MISSING || res->state == RESULT_UNREADABLE) {
        fprintf(f, " \\problem{%s:} ", report_result_state_word(res->state));
        report_latex_wrap(f, res->why);
        fputs("} \\\\\n", f);
        return;
    }
    fputs(": verdict \\textbf{", f);
    report_latex_text(f, res->verdict);
    fputs("}", f);
    if (res->state == RESULT_STALE) {
        fputs(" \\problem{STALE:} ", f);
        report_latex_wrap(f, res->why);
    }
    fputs("} \\\\\n", f);
}

/* Under the table, for every test with a claim: its confidence interval
 * and minimum detectable effect; for an inconclusive one also what it
 * establishes and the seeds it would need. */
static void put_notes(const report *r, FILE *f)
{
    int any = 0;
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        for (int k = 0; k < res->n_tests; k++) {
            const report_test *t = &res->tests[k];
            if (strcmp(t->claim, "none") == 0)
                continue;
            int digits = strcmp(t->what, "slope") == 0 ? 5 : 4;
            int inconclusive = strcmp(t->verdict, "INCONCLUSIVE") == 0;
            fputs(any++ ? "\\\\\n" : "\n\\smallskip{\\footnotesize ", f);
            report_latex_textf(f, "%s, gap %s, %s: ", res->proto.name, t->gap,
                               report_test_what_text(t->what));
            if (inconclusive)
                report_latex_textf(f, "INCONCLUSIVE: the gap lies in [%.*f, %.*f] with %g%% "
                                   "confidence", digits, t->ci_lo, digits, t->ci_hi,
                                   100 * t->ci_level);
            else
                report_latex_textf(f, "%g%% CI [%.*f, %.*f]", 100 * t->ci_level, digits,
                                   t->ci_lo, digits, t->ci_hi);
            report_latex_textf(f, "; MDE %.*f (%g%% power, n %d)", digits, t->mde,
                               100 * res->proto.power, t->n);
            if (!inconclusive || t->seeds_needed < 0)
                continue;
            if (t->seeds_needed == 0)
                report_latex_textf(f, "; no number of seeds up to the search limit would reach "
                                   "p < %g at the observed mean and std", res->proto.alpha);
            else
                report_latex_textf(f, "; the observed mean and std would need %ld seeds to reach "
                                   "p < %g with %g%% power", t->seeds_needed, res->proto.alpha,
                                   100 * res->proto.power);
        }
    }
    if (any)
        fputs("}\n", f);
}

void report_tex_summary(const report *r, FILE *f)
{
    fputs("\\section{Claims}\n"
          "Each claim's check (\\texttt{moegap check}, protocol in the Methods) as its result "
          "file states it. Gaps are paired by seed, $g_s = L(A, s) - L(B, s)$ in validation "
          "loss (nats/token); ours is the mean $\\pm$ std over $n$ seeds, $t$ the one-sample "
          "t statistic of the per-seed values and p the one-sided p-values for a mean above "
          "and below zero. A gate decides the claim's verdict; PASS: the claimed sign with "
          "p below the protocol's alpha, CONTRADICTED: the opposite sign with p below alpha, "
          "INCONCLUSIVE: neither. The paper's value is its mean $\\pm$ std over its seeds. "
          "Figure~\\ref{fig:forest} shows every gated gap at a glance.\n\n", f);
    report_tex_forest(r, f);
    fputs("{\\footnotesize\\setlength{\\tabcolsep}{3pt}\n"
          "\\begin{longtable}{@{}lllllrrrl@{}}\n\\toprule\n"
          "gap & test & role & paper & ours & $t$ & p($>0$) & p($<0$) & verdict \\\\\n"
          "\\endhead\n", f);
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        put_claim_header(f, res);
        for (int k = 0; k < res->n_tests; k++)
            put_test_row(f, &res->tests[k]);
    }
    fputs("\\bottomrule\n\\end{longtable}}\n", f);
    put_notes(r, f);
}

/* ---- parameters ----------------------------------------------------------- */

static void put_count_row(const report *r, FILE *f, const char *label, int part, int active,
                          size_t (*sum)(const params_counts *))
{
    fputs(label, f);
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        fputs(" & ", f);
        if (!rm->have_recipe) {
            fputs("\\problem{?}", f);
            continue;
        }
        const params_counts *c = &rm->counts;
        size_t v = sum ? sum(c) : active ? c->active[part] : c->total[part];
        report_latex_count(f, (long long)v);
    }
    fputs(" \\\\\n", f);
}

static size_t sum_total(const params_counts *c) { return c->n_total; }
static size_t sum_active(const params_counts *c) { return c->n_active; }
static size_t sum_total_ne(const params_counts *c) { return c->n_total_no_embedding; }
static size_t sum_active_ne(const params_counts *c) { return c->n_active_no_embedding; }

void report_tex_params(const report *r, FILE *f)
{
    fputs("\\section{Parameters}\n"
          "Every model's parameters by component, counted from the recipe its runs recorded "
          "(\\texttt{recipe.ini}; the closed forms of \\texttt{model/params.h}) and held equal "
          "to the counts in each run's \\texttt{summary.json}. Convention: ", f);
    report_latex_text(f, PARAMS_CONVENTION);
    fputs(". \\textbf{The router is counted in both the active and the total count.} A dense "
          "model's active count is its total. Each dense model is shown against the MoE count "
          "the width solver matched it to, as its recipe records it (\\texttt{[run] matched}); "
          "the mismatch is (dense $-$ MoE) / MoE.\n\n", f);
    report_latex_model_columns(r, f, "l", "component");
    static const struct {
        params_part part;
        int active;
        const char *label;
    } rows[] = {
        {PARAMS_EMBEDDING, 0, "embedding (wte, tied to the head)"},
        {PARAMS_ATTENTION, 0, "attention (wqkv, wo)"},
        {PARAMS_NORMS, 0, "norms (ln1g, ln2g, lnfg)"},
        {PARAMS_FFN, 0, "dense FFN (w1, w3, w2)"},
        {PARAMS_ROUTER, 0, "router (wr), active and total"},
        {PARAMS_EXPERTS, 0, "experts, stored (total)"},
        {PARAMS_EXPERTS, 1, "experts, active (top-k of them)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        put_count_row(r, f, rows[i].label, rows[i].part, rows[i].active, NULL);
    fputs("\\midrule\n", f);
    put_count_row(r, f, "\\textbf{total}", 0, 0, sum_total);
    put_count_row(r, f, "\\textbf{active}", 0, 0, sum_active);
    put_count_row(r, f, "total without embedding", 0, 0, sum_total_ne);
    put_count_row(r, f, "active without embedding", 0, 0, sum_active_ne);
    fputs("\\midrule\nmatched to", f);
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        fputs(" & ", f);
        if (rm->match_moe >= 0 && rm->have_recipe && !model_config_is_moe(&rm->rec.model))
            report_latex_textf(f, "%s %s", r->models[rm->match_moe].name,
                               rm->match_active ? "active" : "total");
        else
            fputs("--", f);
    }
    fputs(" \\\\\nmismatch", f);
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        fputs(" & ", f);
        if (rm->match_moe >= 0 && rm->have_recipe && !model_config_is_moe(&rm->rec.model))
            fprintf(f, "%+.3f\\%%", 100 * rm->mismatch);
        else
            fputs("--", f);
    }
    fputs(" \\\\\n\\bottomrule\n\\end{tabular}}\n", f);
}

/* ---- figures -------------------------------------------------------------- */

static void put_list(FILE *f, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        fputs(i == 0 ? "" : i == n - 1 ? " and " : ", ", f);
        report_latex_text(f, names[i]);
    }
}

static void put_caption(const report *r, FILE *f, const report_result *res, int kind)
{
    const protocol *p = &res->proto;
    const char *models[PROTOCOL_MAX_MODELS];
    for (int m = 0; m < p->n_models; m++)
        models[m] = p->models[m];
    fputs("\\caption{", f);
    if (res->state == RESULT_STALE)
        fputs("\\problem{STALE result.} ", f);
    if (res->figure_state[kind] == FIGURE_OLDER)
        fputs("\\problem{Figure older than its result.} ", f);
    report_latex_text(f, p->name);
    fprintf(f, ", over seeds ");
    for (int s = 0; s < p->n_seeds; s++)
        fprintf(f, "%s%d", s ? ", " : "", p->seeds[s]);
    fputs(". ", f);
    if (kind == 0) {
        fputs("Validation loss (cross-entropy, nats/token) of ", f);
        put_list(f, models, p->n_models);
        fputs(" at every evaluation step (log scale): the mean over seeds (line) and $\\pm$ 1 "
              "std (band).", f);
    } else if (kind == 1) {
        fputs("The gaps in validation loss at every evaluation step (log scale), paired by "
              "seed: ", f);
        for (int g = 0; g < p->n_gaps; g++) {
            fputs(g ? "; " : "", f);
            report_latex_textf(f, "%s = %s - %s", p->gaps[g].name, p->models[p->gaps[g].a],
                               p->models[p->gaps[g].b]);
        }
        fputs(". Mean (line) $\\pm$ 1 std (band); the dashed line is zero.", f);
    } else {
        fputs("Best validation loss over training of ", f);
        put_list(f, models, p->n_models);
        fputs(": ours, mean $\\pm$ 1 std over seeds (circles, left axis), beside the paper's "
              "where it reports the model (squares, right axis: its corpus and scale differ).",
              f);
    }
    fputs(" Drawn by \\texttt{moegap check} (gnuplot) from ", f);
    report_latex_path(f, report_rel(r, res->figure[kind]));
    fputs(".}\n", f);
}

void report_tex_figures(const report *r, FILE *f)
{
    fputs("\\clearpage\n\\section{Figures}\n", f);
    for (int i = 0; i < r->n_results; i++) {
        const report_result *res = &r->results[i];
        fputs("\\subsection*{", f);
        report_latex_text(f, res->proto.name);
        fputs("}\n", f);
        if (res->state == RESULT_MISSING || res->state == RESULT_UNREADABLE) {
            fprintf(f, "\\problem{%s result: no figures.} ", report_result_state_word(res->state));
            report_latex_wrap(f, res->why);
            fputs("\n", f);
            continue;
        }
        for (int k = 0; k < REPORT_N_FIGURES; k++) {
            if (!res->figure[k][0])
                continue;
            fputs("\\begin{figure}[htbp]\\centering\n", f);
            if (res->figure_state[k] == FIGURE_MISSING) {
                fputs("\\fbox{\\parbox{0.8\\linewidth}{\\centering\\problem{MISSING figure:} ", f);
                report_latex_path(f, report_rel(r, res->figure[k]));
                fputs("}}\n", f);
            } else {
                char name[256];
                report_figure_name(name, sizeof name, res->proto.name, k);
                fprintf(f, "\\includegraphics[width=0.72\\linewidth]{%s}\n", name);
            }
            put_caption(r, f, res, k);
            fputs("\\end{figure}\n", f);
        }
        fputs("\\clearpage\n", f);
    }
}

/* ---- runs ----------------------------------------------------------------- */

void report_tex_runs(const report *r, FILE *f)
{
    fputs("\\section{Runs}\nEvery run the protocols need, from its \\texttt{summary.json}, "
          "\\texttt{metrics.tsv} (evaluation rows) and \\texttt{provenance.json}.\n\n"
          "{\\footnotesize\\setlength{\\tabcolsep}{4pt}\\begin{longtable}{@{}lrlrrrll@{}}\n"
          "\\toprule\nmodel & seed & best val.\\ loss (step) & tokens & wall (s) & evals & "
          "start (UTC) & commit \\\\\n\\midrule\n\\endhead\n", f);
    for (int m = 0; m < r->n_models; m++) {
        const report_model *rm = &r->models[m];
        for (int s = 0; s < rm->n_seeds; s++) {
            const report_run *run = &rm->runs[s];
            report_latex_text(f, rm->name);
            fprintf(f, " & %d & ", run->seed);
            if (run->state != RUN_DONE) {
                fputs("\\multicolumn{6}{@{}P{13cm}@{}}{\\problem{MISSING:} ", f);
                report_latex_wrap(f, run->why);
                fputs("} \\\\\n", f);
                continue;
            }
            fprintf(f, "%.4f (%ld) & ", run->rec.best_val_loss, run->rec.best_step);
            /* older summaries may lack tokens and wall time */
            if (run->rec.tokens >= 0)
                report_latex_count(f, run->rec.tokens);
            else
                fputs("\\problem{?}", f);
            if (isfinite(run->rec.wall_s))
                fprintf(f, " & %.1f", run->rec.wall_s);
            else
                fputs(" & \\problem{?}", f);
            fprintf(f, " & %zu & ", run->rec.evals.n);
            report_latex_text(f, run->prov.start);
            fputs(" & ", f);
            report_latex_textf(f, "%.10s", run->prov.commit);
            fputs(" \\\\\n", f);
        }
    }
    fputs("\\bottomrule\n\\end{longtable}}\n", f);
}

int report_tex(const report *r, FILE *f)
{
    report_tex_title(r, f);
    report_tex_summary(r, f);
    report_tex_params(r, f);
    report_tex_setup(r, f);
    report_tex_methods(r, f);
    report_tex_runs(r, f);
    report_tex_figures(r, f);
    fputs("\\end{document}\n", f);
    return ferror(f) ? error_set(MG_EIO, "report: cannot write the LaTeX source") : MG_OK;
}
