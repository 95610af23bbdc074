#!/bin/sh
# Build the libFuzzer harnesses with clang and run each for SECONDS (default
# 30), seeded with the bundled samples and, when present, the shared corpus.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-30}
sh scripts/install-deps.sh --fuzz
CC=clang cmake -S . -B build-fuzz -DDS_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
cp testdata/samples/* "$seeds"/ 2>/dev/null || true
[ -d ../shared/corpus ] && cp ../shared/corpus/kernel/* ../shared/corpus/bad/* \
    ../shared/corpus/user/*.dmp "$seeds"/ 2>/dev/null || true
# the saved inputs (LZX cabinets and frames among them) seed every harness
cp fuzz/regressions/*/* "$seeds"/ 2>/dev/null || true
# cabinet seeds (MSZIP and stored) for fuzz_cab
if command -v gcab >/dev/null; then
    head -c 100000 /dev/urandom >"$seeds/r.bin"; seq 1 30000 >"$seeds/t.txt"
    (cd "$seeds" && gcab -c -z z.cab r.bin t.txt && gcab -c s.cab t.txt && rm r.bin t.txt)
fi
# batch JSONL lines, one per file, for fuzz_rowjson
build-fuzz/dumpscan --format jsonl testdata/samples 2>/dev/null | split -l 1 - "$seeds/row-" ||
    true
status=0
for h in build-fuzz/fuzz/fuzz_*; do
    [ -x "$h" ] || continue
    work=$(mktemp -d "$seeds/run.XXXXXX")
    echo "fuzzing $(basename "$h") for ${secs}s"
    if ! "$h" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
         -artifact_prefix="$work/" "$work" "$seeds" >"$work/log" 2>&1; then
        echo "FUZZ FAILURE in $(basename "$h"):"
        tail -n 60 "$work/log"
        status=1
    else
        tail -n 1 "$work/log"
    fi
done
exit $status
