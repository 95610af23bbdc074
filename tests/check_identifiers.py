#!/usr/bin/env python3
"""doc/identifiers.txt is the one list of dumpscan's stable identifiers.
Check it both ways against the source, the vocabularies, the JSON schema and
the JSON man page; print every difference and exit 1 if there is any.
Usage: check_identifiers.py SOURCE_DIR"""
import glob
import json
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
problems = []


def read(rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def compare(what, listed, found, where):
    for x in sorted(found - listed):
        problems.append(f"{what} '{x}' is used in {where} but not listed in doc/identifiers.txt")
    for x in sorted(listed - found):
        problems.append(f"{what} '{x}' is listed in doc/identifiers.txt but not in {where}")


# the table
table = {}
severity_of = {}
for n, line in enumerate(read("doc/identifiers.txt").splitlines(), 1):
    if not line.strip() or line.startswith("#"):
        continue
    head, sep, meaning = line.partition("|")
    words = head.split()
    if not sep or not meaning.strip() or len(words) < 2:
        problems.append(f"doc/identifiers.txt:{n}: expected '<kind> <id> [severity] | meaning'")
        continue
    kind, ident = words[0], words[1]
    if ident in table.setdefault(kind, set()):
        problems.append(f"doc/identifiers.txt:{n}: {kind} '{ident}' listed twice")
    table[kind].add(ident)
    if kind == "note":
        if len(words) != 3 or words[2] not in ("info", "warning", "damage"):
            problems.append(f"doc/identifiers.txt:{n}: note '{ident}' needs a severity")
        else:
            severity_of[ident] = words[2]

# note codes emitted by the source: ds_note_add(c, DS_<SEV>, "code", ...) and
# the readers' NOTE()/MD_NOTE() wrappers all put the severity right before it.
emitted = {}
for path in glob.glob(os.path.join(root, "src", "**", "*.c"), recursive=True):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r'DS_(DAMAGE|WARNING|INFO)\s*,\s*"([a-z0-9_]+)"', text):
        sev, code = m.group(1).lower(), m.group(2)
        emitted.setdefault(code, set()).add(sev)
        if code in severity_of and severity_of[code] != sev:
            problems.append(f"note '{code}' is emitted as {sev} in "
                            f"{os.path.relpath(path, root)} but listed as {severity_of[code]}")
compare("note", table.get("note", set()), set(emitted), "src/")

# classes and roles: the X-macro vocabularies, plus the application classes
vocab = read("src/analysis/bugcodes_vocab.h")
def xlist(name):
    body = vocab.split(f"#define {name}(X)", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r'X\(\w+,\s*"([a-z_]+)"\)', body))
app_classes = set()
for line in read("bugcodes/exceptions.txt").splitlines():
    if line and not line.startswith("#"):
        parts = line.split("|", 1)[0].split()
        if len(parts) >= 4:
            app_classes.add(parts[3])
compare("class", table.get("class", set()), xlist("DS_CRASH_CLASS_LIST") | app_classes,
        "bugcodes_vocab.h / exceptions.txt")
compare("role", table.get("role", set()), xlist("DS_PARAM_ROLE_LIST"), "bugcodes_vocab.h")

# trust levels: the DS_TRUST_* enum of the public header
header = read("include/dumpscan/dumpscan.h")
trust = {m.lower() for m in re.findall(r"\bDS_TRUST_([A-Z_]+)\b", header)}
compare("trust", table.get("trust", set()), trust, "dumpscan.h (DS_TRUST_*)")

# the JSON schema's enums
schema = json.loads(read("schema/dumpscan-report.schema.json"))
def enums_named(node, key, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, dict) and "enum" in v:
                out.update(x for x in v["enum"] if x is not None)
            enums_named(v, key, out)
    elif isinstance(node, list):
        for v in node:
            enums_named(v, key, out)
    return out
for kind, key in (("trust", "trust"), ("class", "class"), ("role", "role"),
                  ("severity", "severity")):
    compare(kind, table.get(kind, set()), enums_named(schema, key, set()),
            f"the schema's '{key}' enums")

# the man page lists exactly the notes, and names every other identifier
# roff: drop comment lines and font escapes (\fB...\fR) before reading words
man = "\n".join(l for l in read("man/dumpscan-json.5").splitlines() if not l.startswith('.\\"'))
man = re.sub(r"\\f[BIRP]", " ", man)
section = man.split(".SH NOTE CODES", 1)
if len(section) < 2:
    problems.append("man/dumpscan-json.5 has no NOTE CODES section")
else:
    body = section[1].split("\n.SH", 1)[0]
    # each code is the first word of the line after a .TP
    listed = set(re.findall(r"^\.TP\n\s*([a-z0-9_]+)", body, re.M))
    compare("note", table.get("note", set()), listed, "man/dumpscan-json.5 NOTE CODES")
for kind in ("class", "trust", "role"):
    for ident in sorted(table.get(kind, set())):
        if not re.search(r"\b" + re.escape(ident) + r"\b", man):
            problems.append(f"{kind} '{ident}' is not mentioned in man/dumpscan-json.5")

for p in problems:
    print(p)
if problems:
    print("(after editing doc/identifiers.txt, python3 tools/identifiers_man.py rewrites "
          "the man page's lists)")
counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(table.items()))
print(f"identifiers: {counts}; {len(problems)} problems")
sys.exit(1 if problems else 0)
