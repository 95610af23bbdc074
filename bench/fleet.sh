#!/bin/sh
# Benchmark: the fleet features over N (default 10,000) generated triage dumps
# (the same cache as bench/batch.sh). Prints, each against a yardstick
# measured in the same run:
#   - a first run with --db (yardstick: the same run without it), and a re-run
#     (which should cost little more than the walk: yardsticks `find -printf`
#     and dumpscan's own walk keeping no file; the ratio is against the latter);
#   - the database size per dump (yardstick: the dumps' own size);
#   - the HTML page for N dumps from the database (yardstick: CSV from it);
#   - 4 shards run one after another against one run (same -j).
# Usage: bench/fleet.sh [BUILD_DIR] [N]     (cache: $DS_BATCH_CACHE or /tmp)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
n=${2:-10000}
cache=${DS_BATCH_CACHE:-/tmp/dumpscan-batch-bench-$n}
. bench/triage-cache.sh
ds="$build/dumpscan"
count=$(find "$cache" -name '*.dmp' | wc -l)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/crash.db"

# seconds a command takes (wall, from the shell's clock in nanoseconds)
secs() {
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}"
}
rate() { awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $1 / $2; else print \"inf\" }"; }
ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.1fx\", $1 / $2; else print \"-\" }"; }

"$ds" -j 2 --format csv "$cache" >/dev/null 2>&1 || true # warm the page cache
echo "$count dumps, $(nproc) CPUs"
printf '%-40s %10s %12s %12s\n' "" "wall s" "dumps/s" "vs yardstick"
walk=$(secs find "$cache" -type f -printf '%s %T@\n')
printf '%-40s %10s %12s\n' "yardstick: find -printf size,mtime" "$walk" "$(rate "$count" "$walk")"
# dumpscan's own walk and stat of every file: a shard of a million holds
# (almost) none of them, so nothing is analyzed or printed
own=$(secs "$ds" -j 2 --shard 0/1000000 --format csv "$cache")
printf '%-40s %10s %12s\n' "yardstick: dumpscan walk, nothing kept" "$own" "$(rate "$count" "$own")"
plain=$(secs "$ds" -j 2 --format csv "$cache")
printf '%-40s %10s %12s\n' "yardstick: run without --db" "$plain" "$(rate "$count" "$plain")"
first=$(secs "$ds" -j 2 --db "$db" --format csv "$cache")
printf '%-40s %10s %12s %12s\n' "first run, --db" "$first" "$(rate "$count" "$first")" \
    "$(ratio "$first" "$plain")"
again=$(secs "$ds" -j 2 --db "$db" --format csv "$cache")
printf '%-40s %10s %12s %12s\n' "re-run, --db (all from the database)" "$again" \
    "$(rate "$count" "$again")" "$(ratio "$again" "$own")"
dbkb=$(du -k "$db" | cut -f1)
dumpkb=$(du -sk "$cache" | cut -f1)
echo "database: $((dbkb / 1024)) MiB, $(awk "BEGIN{printf \"%.0f\", $dbkb * 1024 / $count}") bytes per dump" \
    "(the dumps: $(awk "BEGIN{printf \"%.0f\", $dumpkb * 1024 / $count}") bytes each)"
csv=$(secs "$ds" --db "$db" --format csv)
html=$(secs "$ds" --db "$db" --format html)
"$ds" --db "$db" --format html >"$work/page.html" 2>/dev/null || true
printf '%-40s %10s %12s\n' "yardstick: CSV from the database" "$csv" "$(rate "$count" "$csv")"
printf '%-40s %10s %12s %12s\n' "HTML page from the database" "$html" "$(rate "$count" "$html")" \
    "$(ratio "$html" "$csv")"
echo "page: $(($(wc -c <"$work/page.html") / 1024)) KiB"
t0=$(date +%s%N)
for i in 0 1 2 3; do
    "$ds" -j 2 --shard "$i/4" --format jsonl "$cache" >"$work/part$i.jsonl" 2>/dev/null || true
done
t1=$(date +%s%N)
shards=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
onej=$(secs "$ds" -j 2 --format jsonl "$cache")
merge=$(secs "$ds" --merge --summary "$work"/part*.jsonl)
printf '%-40s %10s %12s\n' "yardstick: one run, jsonl" "$onej" "$(rate "$count" "$onej")"
printf '%-40s %10s %12s %12s\n' "4 shards one after another, jsonl" "$shards" \
    "$(rate "$count" "$shards")" "$(ratio "$shards" "$onej")"
printf '%-40s %10s %12s\n' "--merge --summary of the 4 parts" "$merge" "$(rate "$count" "$merge")"
