#!/bin/sh
# Benchmark: the fixed cost of a run. Median wall time of 20 paired runs of
# `dumpscan --version`, a text report and a JSON report of the bundled triage
# sample, each against /bin/true in the same run (ratio = dumpscan / true).
# The loader floor is a ratio near 1; linking large libraries that a run does
# not use (capstone's relocations, libcurl's dependency tree) raises it.
# Usage: bench/startup.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
runs=${2:-20}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target dumpscan spawn_time >/dev/null
bin="$build/dumpscan"
sample=testdata/samples/x64-triage.dmp
echo "libraries loaded at start: $(ldd "$bin" | grep -c '=>')"
"$build/bench/spawn_time" "$runs" "$bin" --version
"$build/bench/spawn_time" "$runs" "$bin" "$sample"
"$build/bench/spawn_time" "$runs" "$bin" --json "$sample"
