#!/bin/sh
# Benchmark: open a PDB and look up N random RVAs (bench/pdb_lookup.c).
# Default PDB: the biggest one in the shared corpus store (user32.pdb).
# Usage: bench/pdb_lookup.sh [PDB] [N] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
corpus=${DS_CORPUS:-../shared/corpus}
pdb=${1:-}
if [ -z "$pdb" ]; then
    pdb=$(find "$corpus/symbols" -name '*.pdb' -type f -printf '%s %p\n' 2>/dev/null |
          sort -n | tail -1 | cut -d' ' -f2-)
fi
[ -n "$pdb" ] && [ -f "$pdb" ] || { echo "no PDB given and none in $corpus/symbols" >&2; exit 1; }
n=${2:-100000}
build=${3:-build-bench}
if [ ! -x "$build/bench/pdb_lookup" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target pdb_lookup >/dev/null
fi
"$build/bench/pdb_lookup" "$pdb" "$n"
