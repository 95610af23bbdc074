#!/bin/sh
# Line coverage of the library by the test suite: build with gcc --coverage in
# build-cov/, run ctest, print a per-file and total summary of src/.
# Uses gcovr when installed (sh scripts/install-deps.sh --coverage), plain
# gcov otherwise (or with DS_COV_PLAIN=1). Not part of CI.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
b=build-cov
cmake -S . -B "$b" -DCMAKE_BUILD_TYPE=Debug -DDS_COVERAGE=ON >/dev/null
cmake --build "$b" -j"${JOBS:-2}"
find "$b" -name '*.gcda' -delete
# exports and install_consumers check the shipped library's symbols and link
# line, which --coverage changes (__gcov_* symbols, -lgcov): not run here.
ctest --test-dir "$b" -j"${JOBS:-2}" -E '^(exports|install_consumers)$' >"$b/ctest.log" 2>&1 || {
    echo "coverage: some tests failed (see $b/ctest.log); the numbers below still count" >&2
}
tail -n 3 "$b/ctest.log"
if [ -z "${DS_COV_PLAIN:-}" ] && command -v gcovr >/dev/null 2>&1; then
    gcovr -r "$root" --filter "$root/src/" "$b" --gcov-ignore-parse-errors --print-summary
    exit 0
fi
# Plain gcov: one run per object file of the stages, read each source's
# "File" / "Lines executed" pair once.
out="$b/gcov"
rm -rf "$out" && mkdir -p "$out"
find "$b" -name '*.gcda' -path '*ds_*.dir*' | while read -r gcda; do
    (cd "$out" && gcov -n -o "$(dirname "$root/$gcda")" "$root/$gcda" 2>/dev/null)
done | awk -v src="$root/src/" '
    /^File / { f = substr($2, 2, length($2) - 2); next }
    /^Lines executed:/ && f != "" {
        if (index(f, src) == 1 && !(f in seen)) {
            seen[f] = 1
            split($2, a, ":"); pct = a[2]; sub("%", "", pct)
            printf "%s %d %d\n", substr(f, length(src) + 1), int(pct * $4 / 100 + 0.5), $4
        }
        f = ""
    }' | sort >"$out/summary"
awk '{ printf "%7.2f%% %6d  %s\n", $3 ? 100 * $2 / $3 : 0, $3, $1; hit += $2; n += $3 }
     END { if (n) printf "TOTAL  %.2f%% of %d lines in src/\n", 100 * hit / n, n }' "$out/summary"
