# Sourced by bench/batch.sh and bench/fleet.sh: build dumpscan and dsgen
# (Release) in $build, and generate $n triage dumps once into $cache
# (seeds 1..n vary times, bases and stamps). Sets gen.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target dumpscan dsgen >/dev/null
gen="$build/testdata/dsgen"
if [ ! -f "$cache.complete" ]; then
    echo "generating $n triage dumps into $cache (once)..." >&2
    rm -rf "$cache"
    mkdir -p "$cache"
    seq 1 "$n" | xargs -P "$(nproc)" -I{} "$gen" --arch x64 --type 4 --seed {} \
        --out "$cache/{}.dmp" >/dev/null
    touch "$cache.complete"
fi
