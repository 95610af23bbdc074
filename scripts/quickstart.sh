#!/bin/sh
# Quick start: install what is missing, build dumpscan, analyze a bundled dump.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target dumpscan >/dev/null
./build/dumpscan testdata/samples/x64-triage.dmp
