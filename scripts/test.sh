#!/usr/bin/env bash
# scripts/test.sh - set up, build and run every test:
#   1. the lit suite (check-ade): FileCheck tests of every stage, every
#      diagnostic, the CLI, bad inputs, stdlib and examples, and the
#      GoogleTest unit tests;
#   2. a libFuzzer run over the parser and Sema (ASan + UBSan build), seeded
#      with examples/, stdlib/ and the test inputs, for ADE_FUZZ_SECONDS
#      (default 60).
# Options: --sanitize  also build everything with ASan/UBSan (build-asan/)
#          and run the lit suite against it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
bash scripts/build.sh "$root/build"
ninja -C build check-ade

if [ "${1:-}" = "--sanitize" ]; then
  bash scripts/build.sh "$root/build-asan" "-DADE_SANITIZE=address;undefined"
  ASAN_OPTIONS=detect_leaks=1 ninja -C build-asan check-ade
fi

bash scripts/fuzz.sh "${ADE_FUZZ_SECONDS:-60}"
echo "test: all tests passed"
