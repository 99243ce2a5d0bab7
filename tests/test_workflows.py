"""The GitHub workflows (.github/workflows/) cannot run here, so they hold
nothing but calls of scripts that are tested here: this reads them and
checks that every step is a checkout, an artifact upload, or `bash ci/...`
calls of scripts that exist with options those scripts take; that the
nightly workflow is scheduled and runs ci/nightly, uploading what it
writes; and that the test workflow runs the unit tests on every push.
It then breaks a copy (a misnamed script, a lost trigger) and requires the
checker to say so, so the checks cannot pass vacuously.

usage: /usr/bin/python3 tests/test_workflows.py SOURCE_DIR
"""
import copy
import os
import re
import sys

import yaml

ALLOWED_ACTIONS = ("actions/checkout@", "actions/upload-artifact@")
CALL = re.compile(r"^bash (ci/[A-Za-z0-9_.-]+)((?: --?[A-Za-z0-9-]+)*)$")
PAPER_DIR = "build/release/paper-ci"


def triggers(doc):
    # YAML 1.1 reads the key `on` as true
    t = doc.get("on", doc.get(True))
    return t if isinstance(t, dict) else {k: None for k in (t if isinstance(t, list) else [t])}


def steps(doc):
    for job_name, job in (doc.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            yield f"jobs.{job_name}.steps[{i}]", step


def check_calls(name, doc, src):
    """Problems with the steps of one workflow; the scripts it calls."""
    problems, calls = [], []
    for where, step in steps(doc):
        if "uses" in step:
            if not step["uses"].startswith(ALLOWED_ACTIONS):
                problems.append(f"{name}: {where}: uses {step['uses']}, not one of {ALLOWED_ACTIONS}")
            continue
        lines = [l.strip() for l in str(step.get("run", "")).splitlines()]
        lines = [l for l in lines if l and not l.startswith("#")]
        if not lines:
            problems.append(f"{name}: {where}: neither uses nor run")
        for line in lines:
            m = CALL.match(line)
            if not m:
                problems.append(f"{name}: {where}: '{line}' is not a plain 'bash ci/SCRIPT [--option ...]'")
                continue
            script, options = m.group(1), m.group(2).split()
            path = os.path.join(src, script)
            if not os.path.isfile(path):
                problems.append(f"{name}: {where}: {script} does not exist")
                continue
            text = open(path, encoding="utf-8").read()
            for opt in options:
                if not re.search(re.escape(opt) + r"\b", text):
                    problems.append(f"{name}: {where}: {script} takes no option {opt}")
            calls.append(line)
    return problems, calls


def check_nightly(doc, src):
    problems, calls = check_calls("nightly.yml", doc, src)
    t = triggers(doc)
    sched = t.get("schedule")
    if not (isinstance(sched, list) and sched and all("cron" in s for s in sched)):
        problems.append("nightly.yml: on.schedule: no cron schedule")
    for want in ("bash ci/install-deps.sh", "bash ci/nightly"):
        if want not in calls:
            problems.append(f"nightly.yml: no step runs '{want}'")
    uploads = [s for _, s in steps(doc) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    if not uploads:
        problems.append("nightly.yml: no artifact upload")
    paths = "\n".join(str((s.get("with") or {}).get("path", "")) for s in uploads)
    for want in ("results/", "runs/*/summary.json", "runs/*/metrics.tsv", "runs/*/provenance.json",
                 "report.pdf", "nightly.txt"):
        if f"{PAPER_DIR}/{want}" not in paths:
            problems.append(f"nightly.yml: the artifacts lack {PAPER_DIR}/{want}")
    if any(s.get("if") != "always()" for s in uploads):
        problems.append("nightly.yml: the upload must run when the comparison fails (if: always())")
    # the artifact paths are where ci/nightly writes by default
    nightly = os.path.join(src, "ci/nightly")
    if os.path.isfile(nightly) and f"paper_dir={PAPER_DIR}\n" not in open(nightly, encoding="utf-8").read():
        problems.append(f"ci/nightly: its default paper folder is not {PAPER_DIR}")
    return problems


def check_test(doc, src):
    problems, calls = check_calls("test.yml", doc, src)
    if "push" not in triggers(doc):
        problems.append("test.yml: on.push: no push trigger")
    if "bash ci/test.sh --unit-only" not in calls:
        problems.append("test.yml: no step runs 'bash ci/test.sh --unit-only'")
    return problems


def main():
    src = sys.argv[1]
    wf = os.path.join(src, ".github", "workflows")
    nightly = yaml.safe_load(open(os.path.join(wf, "nightly.yml"), encoding="utf-8"))
    test = yaml.safe_load(open(os.path.join(wf, "test.yml"), encoding="utf-8"))
    problems = check_nightly(nightly, src) + check_test(test, src)
    for p in problems:
        print("FAIL:", p)

    # the checker itself: each breakage must be reported, naming what broke
    def broken(doc, old, new):
        d = copy.deepcopy(doc)
        for _, s in steps(d):
            if "run" in s:
                s["run"] = s["run"].replace(old, new)
        return d

    selfchecks = [
        ("a misnamed script", check_nightly(broken(nightly, "ci/nightly", "ci/nightlyy"), src), "ci/nightlyy does not exist"),
        ("an unknown option", check_test(broken(test, "--unit-only", "--unit-onyl"), src), "takes no option --unit-onyl"),
        ("an inline command", check_test(broken(test, "bash ci/test.sh --unit-only", "make test"), src), "'make test' is not"),
        ("no schedule", check_nightly({**nightly, "on": {"workflow_dispatch": None}, True: None}, src), "no cron schedule"),
        ("no push trigger", check_test({**test, "on": {"pull_request": None}, True: None}, src), "no push trigger"),
    ]
    for what, found, want in selfchecks:
        if not any(want in p for p in found):
            print(f"FAIL: the checker misses {what}: wanted '{want}', got {found}")
            problems.append(what)
        else:
            print(f"ok: the checker catches {what}")
    if problems:
        print(f"test_workflows: FAIL ({len(problems)})")
        return 1
    print("test_workflows: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
