#!/usr/bin/env python3
"""Rewrite the identifier sections of man/dumpscan-json.5 (NOTE CODES through
TRUST LEVELS, up to .SH FILES) from doc/identifiers.txt.
Usage: python3 tools/identifiers_man.py [SOURCE_DIR]
tests/check_identifiers.py fails until the page matches the list."""
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
rows = {}
with open(os.path.join(root, "doc/identifiers.txt"), encoding="utf-8") as f:
    for line in f:
        if not line.strip() or line.startswith("#"):
            continue
        head, _, meaning = line.partition("|")
        w = head.split()
        rows.setdefault(w[0], []).append((w[1], w[2] if len(w) > 2 else None, meaning.strip()))


def roff(text):
    return text.replace("\\", "\\\\").replace("-", "\\-")


def section(title, intro, kind, with_severity=False):
    out = [f".SH {title}", '.\\" Generated from doc/identifiers.txt by tools/identifiers_man.py.']
    out += intro
    for ident, sev, meaning in rows.get(kind, []):
        out += [".TP", f"\\fB{ident}\\fR ({sev})" if with_severity else f"\\fB{ident}\\fR",
                roff(meaning)]
    return out


text = []
text += section("NOTE CODES", ["Every integrity note has a stable \\fBcode\\fR (its \\fBtext\\fR "
                               "may change),", "emitted with the severity that follows it."],
                "note", True)
text += section("PARAMETER ROLES", ["The \\fBrole\\fR of a bug-check parameter:"], "role")
text += section("CLASSES", ["The \\fBclass\\fR of a crash in the verdict: the first twelve for",
                            "kernel bug checks, the rest for application crashes."], "class")
text += section("TRUST LEVELS", ["How a stack frame was found (its \\fBtrust\\fR):"], "trust")

path = os.path.join(root, "man/dumpscan-json.5")
with open(path, encoding="utf-8") as f:
    page = f.read()
start, end = page.index(".SH NOTE CODES"), page.index(".SH FILES")
with open(path, "w", encoding="utf-8") as f:
    f.write(page[:start] + "\n".join(text) + "\n" + page[end:])
