#!/bin/sh
# Benchmark: walk every stack of every corpus dump (kernel and user, all
# threads with -v, with the corpus symbols), ROUNDS times, and print the time
# next to a yardstick measured in the same run: the same reports with
# --no-unwind (reading, modules, verdict; no walking). The difference is what
# walking costs; compare its per-dump figure between revisions.
# Usage: bench/stacks.sh [ROUNDS] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
corpus=${DS_CORPUS:-../shared/corpus}
rounds=${1:-20}
build=${2:-build-bench}
[ -d "$corpus/user" ] || { echo "no corpus at $corpus" >&2; exit 1; }
if [ ! -x "$build/dumpscan" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j2 --target dumpscan >/dev/null
fi
syms="$corpus/user/breakpad-symbols;$corpus/symbols"
dumps=$(ls "$corpus"/user/*.dmp "$corpus"/kernel/*.dmp)
ndumps=$(echo "$dumps" | wc -l)

now() { date +%s.%N; }
run() { # run OPTIONS...: seconds for ROUNDS passes over every dump
    t0=$(now)
    i=0
    while [ "$i" -lt "$rounds" ]; do
        for d in $dumps; do
            "$build/dumpscan" -v -y "$syms" "$@" "$d" >/dev/null 2>&1 || true
        done
        i=$((i + 1))
    done
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

base=$(run --no-unwind)
full=$(run)
awk -v base="$base" -v full="$full" -v n="$ndumps" -v r="$rounds" 'BEGIN {
    per = 1000 / (n * r)
    printf "%d dumps x %d rounds\n", n, r
    printf "yardstick (--no-unwind): %8.3f s  %7.2f ms/dump\n", base, base * per
    printf "with every stack walked: %8.3f s  %7.2f ms/dump\n", full, full * per
    printf "walking:                 %8.3f s  %7.2f ms/dump  (%.2fx the yardstick)\n",
        full - base, (full - base) * per, full / base
}'
