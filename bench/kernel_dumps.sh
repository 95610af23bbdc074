#!/bin/sh
# Benchmark: dumpscan --json on a sparse 64 GiB bitmap dump (DumpType 5), a
# 64 GiB complete dump (DumpType 1, a sparse file) and a triage dump. Prints
# the best wall time of RUNS runs and the peak RSS. Targets: < 100 ms and
# < 64 MiB RSS for the 64 GiB dumps, < 5 ms for the triage dump.
# Usage: bench/kernel_dumps.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
runs=${2:-10}
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
if [ ! -x "$build/dumpscan" ] || [ ! -x "$build/testdata/dsgen" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target dumpscan dsgen >/dev/null
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
gen="$build/testdata/dsgen"
"$gen" --arch x64 --type 5 --phys-gib 64 --out "$dir/bitmap64g.dmp"
"$gen" --arch x64 --type 1 --phys-gib 64 --sparse --out "$dir/full64g.dmp"
"$gen" --arch x64 --type 4 --out "$dir/triage.dmp"

printf '%-16s %14s %12s %12s %10s\n' dump "file bytes" "best ms" "median ms" "peak RSS"
for f in bitmap64g full64g triage; do
    path="$dir/$f.dmp"
    size=$(stat -c %s "$path")
    times=""
    rss=0
    i=0
    while [ $i -lt "$runs" ]; do
        out=$(/usr/bin/time -f '%e %M' "$build/dumpscan" --json "$path" 2>&1 >/dev/null | tail -n 1)
        # %e has 10 ms resolution: time the run ourselves in nanoseconds too
        t0=$(date +%s%N)
        "$build/dumpscan" --json "$path" >/dev/null
        t1=$(date +%s%N)
        times="$times $(( (t1 - t0) / 1000 ))"
        r=${out#* }
        [ "$r" -gt "$rss" ] && rss=$r
        i=$((i + 1))
    done
    sorted=$(echo $times | tr ' ' '\n' | sort -n)
    best=$(echo "$sorted" | head -n 1)
    median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
    printf '%-16s %14s %12s %12s %8s KiB\n' "$f" "$size" \
        "$(awk "BEGIN{printf \"%.2f\", $best/1000}")" \
        "$(awk "BEGIN{printf \"%.2f\", $median/1000}")" "$rss"
done
