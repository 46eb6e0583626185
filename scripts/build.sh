#!/usr/bin/env bash
# scripts/build.sh [BUILD_DIR] [extra cmake args...] - configure (once) and
# build ADE with clang 22, Ninja and ccache. Default BUILD_DIR: build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    "$@" >/dev/null
fi
# NINJA_TARGETS may list several targets.
# shellcheck disable=SC2086
ninja -C "$build" ${NINJA_TARGETS:-all}
