#!/usr/bin/env python3
"""Comments and documents cite the project's own doc/ folder, and every
citation can be followed:

  - no file cites formats.md / anchors.md / a reference/ folder other than
    as doc/<file> (those outside the repository are for development only);
  - every doc/<file> named exists;
  - every "doc/<file>.md N.M" (also "N.M-N.P" and "N.M, N.P" lists) names a
    numbered section of that file ("## N." / "### N.M" headings);
  - inside doc/formats.md, "(N.M)" and "see N.M" point to existing sections;
  - paths of this tree that doc/ pages name (src/mem/context.c, ...) exist, so
    a page does not outlive a file's move. A path whose folder is not ours
    (Breakpad's src/processor/...) is another project's and is left alone.

Prints every problem and exits 1 if there is any.
Usage: check_docs.py SOURCE_DIR | check_docs.py --self-test"""
import os
import re
import sys

# Where citations are looked for. doc/ itself is included: its pages cite
# each other.
SCAN = ["src", "include", "tests", "testdata", "fuzz", "bench", "man", "doc",
        "scripts", "cmake", "schema", "tools", "README.md", "CMakeLists.txt"]
TEXT_EXT = (".c", ".h", ".py", ".sh", ".cmake", ".txt", ".md", ".1", ".5",
            ".json", ".in", ".spec")
SELF = os.path.join("tests", "check_docs.py")

# A bare name of a development-only file, or a path into ../shared/reference.
BARE = re.compile(r"(?<![\w/])(?:formats|anchors)\.md\b|(?<![\w.-])[\w./-]*\breference/")
DOCREF = re.compile(r"\bdoc/([A-Za-z0-9_.-]+\.(?:md|txt))")
# "doc/x.md" followed by a list of section numbers: "1.2, 1.3", "7.5-7.6",
# "4.1 (x64), 4.2 (x86)", "8 (all ...)".
NUM = r"\d+(?:\.\d+)*"
CITE = re.compile(r"\bdoc/([A-Za-z0-9_.-]+\.md)")
SECLIST = re.compile(r"(?:\s*,?\s*(?:and\s+)?" + NUM + r"(?:\s*-\s*" + NUM +
                     r")?(?:\s*\([^()]*\))?)*")
HEADING = re.compile(r"^#{2,4}\s+(" + NUM + r")\.?\s", re.M)


def sections(text):
    """Numbers of the numbered headings of a markdown page."""
    return set(HEADING.findall(text))


def join_comment_lines(text):
    """A citation may wrap: drop line breaks and comment leaders."""
    return re.sub(r"\n[ \t]*(?:\*(?!/)|//|#|\.\\\")?[ \t]*", " ", text)


def expand(first, last):
    """Numbers a range "a.b-a.d" covers (same parent), else its two ends."""
    a, b = first.split("."), last.split(".")
    if len(a) == len(b) and a[:-1] == b[:-1] and int(a[-1]) <= int(b[-1]):
        return [".".join(a[:-1] + [str(i)]) for i in range(int(a[-1]), int(b[-1]) + 1)]
    return [first, last]


def cited_sections(tail):
    """Section numbers in the text that follows a doc/x.md citation."""
    tail = re.sub(r"\([^()]*\)", " ", tail)
    out = []
    for m in re.finditer(r"(" + NUM + r")(?:\s*-\s*(" + NUM + r"))?", tail):
        out += expand(m.group(1), m.group(2)) if m.group(2) else [m.group(1)]
    return out


def check_text(rel, text, docs, problems):
    """docs: {file name: set of section numbers} of doc/."""
    in_doc = rel.startswith("doc" + os.sep) or rel.startswith("doc/")
    for n, line in enumerate(text.splitlines(), 1):
        for m in BARE.finditer(line):
            # doc/ pages may name their neighbours without the folder
            if in_doc and m.group(0) in ("formats.md",) and "formats.md" in docs:
                continue
            start = m.start()
            if line[max(0, start - 4):start] == "doc/":
                continue
            problems.append(f"{rel}:{n}: cites '{m.group(0)}': point to doc/ instead "
                            "(doc/formats.md, doc/peers.md)")
        for m in DOCREF.finditer(line):
            if m.group(1) not in docs:
                problems.append(f"{rel}:{n}: cites doc/{m.group(1)}, which does not exist")
    for m in CITE.finditer(text):
        name = m.group(1)
        if name not in docs:
            continue  # reported above
        tail = SECLIST.match(join_comment_lines(text[m.end():m.end() + 300])).group(0)
        for num in cited_sections(tail):
            if num not in docs[name]:
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{rel}:{line}: cites doc/{name} {num}, which has no such "
                                "section")


def check_internal(text, secs, problems):
    """doc/formats.md's own "(N.M)" and "see N.M" cross-references."""
    for n, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r"\((\d+\.\d+)\)|\bsee (\d+(?:\.\d+)?)\b", line):
            num = m.group(1) or m.group(2)
            if num not in secs:
                problems.append(f"doc/formats.md:{n}: refers to section {num}, which "
                                "does not exist")


TREE_PATH = re.compile(r"(?<![\w/.-])((?:src|include|tests|testdata|fuzz|bench|man|doc|"
                       r"scripts|cmake|schema|tools|symbols|bugcodes)/[\w./-]*\w)")


def check_paths(rel, text, exists, problems):
    """exists(path) -> bool, for paths relative to the source tree."""
    for n, line in enumerate(text.splitlines(), 1):
        for m in TREE_PATH.finditer(line):
            parts = m.group(1).split("/")
            if exists(m.group(1)) or not exists("/".join(parts[:2])) and len(parts) > 2:
                continue  # present, or under a folder we do not have: not ours
            problems.append(f"{rel}:{n}: names {m.group(1)}, which does not exist")


def load_docs(root):
    docs = {}
    d = os.path.join(root, "doc")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        path = os.path.join(d, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                docs[name] = sections(f.read()) if name.endswith(".md") else set()
    return docs


def files(root):
    for top in SCAN:
        path = os.path.join(root, top)
        if os.path.isfile(path):
            yield top
        for d, subdirs, names in os.walk(path):
            subdirs[:] = [s for s in subdirs if not s.startswith(("build", "."))]
            for name in names:
                if name.endswith(TEXT_EXT):
                    yield os.path.relpath(os.path.join(d, name), root)


def check_tree(root):
    problems = []
    docs = load_docs(root)
    if "formats.md" not in docs:
        problems.append("doc/formats.md is missing")
    for rel in files(root):
        if rel == SELF:
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        check_text(rel, text, docs, problems)
        if rel == os.path.join("doc", "formats.md"):
            check_internal(text, docs["formats.md"], problems)
        if rel.startswith("doc" + os.sep):
            check_paths(rel, text, lambda p: os.path.exists(os.path.join(root, p)), problems)
    return problems


def self_test():
    """The checks catch what they are for (run by ctest as docs_selftest)."""
    docs = {"formats.md": {"1", "1.2", "1.3", "3", "3.3", "3.4", "3.5", "8", "8.4"},
            "peers.md": {"2", "2.1"}}
    cases = [
        ("/* (doc/formats.md 1.2, 1.3) */", 0),
        ("/* strides (doc/formats.md 3.3-3.5), checked */", 0),
        ("/* Layouts: doc/formats.md 8 (all structures packed). */", 0),
        ("/* wrapped (doc/formats.md\n * 8.4) */", 0),
        ("/* doc/peers.md 2.1 */", 0),
        ("/* (formats.md 8.4) */", 1),
        ("/* (anchors.md 2.1) */", 1),
        ("see `../shared/reference/formats.md` for more", 1),
        ("/* (doc/formats.md 9.9) */", 1),
        ("/* (doc/formats.md 3.3-3.6) */", 1),
        ("/* (doc/formats.md 1.2, 7.7) */", 1),
        ("/* doc/nothing.md says */", 1),
        ("/* wrapped (doc/formats.md\n * 8.5) */", 1),
    ]
    bad = 0
    for text, want in cases:
        problems = []
        check_text("src/x.c", text, docs, problems)
        if (len(problems) > 0) != (want > 0):
            print(f"self-test: {text!r}: expected {'a problem' if want else 'none'}, "
                  f"got {problems}")
            bad += 1
    problems = []
    check_internal("as in 3.3 (3.4); see 8.4, see 9", docs["formats.md"], problems)
    if len(problems) != 1:
        print(f"self-test: internal references: expected 1 problem, got {problems}")
        bad += 1
    tree = {"src", "src/mem", "src/mem/context.c", "src/format", "doc"}
    paths = [("Code: `src/mem/context.c` (contexts)", 0),
             ("Code: `src/format/context.c` (contexts)", 1),
             ("Breakpad `src/processor/stackwalker.cc`", 0),
             ("see doc/nothing.md", 1)]
    for text, want in paths:
        problems = []
        check_paths("doc/x.md", text, lambda p: p in tree, problems)
        if len(problems) != want:
            print(f"self-test: {text!r}: expected {want} problems, got {problems}")
            bad += 1
    total = len(cases) + 1 + len(paths)
    print(f"check_docs self-test: {total - bad} of {total} cases right")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = check_tree(root)
    for p in problems:
        print(p)
    print(f"docs: {len(problems)} problems")
    sys.exit(1 if problems else 0)
