#!/bin/sh
# Build with AddressSanitizer + UndefinedBehaviorSanitizer and run every test.
# Tests over ../shared/corpus skip themselves when it is absent.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DDS_SANITIZE=ON >/dev/null
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
