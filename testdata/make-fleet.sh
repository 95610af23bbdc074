#!/bin/sh
# The small fleet of README's batch examples: C:\Windows\Minidump folders of
# four machines and one server's MEMORY.DMP, made by dsgen from its verdict scenarios (x64, x86, ARM64),
# plus a gzip-compressed dump under a .dmp name, a gzip file cut short and a
# desktop.ini. tests/check_readme.py runs README's batch examples on it.
#   make-fleet.sh DSGEN OUTDIR
set -eu
gen=$1
out=$2
rm -rf "$out"
dump() { # machine file args...
    dir="$out/$1/Minidump"
    file=$2
    shift 2
    mkdir -p "$dir"
    "$gen" --type 4 --out "$dir/$file" "$@" >/dev/null
}
dump ws-0141 050624-19134-01.dmp --arch x64 --seed 101 --scenario kmode
dump ws-0141 100124-04147-01.dmp --arch x64 --seed 102 --scenario kmode
dump ws-0141 052224-01110-01.dmp --arch x64 --seed 103 --scenario manual
dump ws-0172 060624-04259-01.dmp --arch x64 --seed 104 --scenario victim
dump ws-0172 060925-06003-01.dmp --arch x86 --seed 105 --scenario power
dump ws-0172 103024-17525-01.dmp --arch x64 --seed 106 --scenario victimflt
dump lab-07 122024-16492-01.dmp --arch arm64 --seed 107 --scenario unloaded
dump lab-07 011625-08061-01.dmp --arch x64 --seed 108 --scenario kmode
dump ws-0203 010225-02506-01.dmp --arch x64 --seed 109 --scenario whea
dump ws-0203 010225-06093-01.dmp --arch x64 --seed 110 --scenario whea --gzip
dump ws-0203 123124-00001-01.dmp --arch x64 --seed 111 --gzip --truncate 40000
printf '[.ShellClassInfo]\r\n' > "$out/ws-0203/Minidump/desktop.ini"
# a server's kernel (bitmap) dump: memory enough for PROCESS_NAME
mkdir -p "$out/srv-01"
"$gen" --arch x64 --type 5 --seed 112 --scenario irqltrap --process-name NotMyFault.exe \
    --out "$out/srv-01/MEMORY.DMP" >/dev/null
