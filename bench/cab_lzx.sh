#!/bin/sh
# Benchmark: LZX cabinet reading against cabextract and MSZIP (bench/cab_lzx.c).
# Usage: bench/cab_lzx.sh [MIB] [N] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
mib=${1:-64}
n=${2:-200}
build=${3:-build-bench}
if [ ! -x "$build/bench/cab_lzx" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j2 --target cab_lzx >/dev/null
fi
"$build/bench/cab_lzx" "$mib" "$n"
