#!/bin/sh
# cmake --install the build into a temporary prefix, then build an outside
# program against it four ways: pkg-config shared, pkg-config --static,
# find_package (both targets), and dumpscan as a subproject. Each program
# opens a bundled sample dump.
#   check_install.sh SOURCE_DIR BUILD_DIR "EXTRA_CFLAGS"
set -eu
src=$1 build=$2 extra=${3:-}
cc=${CC:-cc}
sample=$src/testdata/samples/x64-triage.dmp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
prefix=$tmp/prefix
libdir=$(ls -d "$prefix"/lib*/ | head -n 1)
libdir=${libdir%/}
for f in bin/dumpscan include/dumpscan/dumpscan.h share/man/man1/dumpscan.1 \
         share/man/man5/dumpscan-json.5; do
    [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
for f in libdumpscan.a pkgconfig/dumpscan.pc cmake/dumpscan/dumpscanConfig.cmake; do
    [ -e "$libdir/$f" ] || { echo "not installed: lib/$f"; exit 1; }
done
export PKG_CONFIG_PATH="$libdir/pkgconfig"

# Before 1.0 a minor release may change the ABI: the soname carries it, so a
# program built against 0.1 never loads 0.2 (HACKING.md, "The API").
version=$(sed -n 's/^#define DS_VERSION_STRING "\([0-9]*\.[0-9]*\)\..*/\1/p' \
          "$prefix/include/dumpscan/dumpscan.h")
soname=$(objdump -p "$libdir/libdumpscan.so" | awk '$1 == "SONAME" {print $2}')
case $version in
0.*) want=libdumpscan.so.$version ;;
*) want=libdumpscan.so.${version%%.*} ;;
esac
[ "$soname" = "$want" ] || { echo "soname $soname, want $want"; exit 1; }
echo "soname $soname"

echo "== pkg-config, shared"
# shellcheck disable=SC2046,SC2086
$cc $extra "$src/tests/install/consumer.c" $(pkg-config --cflags --libs dumpscan) \
    -Wl,-rpath,"$libdir" -o "$tmp/pc_shared"
"$tmp/pc_shared" "$sample"
ldd "$tmp/pc_shared" | grep -q "libdumpscan.so" || { echo "not linked to the .so"; exit 1; }

echo "== pkg-config --static"
libs=$(pkg-config --static --libs dumpscan | sed "s|-ldumpscan|$libdir/libdumpscan.a|")
# shellcheck disable=SC2046,SC2086
$cc $extra "$src/tests/install/consumer.c" $(pkg-config --cflags dumpscan) $libs \
    -o "$tmp/pc_static"
"$tmp/pc_static" "$sample"
if ldd "$tmp/pc_static" | grep -q "libdumpscan.so"; then
    echo "static program loads the .so"; exit 1
fi

echo "== find_package(dumpscan)"
cmake -S "$src/tests/install" -B "$tmp/fp" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >/dev/null
cmake --build "$tmp/fp" >/dev/null
"$tmp/fp/consumer_shared" "$sample"
"$tmp/fp/consumer_static" "$sample"

echo "== add_subdirectory(dumpscan)"
cmake -S "$src/tests/install" -B "$tmp/sub" -DDS_SUBPROJECT="$src" >/dev/null
cmake --build "$tmp/sub" -j2 >/dev/null
"$tmp/sub/consumer_shared" "$sample"
"$tmp/sub/consumer_static" "$sample"
echo "install: all four ways build and run"
