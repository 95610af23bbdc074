#!/bin/sh
# Install what dumpscan needs to build and test on Debian/Ubuntu (as root).
# Does nothing when everything is already there.
set -eu
pkgs="build-essential cmake pkg-config libcapstone-dev libjansson-dev zlib1g-dev \
libelf-dev libdwarf-dev gcab cabextract libsqlite3-dev \
libcurl4-openssl-dev python3 valgrind"
for flag in "$@"; do
    case $flag in
    --fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
    # test_fleet renders the HTML page in headless Chromium (skipped without it)
    --browser) pkgs="$pkgs chromium" ;;
    # scripts/coverage.sh summarizes with gcovr (plain gcov without it)
    --coverage) pkgs="$pkgs gcovr" ;;
    esac
done
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "dumpscan needs:$missing -- run as root: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
