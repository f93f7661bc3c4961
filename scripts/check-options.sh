#!/usr/bin/env bash
# Every socket and context option libzmq 4.3.5 accepts has exactly one row in
# docs/options.tsv, saying how ours handles it and which tests show it:
#   libzmq               behaves as libzmq's (a test of the behaviour)
#   as-built-without     refused as a libzmq built without that feature
#   as-libzmq-no-effect  stored without effect, as libzmq does here (the note
#                        cites the libzmq source line)
#   open                 not yet right in ours (the note names the issue)
# The option list is derived from libzmq's source (the `case ZMQ_...:` and
# `option_ == ZMQ_...` tests in its setsockopt/getsockopt and ctx set/get
# functions), so a new libzmq version's options are noticed, and so is
# whether each can be set, read, or both.
# Checks: one row per option and kind; known states; `open` rows name an
# issue; every cited capi test file exists, defines the cited function and
# mentions the option; every cited libzmq test (libzmq:<name>) exists in the
# source's tests/ and mentions the option; README.md's table (between the
# options-table marker comments) is the one `--readme` prints.
#   scripts/check-options.sh            run the checks; prints N passed, N failed
#   scripts/check-options.sh --readme   print the README table
set -u
cd "$(dirname "$0")/.."
MODE=${1:-check}
if [ "$MODE" = --readme ]; then
    SRC=
else
    { read -r _LIB; read -r _INC; read -r SRC; } < <(scripts/libzmq-ref.sh) \
        || { echo "check-options: scripts/libzmq-ref.sh failed"; echo "0 passed, 1 failed"; exit 1; }
fi
exec python3 - "$MODE" "$SRC" <<'PY'
import os, re, sys

mode, src = sys.argv[1], sys.argv[2]
TSV = "docs/options.tsv"
STATES = ("libzmq", "as-built-without", "as-libzmq-no-effect", "open")
BEGIN, END = "<!-- options-table: begin -->", "<!-- options-table: end -->"

def load_rows():
    rows = []
    with open(TSV) as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    header = lines[0].split("\t")
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        cells += [""] * (len(header) - len(cells))
        rows.append(dict(zip(header, cells), line=n))
    return rows

def readme_table(rows):
    out = ["| Option | Kind | State | Tested by | Note |", "|---|---|---|---|---|"]
    for r in rows:
        tests = ", ".join("`%s`" % t for t in r["tests"].split())
        out.append("| %s | %s | %s | %s | %s |" % (
            r["name"], r["kind"], r["state"], tests, r["note"].replace("|", "\\|")))
    return "\n".join(out)

rows = load_rows()
if mode == "--readme":
    print(readme_table(rows))
    sys.exit(0)

# The options libzmq handles, and whether it sets and/or gets each.
SOCKET_TYPES = set("PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB STREAM "
                   "SERVER CLIENT RADIO DISH GATHER SCATTER DGRAM PEER CHANNEL".split())
derived = {}  # (name, "socket"|"context") -> set of "set"/"get"
fn_re = re.compile(r"^int zmq::(\w+)::(x?setsockopt|x?getsockopt|set|get) \(int option_")
for fname in sorted(os.listdir(os.path.join(src, "src"))):
    if not fname.endswith(".cpp"):
        continue
    where = "context" if fname == "ctx.cpp" else "socket"
    cur = None
    for line in open(os.path.join(src, "src", fname), errors="replace"):
        m = fn_re.match(line)
        if m:
            cur = "set" if "set" in m.group(2) else "get"
            continue
        if cur and line.startswith("}"):
            cur = None
        if not cur:
            continue
        for name in re.findall(r"(?:case |option_ [!=]= )ZMQ_([A-Z0-9_]+)", line):
            if name in SOCKET_TYPES:
                continue
            derived.setdefault(("ZMQ_" + name, where), set()).add(cur)

passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)

def kind_of(where, how):
    return where if how == {"set", "get"} else where + "-" + next(iter(how))

check(len(derived) > 100, "derived %d options from %s (expected over 100)" % (len(derived), src))
seen = {}
for r in rows:
    key = (r["name"], r["kind"].split("-")[0])
    seen.setdefault(key, []).append(r)
for key, how in sorted(derived.items()):
    got = seen.get(key, [])
    check(len(got) == 1, "%s (%s): %d rows in %s, want exactly 1" % (key[0], key[1], len(got), TSV))
    if len(got) == 1:
        want = kind_of(key[1], how)
        check(got[0]["kind"] == want, "%s: kind %s, libzmq's source says %s" % (key[0], got[0]["kind"], want))
for key in seen:
    check(key in derived, "%s (%s): a row for an option libzmq does not handle" % key)

file_cache = {}
def text(path):
    if path not in file_cache:
        file_cache[path] = open(path, errors="replace").read() if os.path.isfile(path) else None
    return file_cache[path]

for r in rows:
    where = "%s:%d %s" % (TSV, r["line"], r["name"])
    check(r["state"] in STATES, "%s: unknown state %r" % (where, r["state"]))
    if r["state"] == "open":
        check(re.search(r"\bissue \d+", r["note"]) is not None, "%s: an open row names no issue" % where)
    if r["state"] == "as-libzmq-no-effect":
        check(re.search(r"\.cpp:\d+", r["note"]) is not None,
              "%s: no libzmq source line as evidence in the note" % where)
    tests = r["tests"].split()
    check(len(tests) > 0, "%s: no test cited" % where)
    word = re.compile(r"\b%s\b" % re.escape(r["name"]))
    for t in tests:
        if t.startswith("libzmq:"):
            body = text(os.path.join(src, "tests", t[len("libzmq:"):] + ".cpp"))
            check(body is not None, "%s: %s: no such test in %s/tests" % (where, t, src))
            if body is not None:
                check(word.search(body) is not None, "%s: %s does not mention %s" % (where, t, r["name"]))
            continue
        path, _, func = t.partition(":")
        body = text(os.path.join("capi-tests", path))
        check(body is not None and func != "", "%s: %s: no file capi-tests/%s or no function" % (where, t, path))
        if body is None or not func:
            continue
        defined = re.search(r"^[A-Za-z_][\w \*]*\b%s\s*\(" % re.escape(func), body, re.M)
        check(defined is not None, "%s: %s: capi-tests/%s defines no %s" % (where, t, path, func))
        check(word.search(body) is not None, "%s: capi-tests/%s does not mention %s" % (where, path, r["name"]))

readme = open("README.md").read()
m = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), readme, re.S)
check(m is not None, "README.md has no options table between %s and %s" % (BEGIN, END))
if m:
    check(m.group(1).strip() == readme_table(rows).strip(),
          "README.md's options table differs from scripts/check-options.sh --readme")

counts = {}
for r in rows:
    counts[r["state"]] = counts.get(r["state"], 0) + 1
print("options: %d rows (%s)" % (len(rows), ", ".join("%s %d" % (s, counts.get(s, 0)) for s in STATES)))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
