#!/usr/bin/env python3
"""Every option the command-line parser accepts is documented, and every
option the documents name is accepted:

  - the long options of src/cli/main.c's getopt_long table and the letters of
    its short-option string each appear in `dumpscan --help` and in
    man/dumpscan.1 (as --name / -x);
  - every --name that --help or man/dumpscan.1 shows is in that table.

Prints every problem and exits 1 if there is any.
Usage: check_options.py SOURCE_DIR DUMPSCAN"""
import re
import subprocess
import sys

root, dumpscan = sys.argv[1:3]
with open(root + "/src/cli/main.c", encoding="utf-8") as f:
    main_c = f.read()

longs = set(re.findall(r'\{"([a-z0-9-]+)",\s*(?:no|required|optional)_argument', main_c))
m = re.search(r'getopt_long\([^,]+,[^,]+,\s*"([^"]*)"', main_c)
shorts = set(re.sub(r"[^A-Za-z0-9]", "", m.group(1))) if m else set()
problems = []
if not longs or not shorts:
    problems.append("src/cli/main.c: no getopt_long table or short-option string found")

helptext = subprocess.run([dumpscan, "--help"], capture_output=True, text=True,
                          check=True).stdout
with open(root + "/man/dumpscan.1", encoding="utf-8") as f:
    # roff spells a dash \- ; "\fB" and friends separate nothing we look for
    man = f.read().replace("\\-", "-")
    man = re.sub(r"\\f[BIRP]", "", man)

for name, text in (("--help", helptext), ("man/dumpscan.1", man)):
    for opt in sorted(longs):
        if not re.search(r"(?<![\w-])--" + re.escape(opt) + r"(?![\w-])", text):
            problems.append(f"{name} does not document --{opt}")
    for ch in sorted(shorts):
        if not re.search(r"(?<![\w-])-" + re.escape(ch) + r"(?![\w-])", text):
            problems.append(f"{name} does not document -{ch}")
    for opt in sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text))):
        if opt not in longs:
            problems.append(f"{name} names --{opt}, which the parser does not accept")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
