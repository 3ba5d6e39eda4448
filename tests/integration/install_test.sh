#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds and runs a small consumer project
# against it twice: with CMake (find_package(duet CONFIG REQUIRED) + duet::duet) and with
# pkg-config (`pkg-config --cflags --libs duet`).
#   install_test.sh BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR
# Environment: CXX (the compiler the build used), CMAKE_GENERATOR, CXXFLAGS.
set -euo pipefail
build=$1
consumer=$2
work=$3
cxx=${CXX:-c++}
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || {
  cat "$work/install.log"
  fail "cmake --install failed"
}
[[ -f $prefix/include/duet/duet.hpp ]] || fail "no include/duet/duet.hpp under the prefix"
config=$(find "$prefix" -name duetConfig.cmake | head -n1)
[[ -n $config ]] || fail "no duetConfig.cmake under the prefix"
pc=$(find "$prefix" -name duet.pc | head -n1)
[[ -n $pc ]] || fail "no duet.pc under the prefix"

echo "== find_package(duet CONFIG REQUIRED) against the prefix"
gen=()
[[ -n ${CMAKE_GENERATOR:-} ]] && gen=(-G "$CMAKE_GENERATOR")
cmake -S "$consumer" -B "$work/cmake-build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="${CXXFLAGS:-}" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF ||
  fail "configuring the consumer failed"
found=$(sed -n 's/^duet_DIR:PATH=//p' "$work/cmake-build/CMakeCache.txt")
[[ $(realpath "$found") == $(realpath "$(dirname "$config")") ]] ||
  fail "find_package found duet in '$found', not under the prefix"
cmake --build "$work/cmake-build" || fail "building the consumer failed"
"$work/cmake-build/consumer" || fail "the CMake-built consumer failed"

echo "== pkg-config --cflags --libs duet, PKG_CONFIG_PATH=$(dirname "$pc")"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs duet) || fail "pkg-config does not know duet"
echo "pkg-config: $flags"
includedir=$(pkg-config --variable=includedir duet)
[[ -d $includedir && $(realpath "$includedir") == $(realpath "$prefix/include") ]] ||
  fail "duet.pc points at includedir '$includedir', not at the prefix it was installed to ($prefix/include)"
# shellcheck disable=SC2086  # the flags are meant to split into words
"$cxx" ${CXXFLAGS:-} -O2 "$consumer/main.cpp" -o "$work/pkgconfig-consumer" $flags ||
  fail "compiling with pkg-config's flags failed"
"$work/pkgconfig-consumer" || fail "the pkg-config-built consumer failed"

echo "PASS: install"
