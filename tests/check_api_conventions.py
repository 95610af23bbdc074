#!/usr/bin/env python3
"""The public header keeps its own rule for optional values.

include/dumpscan/dumpscan.h says, in its first comment, how a fact that a dump
may not give is said to be unknown: a ds_u64/ds_i64 for numbers, NULL for
strings, `has_<group>` before a group, an enumeration's 0 member. This check
reads every struct of the header and fails on what that rule excludes:

  - a member of type int (a signed number is where -1 sentinels live);
  - a fixed-size char array (an "" sentinel) outside the value types;
  - a flag named `present` (groups are announced by `has_<group>`);
  - a `has_X` flag with neither a member named X (or X_...) nor a comment, on
    its line or just above it, that says which members it governs;
  - a comment that describes a sentinel ("0 if unknown", "-1 when ...",
    "\"\" if unknown", "or \"\"").

Usage: check_api_conventions.py HEADER      (exit 1 with a list of findings)
       check_api_conventions.py --self-test (the check finds planted faults)
"""
import re
import sys

# Value types: copied freely, self-contained, every member always meaningful.
VALUE_TYPES = {"ds_error", "ds_codeview", "ds_context", "ds_u64", "ds_i64"}

# Options the caller fills: their zero value is their default by design.
OPTION_TYPES = {"ds_open_options", "ds_html_options"}

# Members allowed to be int, with the reason (none of them can be unknown).
INT_OK = {
    ("ds_suspect", "score"): "an evidence weight, always computed",
}

# A comment that gives 0 a meaning ("0 for minidumps", "0: none", "(size 0")
# is a sentinel unless it says the field is raw or an enumeration.
ZERO_MEANS = re.compile(r'\b0 (for|means|is|when|if)\b|(?<!frame )\b0:|\(0\)|size 0\b|-1\b')
ZERO_OK = re.compile(r'\braw\b|enumeration', re.I)

SENTINEL_COMMENT = re.compile(
    r'\b0 (if|when) (unknown|none)\b|-1 (if|when|unknown)|"" (if|when)|or ""'
    r'|\bnever NULL \(""', re.I)


def structs(text):
    """(name, body) of every `typedef struct NAME { ... } NAME;`."""
    for m in re.finditer(r"typedef struct (\w+) \{(.*?)\n\} \1;", text, re.S):
        yield m.group(1), m.group(2)


def members(body):
    """(line, declaration without comment, comment, comment line above) per
    member line."""
    above = ""
    for line in body.split("\n"):
        code, _, comment = line.partition("/*")
        code = code.strip()
        if code.endswith(";"):
            yield line, code, comment, above
            above = ""
        elif line.strip().startswith(("/*", "*")):
            above = line
        else:
            above = ""


def check(text):
    found = []
    for name, body in structs(text):
        decls = list(members(body))
        names = []
        for _, code, _, _ in decls:
            # "char *a, *b;" declares two members; arrays keep their size.
            typ = re.match(r"(?:const\s+)?[\w]+(?:\s*\*)*", code)
            rest = code[typ.end():] if typ else code
            for part in rest.rstrip(";").split(","):
                n = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", part.strip())
                if n:
                    names.append(n.group(1))
        for line, code, comment, above in decls:
            where = f"{name}: {code}"
            if re.match(r"int\s+\w", code) and not any(
                    (name, m) in INT_OK for m in re.findall(r"\w+", code)):
                found.append(f"{where}: an int member (use ds_u64 when it may be unknown)")
            if re.match(r"(const\s+)?char\s+\w+\s*\[", code) and name not in VALUE_TYPES:
                found.append(f"{where}: a fixed char array (a string is a pointer, NULL when unknown)")
            if re.match(r"bool\s+present\b", code):
                found.append(f"{where}: `present` (announce a group with has_<group>)")
            if ZERO_MEANS.search(comment) and not ZERO_OK.search(comment) \
                    and name not in OPTION_TYPES \
                    and not SENTINEL_COMMENT.search(comment):
                found.append(f"{where}: the comment gives 0 a meaning (say raw, or use ds_u64): "
                             f"{comment.strip()}")
            if SENTINEL_COMMENT.search(comment):
                found.append(f"{where}: the comment describes a sentinel: {comment.strip()}")
            h = re.match(r"bool\s+has_(\w+)\s*;", code)
            if h and not comment.strip() and not above.strip() and not any(
                    n == h.group(1) or n.startswith(h.group(1) + "_") for n in names):
                found.append(f"{where}: has_{h.group(1)} governs no member {h.group(1)} "
                             "and no comment says what it governs")
    return found


SELF_TEST = """
typedef struct ds_good {
    ds_u64 cpus;       /* known or not */
    bool has_context;
    ds_context context;
    char *name;        /* NULL if unknown */
} ds_good;
typedef struct ds_bad {
    int crashing_cpu;  /* index */
    char lab[96];
    bool present;
    uint32_t tid;      /* 0 if unknown */
    uint32_t count;    /* 0 for minidumps */
    bool has_widget;
    char *path;        /* never NULL ("" if unknown) */
} ds_bad;
typedef struct ds_suspect {
    int score;
} ds_suspect;
"""


def main(argv):
    if argv[1:] == ["--self-test"]:
        got = check(SELF_TEST)
        want = ["int member", "fixed char array", "`present`", "0 if unknown",
                "governs no member widget", 'never NULL ("" if unknown)',
                "gives 0 a meaning"]
        bad = [w for w in want if not any(w in g for g in got)]
        good = [g for g in got if g.startswith("ds_good") or g.startswith("ds_suspect")]
        if bad or good or len(got) != len(want):
            print("self-test failed: missed", bad, "wrongly flagged", good, "all", got)
            return 1
        print(f"self-test: {len(got)} planted faults found, none in the good structs")
        return 0
    if len(argv) != 2:
        print(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        found = check(f.read())
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} member(s) break the optional-value rule of {argv[1]}")
        return 1
    print("every struct member follows the optional-value rule")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
