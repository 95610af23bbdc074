#!/usr/bin/env python3
"""Two rules of the stage layering that the build alone does not catch.

1. No source file reaches around the stage include roots.

Each stage of src/ compiles against an include root that holds only the
stages before it (HACKING.md, "The stages"), so `#include "report/x.h"` from
src/model/ fails to build. A relative include ("../report/x.h", or a name
found next to the file when the file's own folder is not the stage) would
get past that; this check refuses every quoted include that is relative to
the including file: a quoted include names "stage/file.h" or, for the
public API, "dumpscan/dumpscan.h", and a stage may include its own headers
as "stage/file.h" too.

2. After the crash model is built, nothing branches on the file format:
the analysis and report stages test what the dump is (ds_crash.has_kernel,
has_mdmp), so a new dump format touches no file there (HACKING.md). The
format stays in the model (and in rows) as a fact to print, not a test.

Usage: check_layers.py SOURCE_DIR | --self-test
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
STAGES = {"io", "mem", "model", "format", "image", "symbols", "unwind", "analysis", "core",
          "report", "cli"}


FORMAT_TEST = re.compile(r'\bc->format\s*[!=]=|\bcrash->format\s*[!=]=')
MODEL_USERS = ("src/analysis/", "src/report/")


def problems(path, text):
    out = []
    if path.startswith(MODEL_USERS):
        for n, line in enumerate(text.split("\n"), 1):
            if FORMAT_TEST.search(line):
                out.append(f"{path}:{n}: branches on the file format; test "
                           "has_kernel / has_mdmp")
    for m in INCLUDE.finditer(text):
        inc = m.group(1)
        first = inc.split("/")[0]
        if ".." in inc.split("/") or inc.startswith("/"):
            out.append(f"{path}: #include \"{inc}\" reaches around the stage include roots")
        elif "/" not in inc and not path.startswith("src/cli/"):
            out.append(f"{path}: #include \"{inc}\" is relative to the file: "
                       "name it stage/file.h")
        elif "/" in inc and first not in STAGES | {"dumpscan"}:
            out.append(f"{path}: #include \"{inc}\" names no stage")
    return out


def main(argv):
    if argv[1:] == ["--self-test"]:
        bad = problems("src/model/x.c", '#include "../report/strbuf.h"\n#include "crash.h"\n'
                       '#include "elsewhere/y.h"\n')
        bad += problems("src/report/x.c", 'if (c->format == DS_FORMAT_MINIDUMP)\n')
        good = problems("src/model/x.c", '#include "model/model.h"\n#include <stdio.h>\n'
                        '#include "dumpscan/dumpscan.h"\n')
        if len(bad) != 4 or good:
            print("self-test failed:", bad, good)
            return 1
        print("self-test: 3 planted includes and a format branch refused, none of the good ones")
        return 0
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = argv[1]
    found = []
    for d, _, files in os.walk(os.path.join(root, "src")):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                p = os.path.join(d, f)
                with open(p, encoding="utf-8", errors="replace") as fh:
                    found += problems(os.path.relpath(p, root), fh.read())
    for line in found:
        print(line)
    if found:
        return 1
    print("every quoted include names a stage; analysis and reports never test the format")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
