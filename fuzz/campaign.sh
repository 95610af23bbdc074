#!/bin/sh
# A long fuzzing campaign (nightly-style; not part of CI's time budget).
#
#   sh fuzz/campaign.sh [SECONDS_PER_HARNESS [HARNESS...]]
#
# Builds the libFuzzer harnesses with clang, then runs each one for the given
# time (default 600 s) seeded with the bundled samples, the saved regressions,
# the shared corpus when it is beside the checkout (../shared/corpus) and the
# campaign's own growing corpus in fuzz-corpus/<harness>/ (git-ignored, kept
# between runs). Every crash, leak, timeout or out-of-memory input found is
# minimized and copied into fuzz/regressions/<harness>/, where ctest replays
# it from then on (regress_<harness>). Commit those files with the fix.
# Exit status: 0 when nothing new was found, 1 when something was.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-600}
[ $# -gt 0 ] && shift
sh scripts/install-deps.sh --fuzz
CC=clang cmake -S . -B build-fuzz -DDS_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
harnesses=${*:-$(cd build-fuzz/fuzz && ls fuzz_* | grep -v '\.' || true)}
found=0
for name in $harnesses; do
    h=build-fuzz/fuzz/$name
    [ -x "$h" ] || { echo "no harness $name" >&2; exit 2; }
    corpus=fuzz-corpus/$name
    regress=fuzz/regressions/$name
    artifacts=$(mktemp -d)
    mkdir -p "$corpus"
    seeds="testdata/samples"
    [ -d "$regress" ] && seeds="$seeds $regress"
    for d in ../shared/corpus/kernel ../shared/corpus/user ../shared/corpus/bad \
             ../shared/corpus/symbols; do
        [ -d "$d" ] && seeds="$seeds $d"
    done
    echo "== $name for ${secs}s"
    # -fork keeps going after a finding, so one crash does not end the night.
    # shellcheck disable=SC2086
    "$h" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -timeout=10 -artifact_prefix="$artifacts/" "$corpus" $seeds \
        >"$artifacts/log" 2>&1 || true
    for a in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* \
             "$artifacts"/oom-*; do
        [ -f "$a" ] || continue
        kind=$(basename "$a" | cut -d- -f1)
        min="$artifacts/min-$(basename "$a")"
        "$h" -minimize_crash=1 -runs=20000 -exact_artifact_path="$min" "$a" \
            >/dev/null 2>&1 || true
        [ -s "$min" ] || min=$a
        mkdir -p "$regress"
        dest="$regress/$kind-$(sha1sum "$min" | cut -c1-16)"
        if [ ! -e "$dest" ]; then
            cp "$min" "$dest"
            echo "NEW $kind: $dest"
            found=1
        fi
    done
    tail -n 1 "$artifacts/log"
    rm -rf "$artifacts"
done
[ $found = 0 ] && echo "campaign: nothing new" || echo "campaign: new findings saved"
exit $found
