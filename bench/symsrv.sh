#!/bin/sh
# Benchmark: cost per dump of symbol server lookups against a local HTTP
# server (tests/data/symsrv_server.py on 127.0.0.1), cold cache (every file
# downloaded, every miss asked) and warm cache (all from the cache and its
# ".missing" markers), against two yardsticks in the same run: no symbol path,
# and the same files as a local store. Uses the corpus triage dump and symbols
# when present (../shared/corpus), else a synthetic triage dump with no
# symbols on the server (misses only). Prints milliseconds per dump (median
# of RUNS) and the requests the server saw. Never asserts.
# Usage: bench/symsrv.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
runs=${2:-5}
if [ ! -x "$build/dumpscan" ] || [ ! -x "$build/testdata/dsgen" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target dumpscan dsgen >/dev/null 2>&1
fi
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
mkdir -p "$dir/store"
corpus=../shared/corpus
if [ -f "$corpus/kernel/triage_x64.dmp" ] && [ -d "$corpus/symbols" ]; then
    dump=$corpus/kernel/triage_x64.dmp
    k=amdppm.pdb/1C19FDDB27BB3399D9B45973EFEAFCF31
    mkdir -p "$dir/store/$k" "$dir/store/amdppm.sys/C9C030003b000" \
        "$dir/store/Wdf01000.sys/A9A9D36Ed1000"
    (cd "$corpus/symbols/$k" && gcab -c -z "$dir/store/$k/amdppm.pd_" amdppm.pdb)
    cp "$corpus/symbols/amdppm.sys/c9c030003b000/amdppm.sys" "$dir/store/amdppm.sys/C9C030003b000/"
    cp "$corpus/symbols/Wdf01000.sys/a9a9d36ed1000/Wdf01000.sys" "$dir/store/Wdf01000.sys/A9A9D36Ed1000/"
    what="corpus triage_x64.dmp"
else
    dump=$dir/triage.dmp
    "$build/testdata/dsgen" --arch x64 --type 4 --out "$dump"
    what="synthetic triage dump (no symbols on the server)"
fi
: >"$dir/log"
python3 tests/data/symsrv_server.py "$dir/store" "$dir/port" "$dir/log" --lifetime 600 \
    >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -s "$dir/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$dir/port")"

# median milliseconds of RUNS runs of: dumpscan ARGS (PREP runs before each)
measure() {
    prep=$1; shift
    times=""
    n=0
    while [ $n -lt "$runs" ]; do
        eval "$prep"
        t0=$(date +%s%N)
        "$build/dumpscan" "$@" "$dump" >/dev/null
        t1=$(date +%s%N)
        times="$times $(( (t1 - t0) / 1000 ))"
        n=$((n + 1))
    done
    echo $times | tr ' ' '\n' | sort -n | sed -n "$(( (runs + 1) / 2 ))p" |
        awk '{printf "%.1f", $1 / 1000}'
}

echo "$what, $runs runs each, median ms per dump"
printf '%-34s %10s %10s\n' case "ms/dump" requests
r0=$(wc -l <"$dir/log")
printf '%-34s %10s %10s\n' "no symbol path (yardstick)" "$(measure : --no-symbols)" 0
printf '%-34s %10s %10s\n' "local store (yardstick)" "$(measure : -y "$dir/store")" 0
r1=$(wc -l <"$dir/log")
cold=$(measure 'rm -rf "$dir/cache"' -y "srv*$dir/cache*$url")
r2=$(wc -l <"$dir/log")
printf '%-34s %10s %10s\n' "server, cold cache" "$cold" "$(( (r2 - r1) / runs ))"
warm=$(measure : -y "srv*$dir/cache*$url")
r3=$(wc -l <"$dir/log")
printf '%-34s %10s %10s\n' "server, warm cache" "$warm" "$(( (r3 - r2) / runs ))"
printf '%-34s %10s %10s\n' "same path --offline" "$(measure : --offline -y "srv*$dir/cache*$url")" \
    "$(( $(wc -l <"$dir/log") - r3 ))"
