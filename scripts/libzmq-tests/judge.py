"""Verdict of scripts/libzmq-tests.sh: a table per test set, a summary per
library, then "N passed, N failed" (ours judged against the references).

argv: results reruns known-failures filter lib=label...
  results  lines "set lib test status seconds rc" (status: pass fail timeout
           skip build nocap), the final run of each; logs in <dir>/<set>/<lib>/<test>/log
  reruns   lines "set lib test timeout": tests whose first run failed
"""
import os
import re
import sys

results_path, reruns_path, known_path, filt = sys.argv[1:5]
labels = dict(a.split("=", 1) for a in sys.argv[5:])
run_dir = os.path.dirname(results_path)
OURS = "ours"

res = {}  # (set, lib, test) -> status
for line in open(results_path):
    s, lib, test, status = line.split()[:4]
    res[s, lib, test] = status
rerun = {tuple(line.split()[:3]) for line in open(reruns_path) if line.strip()}

known = {}
for line in open(known_path):
    line = line.strip()
    if line and not line.startswith("#"):
        name, why = (line.split(None, 1) + [""])[:2]
        known[name] = why
open_known = {n: w for n, w in known.items() if not w.startswith("cannot run here")}

CELL = {"pass": "pass", "fail": "FAIL", "timeout": "TIMEOUT", "skip": "skip",
        "build": "NO-BUILD", "nocap": "no-cap"}


def cell(s, lib, test):
    st = res.get((s, lib, test))
    if st is None:
        return "-"
    if st == "pass" and (s, lib, test) in rerun:
        return "flaky"
    return CELL[st]


def ok(s, lib, test):
    return res.get((s, lib, test)) == "pass"


def fail_lines(s, lib, test, limit=3):
    """Unity's "file:line:test:FAIL: message" lines, else the log's tail."""
    try:
        log = open(os.path.join(run_dir, s, lib, test, "log"), errors="replace").read()
    except OSError:
        return []
    lines = log.splitlines()
    hits = [l for l in lines if ":FAIL" in l]
    return (hits or lines[-limit:])[:limit]


passed = failed = 0
excused, ours_passed = set(), set()
sets = sorted({k[0] for k in res}, key=lambda s: (s != "stable", s))
problems = []
for s in sets:
    libs = [l for l in labels if any(k[0] == s and k[1] == l for k in res)]
    tests = sorted({k[2] for k in res if k[0] == s})
    print(f"\n== {s} set: {len(tests)} tests ==")
    print(f"{'test':34}" + "".join(f"{labels[l]:>11}" for l in libs) + "  verdict")
    for test in tests:
        ref_pass = [l for l in libs if l != OURS and ok(s, l, test)]
        verdict = ""
        if ok(s, OURS, test):
            passed += 1
            ours_passed.add(test)
        elif ref_pass and (s, OURS, test) in res:  # (not in ours' list: n/a)
            if test in open_known:
                excused.add(test)
                verdict = "known: " + open_known[test]
            else:
                failed += 1
                verdict = "FAIL: passes on " + ", ".join(labels[l] for l in ref_pass)
                problems.append((s, test, verdict))
        elif res.get((s, OURS, test)) in ("fail", "timeout", "build"):
            verdict = "(no reference passes it)"
        print(f"{test:34}" + "".join(f"{cell(s, l, test):>11}" for l in libs)
              + ("  " + verdict if verdict else ""))

# Entries of the known-failures file that excused nothing.
for name, why in sorted(open_known.items()):
    if name in excused or why.startswith("intermittent"):
        continue
    if name in ours_passed:
        failed += 1
        problems.append(("-", name, "now passes: remove it from libzmq-known-failures.txt"))
    elif not filt and not any(k[2] == name for k in res):
        failed += 1
        problems.append(("-", name, "listed in libzmq-known-failures.txt but not run"))

# README.md's "libzmq's test suite" section names exactly the tests ours is
# known to fail (the "cannot run here" ones aside), so it cannot drift from
# the list this run was judged by.
readme = os.path.join(os.path.dirname(os.path.abspath(known_path)), "..", "README.md")
if not filt and os.path.exists(readme):
    text = open(readme).read()
    start = text.find("\n## libzmq's test suite")
    section = text[start:text.find("\n## ", start + 1)] if start >= 0 else ""
    named = set(re.findall(r"^- `(test_[a-z0-9_]+)`", section, re.M))
    listed = {n for n, why in open_known.items() if not why.startswith("cannot run here")}
    for name in sorted(listed - named):
        failed += 1
        problems.append(("-", name, "known to fail but README.md's libzmq test suite section does not say so"))
    for name in sorted(named - listed):
        failed += 1
        problems.append(("-", name, "README.md's libzmq test suite section lists it, libzmq-known-failures.txt does not"))

print()
for s, test, verdict in problems:
    print(f"FAIL [{s}] {test}: {verdict}")
    if s != "-":
        for l in fail_lines(s, OURS, test):
            print("    " + l)
for s in sets:
    for test in sorted({k[2] for k in res if k[0] == s and k[1] == OURS}):
        if test in excused and not ok(s, OURS, test):
            first = (fail_lines(s, OURS, test, 1) or [cell(s, OURS, test)])[0]
            print(f"known [{s}] {test}: {first.strip()[:160]}")

print()
for s in sets:
    for lib in labels:
        sts = [v for k, v in res.items() if k[0] == s and k[1] == lib]
        if not sts:
            continue
        flaky = sum(1 for k, v in res.items()
                    if k[0] == s and k[1] == lib and v == "pass" and k in rerun)
        n = {st: sts.count(st) for st in CELL}
        print(f"libzmq-tests {s} set on {labels[lib]}: {n['pass']} passed"
              f" ({flaky} on a rerun), {n['fail'] + n['timeout']} failed"
              f" ({n['timeout']} timed out), {n['skip']} skipped, {n['build']} not built,"
              f" {n['nocap']} lacking the capability,"
              f" of {len(sts)}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
