#!/usr/bin/env python3
"""README's sample outputs are the real binary's output.

A fenced block right after a line `<!-- sample: COMMAND -->` must be what
COMMAND prints (stdout), run with `sh` in a scratch folder that holds
`testdata/` (a link to the source tree's) and `fleet/` (testdata/make-fleet.sh).
If the block starts with `$ COMMAND`, that line is shown, not compared.
Usage: check_readme.py SOURCE_DIR DUMPSCAN DSGEN [--update]
--update rewrites the blocks with what the commands print."""
import difflib
import os
import re
import subprocess
import sys
import tempfile

root, dumpscan, dsgen = sys.argv[1:4]
update = "--update" in sys.argv[4:]
readme_path = os.path.join(root, "README.md")
with open(readme_path, encoding="utf-8") as f:
    lines = f.read().split("\n")

scratch = tempfile.mkdtemp(prefix="ds-readme-")
os.symlink(os.path.join(root, "testdata"), os.path.join(scratch, "testdata"))
subprocess.run(["sh", os.path.join(root, "testdata/make-fleet.sh"), dsgen,
                os.path.join(scratch, "fleet")], check=True)
env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(dumpscan)) + ":" + os.environ["PATH"],
           COLUMNS="100", TZ="UTC", LC_ALL="C.UTF-8")
env.pop("DUMPSCAN_SYMBOL_PATH", None)
env.pop("_NT_SYMBOL_PATH", None)

failures = 0
checked = 0
out_lines = []
i = 0
while i < len(lines):
    line = lines[i]
    out_lines.append(line)
    m = re.match(r"<!-- sample: (.*) -->$", line)
    i += 1
    if not m:
        continue
    command = m.group(1)
    if i >= len(lines) or not lines[i].startswith("```"):
        print(f"README.md:{i}: a sample marker must be followed by a fenced block")
        failures += 1
        continue
    fence = lines[i]
    out_lines.append(fence)
    i += 1
    start = i
    while i < len(lines) and lines[i] != "```":
        i += 1
    block = lines[start:i]
    shown = []
    if block and block[0].startswith("$ "):
        shown = [block[0]]
        if block[0][2:] != command:
            print(f"README.md:{start + 1}: shows '{block[0][2:]}' but the marker runs '{command}'")
            failures += 1
        block = block[1:]
    run = subprocess.run(["sh", "-c", command], cwd=scratch, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    actual = run.stdout.decode("utf-8", "replace").rstrip("\n").split("\n")
    checked += 1
    if actual != block:
        failures += 1
        print(f"README.md:{start}: the sample of '{command}' differs from its output:")
        sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(
            block, actual, "README.md", command, lineterm=""))
    out_lines.extend(shown + (actual if update else block))
    # the closing fence is appended by the loop

if update:
    with open(readme_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out_lines))
print(f"readme: {checked} samples checked, {failures} differ"
      + (" (README.md rewritten)" if update and failures else ""))
sys.exit(1 if failures and not update else 0)
