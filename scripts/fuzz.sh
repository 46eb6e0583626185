#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - build the libFuzzer target over the parser and
# Sema (clang, ASan + UBSan) in build-fuzz/ and run it for SECONDS (default
# 60) on a corpus seeded from examples/, stdlib/ and test inputs. Findings
# are written to build-fuzz/findings/ and fail the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
build="$root/build-fuzz"
NINJA_TARGETS=ade-fuzz-frontend bash "$root/scripts/build.sh" "$build" -DADE_FUZZ=ON

corpus="$build/corpus"
mkdir -p "$corpus" "$build/findings"
# Seeds: every .ade file of the project (the corpus keeps what the fuzzer
# adds between runs).
find "$root/examples" "$root/stdlib" "$root/test" -name '*.ade' -print0 |
  while IFS= read -r -d '' f; do
    cp "$f" "$corpus/seed-$(sha1sum < "$f" | cut -c1-16).ade"
  done
echo "fuzz: $(ls "$corpus" | wc -l) corpus files, ${seconds}s"
cd "$build/findings"
"$build/bin/ade-fuzz-frontend" "$corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/findings/" \
  -dict="$root/test/fuzz/ade.dict" 2>&1 | tail -n 12
