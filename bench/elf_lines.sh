#!/bin/sh
# Benchmark: DWARF source lines of an ELF file (bench/elf_lines.c).
# Default ELF: this project's own dumpscan binary built with -g (Debug).
# Usage: bench/elf_lines.sh [ELF] [N] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
n=${2:-100000}
build=${3:-build-bench}
if [ ! -x "$build/bench/elf_lines_bench" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j2 --target elf_lines_bench >/dev/null
fi
elf=${1:-}
if [ -z "$elf" ]; then
    elf=build-bench-debug/dumpscan
    if [ ! -x "$elf" ]; then
        cmake -S . -B build-bench-debug -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF >/dev/null
        cmake --build build-bench-debug -j2 --target dumpscan >/dev/null
    fi
fi
"$build/bench/elf_lines_bench" "$elf" "$n"
