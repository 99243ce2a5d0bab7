#!/usr/bin/env bash
# moegap report on a smoke-tier paper dir (the Brown corpus; 5 models x 3
# seeds of 40 steps, trained once per build folder and reused while the
# binary and recipes stay the same; checks rerun every time). Read back
# with pdftotext: every test row of the claims table holds the numbers of
# its result JSON, the parameter table the counts; the forest plot
# (figures/forest.tsv) has a row per gated gap with its result's mean and
# CI ends, and is the report's first figure; then a changed summary.json,
# a result from before runs_used, a missing result, run and figure are
# each said in the PDF and on stderr; a failed pdflatex leaves no PDF; a
# gnuplot without cairo leaves the forest's numbers and says so; LaTeX's
# special characters in a protocol's text come out as themselves.
# usage: test_report_cli.sh MOEGAP_EXE WORKDIR SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh"
for tool in pdflatex pdftotext /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
cli_setup report_cli "$1" "$2"
src=$3
moegap=$(realpath "$moegap")
cache=$2/report_smoke
protocols=(active_gap total_gap gap_trajectory eight_experts)

# ---- the smoke tier's runs: the paper label's own tests, trained once ------
# (every run, two at a time; the checks are run below, in the deep folder)
source "$src/tests/paper/plan_ctest.sh"
paper_ctest "$cache/ctest" "$moegap" "$src" smoke "$src/protocols" "$cache" ||
  { fail "plan_tests.cmake"; cli_finish report_cli; }
ctest --test-dir "$cache/ctest" -L paper -R '^paper_(data|recipes|train_.*)$' -j 2 --output-on-failure \
  >"$work/train.log" 2>&1 || { tail -30 "$work/train.log"; fail "training"; cli_finish report_cli; }

# the paper dir lies deeper than 150 characters, wherever the build folder
# is: the PDF names files relative to it, so no check here may depend on
# how long the clone's path is (pdftotext wraps long lines)
deep=$work
while ((${#deep} <= 150)); do deep=$deep/a-folder-long-enough-that-the-pdf-must-wrap-its-path; done
paper=$deep/paper
mkdir -p "$paper"
cp -r "$cache/recipes" "$cache/runs" "$paper/"
for p in "${protocols[@]}"; do
  # a verdict other than PASS exits 1 or 77: the result is written all the same
  "$moegap" check --protocol "$src/protocols/$p.ini" --runs "$paper/runs" \
    --reference "$src/reference" --out "$paper/results" >"$work/check-$p.log" 2>&1
  [[ -f $paper/results/$p.json ]] || fail "check $p wrote no result: $(tail -3 "$work/check-$p.log")"
done

report() { "$moegap" report --paper-dir "$paper" --protocols "$src/protocols" --reference "$src/reference" "$@"; }
# the PDF's text as one line: a path broken after '/' rejoined, white space squeezed
flat() {
  pdftotext -layout "$1" - | /usr/bin/python3 -c 'import re, sys
t = re.sub(r"/[ \t]*\n\s*", "/", sys.stdin.read())
print(re.sub(r"\s+", " ", t))'
}

# ---- a fresh paper dir: nothing to say, and the PDF holds the numbers -----
expect 0 "usage: moegap report" "--paper-dir" -- "$moegap" report --help
expect 2 "--paper-dir is required" -- "$moegap" report
expect 1 "nowhere: no such paper dir" -- "$moegap" report --paper-dir "$work/nowhere"
[[ -e $work/nowhere ]] && fail "a missing paper dir was created"
expect 0 "wrote .*/fresh/report.pdf" -- report --out "$work/fresh/report.pdf" --strict
[[ -s $work/fresh/report.pdf && -s $work/fresh/report.tex ]] || fail "no fresh report.pdf and .tex"
ls -a "$work/fresh" | grep -q build && fail "a temporary build folder is left in $work/fresh"

# numbers: every test row as the report formats it, in one line of the
# table; every model's counts on the total and active rows; each verdict
check_numbers() { # PDF RESULTS_DIR
  pdftotext -layout "$1" "$1.txt" || return 1
  /usr/bin/python3 - "$1.txt" "$2" "${protocols[@]}" <<'EOF'
import json, math, re, sys
text, results, names = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(text, encoding="utf-8").read().splitlines()
flat = re.sub(r"\s+", " ", " ".join(lines))
bad = []

def row_with(parts):
    """a line holding every part, in order"""
    for line in lines:
        at = 0
        for p in parts:
            at = line.find(p, at)
            if at < 0:
                break
            at += len(p)
        else:
            return True
    return False

def p_text(p):
    return "n/a" if p is None else "%.3g" % p

for name in names:
    d = json.load(open("%s/%s.json" % (results, name)))
    if not row_with([name + ": verdict " + d["verdict"]]):
        bad.append("%s: no line '%s: verdict %s'" % (name, name, d["verdict"]))
    for gap, g in d["gaps"].items():
        for key, what in (("best_val_loss_gap", "best-loss gap"), ("slope_log_step", "slope on log(step)"),
                          ("final", "gap at the end")):
            if key not in g:
                continue
            t = g[key]
            digits = 5 if key == "slope_log_step" else 4
            parts = [gap, what]
            if key == "best_val_loss_gap" and g["paper"]:
                p = g["paper"]
                parts.append("%.4f ± %.4f (n %d)" % (p["mean"], p["std"], p["n_seeds"]))
            parts += ["%.*f ± %.*f (n %d)" % (digits, t["mean"], digits, t["std"], len(t["per_seed"])),
                      "n/a" if t["t"] is None else "%.2f" % t["t"], p_text(t["p_greater"]),
                      p_text(t["p_less"]), t["verdict"] if t["verdict"] != "-" else "reported"]
            if not row_with(parts):
                bad.append("%s: no row %s" % (name, parts))
            if t["claim"] != "none":
                # the note under the table: the interval and the MDE
                ci = "[%.*f, %.*f]" % (digits, t["ci"][0], digits, t["ci"][1])
                note = ("lies in %s with 95%% confidence" if t["verdict"] == "INCONCLUSIVE" else "95%% CI %s") % ci
                mde = "MDE %.*f (80%% power, n %d)" % (digits, t["mde"], len(t["per_seed"]))
                if note not in flat or mde not in flat:
                    bad.append("%s: gap %s %s: the notes lack '%s' or '%s'" % (name, gap, key, note, mde))
    for model, m in d["models"].items():
        for row, key in (("total", "params_total"), ("active", "params_active")):
            want = "{:,}".format(m[key])
            if not any(re.match(r"\s*%s\s" % row, l) and want in l for l in lines):
                bad.append("%s: %s's %s %s not on the '%s' row" % (name, model, key, want, row))
for b in bad:
    print("report text:", b)
sys.exit(1 if bad else 0)
EOF
}
check_numbers "$work/fresh/report.pdf" "$paper/results" || fail "the fresh report's tables differ from the results"

# the forest plot: a row per gated gap in nats of every result there is
# (the protocols' order: files by name, gaps as listed), each row's mean,
# CI ends, seed count, verdict and paper value those of its result JSON;
# its figures whole; and the report's first figure, in the .tex and in
# the PDF's text
check_forest() { # FOREST_TSV RESULTS_DIR TEX PDF_TEXT
  /usr/bin/python3 - "$1" "$2" "$src/protocols" "$3" "$4" <<'EOF'
import json, math, os, re, sys
tsv, results, protos, tex, text = sys.argv[1:]
bad = []
want = []
for ini in sorted(f for f in os.listdir(protos) if f.endswith(".ini")):
    claim = ini[:-4]
    path = "%s/%s.json" % (results, claim)
    if not os.path.exists(path):
        continue  # missing: not drawn, and the report says so
    d = json.load(open(path))
    for gap in re.findall(r"^\[gap (\w+)\]", open("%s/%s" % (protos, ini)).read(), re.M):
        g = d["gaps"][gap]
        for key, test in (("best_val_loss_gap", "best"), ("final", "final")):
            t = g.get(key)
            if t and t["gate"] and t["claim"] != "none":
                paper = g["paper"] if key == "best_val_loss_gap" and g["paper"] else None
                want.append((claim, gap, test, t, paper))
rows = [l.rstrip("\n").split("\t") for l in open(tsv) if not l.startswith("#")]
if len(rows) != len(want):
    bad.append("%d rows, the results have %d gated gaps in nats" % (len(rows), len(want)))

def same(cell, x):
    if x is None:
        return cell == "NaN"
    return math.isclose(float(cell), x, rel_tol=1e-7, abs_tol=1e-12)

for i, (row, (claim, gap, test, t, paper)) in enumerate(zip(rows, want)):
    where = "row %d (%s / %s, %s)" % (i, claim, gap, test)
    if row[:6] != [str(i), claim, gap, test, t["verdict"], str(len(t["per_seed"]))]:
        bad.append("%s: %s" % (where, row[:6]))
        continue
    for col, name, x in ((6, "mean", t["mean"]), (7, "ci_lo", t["ci"][0]), (8, "ci_hi", t["ci"][1]),
                         (9, "ci_level", t["ci_level"]), (10, "paper_mean", paper and paper["mean"]),
                         (11, "paper_std", paper and paper["std"])):
        if not same(row[col], x):
            bad.append("%s: %s %s, the result says %s" % (where, name, row[col], x))
    if not row[12].startswith("%s / %s" % (claim, gap)) or t["verdict"] not in row[12]:
        bad.append("%s: label '%s'" % (where, row[12]))
folder = os.path.dirname(tsv)
for name, tail in (("forest.pdf", b"%%EOF"), ("forest.png", b"IEND\xaeB`\x82")):
    path = "%s/%s" % (folder, name)
    if not os.path.exists(path) or tail not in open(path, "rb").read()[-32:]:
        bad.append("%s is missing or incomplete" % name)
graphics = re.findall(r"\\includegraphics(?:\[[^]]*\])?\{([^}]*)\}", open(tex).read())
if not graphics or graphics[0] != "fig-forest.pdf":
    bad.append("the first figure of the .tex is %s, not fig-forest.pdf" % (graphics[:1] or "none"))
captions = re.findall(r"Figure (\d+): (\S+ \S+)", open(text).read())
if not captions or captions[0] != ("1", "Forest plot:"):
    bad.append("the PDF's first caption is %s, not 'Figure 1: Forest plot:'" % (captions[:1] or "none"))
for b in bad:
    print("forest plot:", b)
sys.exit(1 if bad else 0)
EOF
}
check_forest "$paper/figures/forest.tsv" "$paper/results" "$work/fresh/report.tex" "$work/fresh/report.pdf.txt" ||
  fail "the forest plot differs from the results"
grep -Eq $'^[0-9]+\tgap_trajectory\ttotal\tfinal\t' "$paper/figures/forest.tsv" ||
  fail "the forest plot lacks the trajectory's gated final gap"
grep -q "slope" "$paper/figures/forest.tsv" && fail "the forest plot draws a slope, in other units than its axis"

# ... and the forest check can fail: a row dropped, a CI end moved, the
# forest not the first figure
mkdir -p "$work/forest"
cp "$paper/figures/forest."{tsv,pdf,png} "$work/forest/"
sed -i 3d "$work/forest/forest.tsv"
check_forest "$work/forest/forest.tsv" "$paper/results" "$work/fresh/report.tex" "$work/fresh/report.pdf.txt" \
  >/dev/null && fail "the forest check accepts a plot with a row dropped"
awk -F'\t' 'BEGIN { OFS = FS } NR == 2 { $9 = $9 + 0.001 } { print }' "$paper/figures/forest.tsv" \
  >"$work/forest/forest.tsv"
check_forest "$work/forest/forest.tsv" "$paper/results" "$work/fresh/report.tex" "$work/fresh/report.pdf.txt" \
  >/dev/null && fail "the forest check accepts a plot with a CI end moved"
grep -v "fig-forest.pdf" "$work/fresh/report.tex" >"$work/forest/report.tex"
check_forest "$paper/figures/forest.tsv" "$paper/results" "$work/forest/report.tex" "$work/fresh/report.pdf.txt" \
  >/dev/null && fail "the forest check accepts a report whose first figure is another"
grep -q "This report is incomplete" "$work/fresh/report.pdf.txt" && fail "the fresh report says it is incomplete"

# ---- the numbers check can fail: a result whose number the PDF lacks ------
cp -r "$paper/results" "$work/altered"
/usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f))
d["gaps"]["total"]["best_val_loss_gap"]["mean"] += 0.0123
json.dump(d, open(f, "w"))' "$work/altered/total_gap.json"
check_numbers "$work/fresh/report.pdf" "$work/altered" >/dev/null &&
  fail "the numbers check accepts a report that lacks a result's number"

# ---- a verdict check never writes: the result is unreadable, not shown ----
cp -p "$paper/results/total_gap.json" "$work/total_gap.json"
/usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f)); d["verdict"] = "MAYBE"
json.dump(d, open(f, "w"))' "$paper/results/total_gap.json"
expect 1 "UNREADABLE result total_gap: results/total_gap.json: verdict: 'MAYBE': expected PASS, CONTRADICTED or INCONCLUSIVE" \
  "exit 1 \(--strict\)" -- report --out "$work/maybe/report.pdf" --strict
cp -p "$work/total_gap.json" "$paper/results/total_gap.json"

# ---- the MoE a dense model stands beside is its recipe's [run] matched ----
# (in a copy: an edited recipe.ini would make the results stale here)
grep -qxF "matched = moe4 active" "$paper/runs/dense_active-s1/recipe.ini" ||
  fail "runs/dense_active-s1/recipe.ini does not record matched = moe4 active"
cp -r "$paper" "$work/nomatch"
sed -i '/^matched = /d' "$work/nomatch/runs/dense_active-s1/recipe.ini"
expect 0 "dense_active: its recipe.ini has no \[run\] matched" \
  -- "$moegap" report --paper-dir "$work/nomatch" --protocols "$src/protocols" --reference "$src/reference" \
  --out "$work/nomatch/report.pdf"
sed -i 's/^\[run\]$/[run]\nmatched = moe9 total/' "$work/nomatch/runs/dense_active-s1/recipe.ini"
expect 0 "dense_active: \[run\] matched = moe9 total, but moe9 is no model of the report" \
  -- "$moegap" report --paper-dir "$work/nomatch" --protocols "$src/protocols" --reference "$src/reference" \
  --out "$work/nomatch/report.pdf"
rm -rf "$work/nomatch"

# ---- stale: a run's summary.json changed since the checks used it --------
printf ' ' >>"$paper/runs/moe8-s2/summary.json"
expect 0 "STALE result eight_experts: runs/moe8-s2/summary.json changed since the check used it" \
  "wrote .*problem" -- report --out "$work/stale/report.pdf"
expect 1 "exit 1 \(--strict\)" -- report --out "$work/stale/report.pdf" --strict
flat "$work/stale/report.pdf" >"$work/stale.txt"
grep -q "This report is incomplete: 1 problem with" "$work/stale.txt" || fail "the stale report does not say so at the top"
grep -Eq "eight_experts: verdict [A-Z]+ STALE: runs/moe8-s2/summary.json changed" "$work/stale.txt" ||
  fail "the claims table does not mark eight_experts stale"
grep -Eq "active_gap: verdict [A-Z]+ [^:]*STALE" "$work/stale.txt" && fail "active_gap is marked stale, and its runs did not change"
grep -Eq $'\teight_experts / total8: [A-Z]+ \\(STALE\\)$' "$paper/figures/forest.tsv" ||
  fail "the forest plot does not mark eight_experts stale"
grep -q "active_gap / active: [A-Z]* (STALE)" "$paper/figures/forest.tsv" && fail "the forest plot marks active_gap stale"

# a result from before runs_used: stale, cannot tell
# (its modification time kept: figures older than their result are news too)
cp -p "$paper/results/active_gap.json" "$work/active_gap.json"
/usr/bin/python3 -c 'import json, sys
f = sys.argv[1]; d = json.load(open(f)); del d["runs_used"]
json.dump(d, open(f, "w"))' "$paper/results/active_gap.json"
touch -r "$work/active_gap.json" "$paper/results/active_gap.json"
# ... a missing result, figure and run
rm "$paper/results/total_gap.json" "$paper/results/gap_trajectory_best.pdf"
rm -r "$paper/runs/dense8_total-s3"
expect 0 "STALE result active_gap: it does not record the runs it used" \
  "MISSING result total_gap: results/total_gap.json does not exist" \
  "MISSING figure results/gap_trajectory_best.pdf" "MISSING run dense8_total seed 3: run folder runs/dense8_total-s3 does not exist" \
  "5 problems" -- report --out "$work/broken/report.pdf"
flat "$work/broken/report.pdf" >"$work/broken.txt"
for want in "This report is incomplete: 5 problems" "active_gap: verdict [A-Z]+ [^:]*STALE: it does not record the runs it used" \
  "total_gap MISSING: results/total_gap.json does not exist" "MISSING figure: results/gap_trajectory_best.pdf" \
  "dense8_total 3 MISSING: run folder runs/dense8_total-s3 does not exist"; do
  grep -Eq "$want" "$work/broken.txt" || fail "the report lacks /$want/"
done
# the forest plot draws what exists and says what it lacks
check_forest "$paper/figures/forest.tsv" "$paper/results" "$work/broken/report.tex" "$work/broken.txt" ||
  fail "the forest plot of a paper dir without total_gap's result differs from the results"
grep -q "Not drawn, their results being unusable: total_gap (MISSING result)" "$work/broken.txt" ||
  fail "the forest plot's caption does not say total_gap's result is missing"
# the paper dir's own path is said once, as an input, and nowhere else
n=$(grep -oF "$paper/" "$work/broken.txt" | wc -l)
((n == 0)) || fail "the report names $n files by their absolute path under the paper dir"

# ---- a failed pdflatex: the errors, the .tex, no PDF ----------------------
mkdir -p "$work/bin"
cat >"$work/bin/pdflatex" <<'EOF'
#!/bin/sh
printf 'This is a stand-in\n! Undefined control sequence.\nl.42 \\oops\n' >report.log
printf '%%PDF-1.5 half' >report.pdf
exit 1
EOF
chmod +x "$work/bin/pdflatex"
expect 1 "report.tex: pdflatex failed: ! Undefined control sequence. \| l.42" -- \
  env PATH="$work/bin:$PATH" "$moegap" report --paper-dir "$paper" --protocols "$src/protocols" \
  --reference "$src/reference" --out "$work/fail/report.pdf"
[[ -e $work/fail/report.pdf ]] && fail "a failed pdflatex left $work/fail/report.pdf"
[[ -s $work/fail/report.tex ]] || fail "a failed pdflatex left no report.tex to look up its lines"
ls -a "$work/fail" | grep -q build && fail "a failed pdflatex left its build folder"

# ---- a gnuplot without cairo: the forest's numbers, no old figures, said --
mkdir -p "$work/nocairo"
printf '#!/bin/sh\necho "unknown or ambiguous terminal type" >&2\nexit 1\n' >"$work/nocairo/gnuplot"
chmod +x "$work/nocairo/gnuplot"
expect 0 "MISSING figure figures/forest.pdf: this gnuplot lacks the pdfcairo/pngcairo terminals" \
  "its numbers are in figures/forest.tsv" -- env PATH="$work/nocairo:$PATH" "$moegap" report \
  --paper-dir "$paper" --protocols "$src/protocols" --reference "$src/reference" --out "$work/nocairo/report.pdf"
[[ -e $paper/figures/forest.pdf || -e $paper/figures/forest.png ]] &&
  fail "old forest figures are left beside numbers drawn without them"
[[ -s $paper/figures/forest.tsv && -s $paper/figures/forest.gp ]] || fail "no forest numbers and script without gnuplot"
flat "$work/nocairo/report.pdf" | grep -q "MISSING figure: this gnuplot lacks the pdfcairo/pngcairo" ||
  fail "the report does not say where the forest plot is missing"

# ---- LaTeX's special characters in a protocol's text ----------------------
mkdir -p "$work/protos"
cp "$src"/protocols/*.ini "$work/protos/"
odd='50% of $x_1$ & #2 {a} ~b ^c \d <e> "f"'
sed -i "s/^text = .*/text = $(sed 's/[&\\/]/\\&/g' <<<"$odd")/" "$work/protos/active_gap.ini"
expect 0 "wrote" -- "$moegap" report --paper-dir "$paper" --protocols "$work/protos" \
  --reference "$src/reference" --out "$work/odd/report.pdf"
pdftotext "$work/odd/report.pdf" "$work/odd.txt"
grep -qF "$odd" "$work/odd.txt" || fail "the protocol's text is not printed as itself: $(grep -F '50%' "$work/odd.txt")"

# bad input: a paper_setup.tsv key the report does not know, by line
# ---- the tier's variance study in the methods, and a damaged one ---------
vref=$work/vref
cp -r "$src/reference" "$vref"
{
  printf '# moegap variance\ntier\tsmoke\nsteps\t7\ninit_seeds\t1,2,3\ndata_seeds\t4,5,6\n'
  printf 'quantity\tmean\tvar_total\tvar_init\tvar_data\tvar_inter\tshare_init\tshare_data\tshare_inter\tms_init\tms_data\tms_inter\n'
  printf 'moe4\t5.4321\t0.0004\t0.0001\t0.0002\t0.0001\t0.25\t0.5\t0.25\t1\t1\t1\n'
} >"$vref/variance-smoke.tsv"
expect 0 "wrote" -- "$moegap" report --paper-dir "$paper" --protocols "$src/protocols" \
  --reference "$vref" --out "$work/var/report.pdf"
flat "$work/var/report.pdf" | grep -qE "initialisation seeds 1, 2, 3 by data-order seeds 4, 5, 6 .* every run 7 steps long\. .* This report.s runs are [0-9]+ steps long: the study measured another design of the tier\. .* moe4 5\.4321 0\.0200 25% 50% 25%" ||
  fail "the methods do not show the variance study's row: $(flat "$work/var/report.pdf" | grep -o 'Where the variance.\{0,300\}')"
sed -i 's/\t0\.25\t0\.5\t/\t1.25\t0.5\t/' "$vref/variance-smoke.tsv"
expect 0 "variance-smoke.tsv:7: share_init: 1.25 is out of range" -- "$moegap" report \
  --paper-dir "$paper" --protocols "$src/protocols" --reference "$vref" --out "$work/var/report.pdf"
flat "$work/var/report.pdf" | grep -q "The variance study could not be read" ||
  fail "the report does not say the variance study is damaged"

ref=$work/ref
cp -r "$src/reference" "$ref"
sed -i 's/\tmodel\.d_model\t/\tmodel.width\t/' "$ref/paper_setup.tsv"
expect 1 "paper_setup.tsv:[0-9]+: ours: 'model.width' is neither" -- "$moegap" report \
  --paper-dir "$paper" --reference "$ref" --out "$work/bad/report.pdf"

cli_finish report_cli
