#!/bin/sh
# Uninitialised reads are invisible to AddressSanitizer (issue 9.1 was one):
# run an unsanitized dumpscan under valgrind's memcheck over the given dumps,
# text and JSON reports, and fail on any memcheck error. dumpscan's own exit
# status (1 for a file that is not a dump) does not matter here.
#   memcheck.sh DUMPSCAN FILE...
set -u
bin=$1
shift
status=0
for f in "$@"; do
    for mode in "" --json; do
        # shellcheck disable=SC2086
        valgrind -q --error-exitcode=99 --exit-on-first-error=yes \
            "$bin" -v $mode "$f" >/dev/null 2>"${TMPDIR:-/tmp}/memcheck.$$"
        if [ $? -eq 99 ]; then
            echo "memcheck error: dumpscan -v $mode $f"
            cat "${TMPDIR:-/tmp}/memcheck.$$"
            status=1
        fi
    done
done
rm -f "${TMPDIR:-/tmp}/memcheck.$$"
[ $status -eq 0 ] && echo "memcheck: $# files clean"
exit $status
