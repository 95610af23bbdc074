#!/bin/sh
# Benchmark: batch triage of many small dumps. Generates N (default 10,000)
# triage dumps with dsgen once into a cache folder, then times
# `dumpscan --format csv DIR > /dev/null` at -j 1 and -j 2 and prints dumps
# per second and peak RSS. Target: >= 1,000 dumps/s on a 2-core machine, and
# an RSS that does not grow with the number of files beyond the small rows.
# Usage: bench/batch.sh [BUILD_DIR] [N]     (cache: $DS_BATCH_CACHE or /tmp)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
n=${2:-10000}
cache=${DS_BATCH_CACHE:-/tmp/dumpscan-batch-bench-$n}
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
. bench/triage-cache.sh
count=$(find "$cache" -name '*.dmp' | wc -l)
bytes=$(du -sk "$cache" | cut -f1)
echo "$count dumps, $((bytes / 1024)) MiB, $(nproc) CPUs"

# warm the page cache so both runs read from memory
"$build/dumpscan" -j 2 --format csv "$cache" >/dev/null || true

printf '%-6s %10s %12s %12s\n' jobs "wall s" "dumps/s" "peak RSS"
for j in 1 2; do
    best=""
    rss=0
    for run in 1 2 3; do
        out=$(/usr/bin/time -f '%e %M' "$build/dumpscan" -j "$j" --format csv "$cache" \
              2>&1 >/dev/null | tail -n 1)
        t=${out% *}
        r=${out#* }
        [ "$r" -gt "$rss" ] && rss=$r
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    done
    rate=$(awk "BEGIN{ if ($best > 0) printf \"%.0f\", $count / $best; else print \"inf\" }")
    printf '%-6s %10s %12s %8s KiB\n' "$j" "$best" "$rate" "$rss"
done
