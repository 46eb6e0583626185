#!/usr/bin/env bash
# scripts/setup.sh - install the Debian packages ADE needs.
#
# Idempotent and quiet when everything is present; otherwise runs
# `apt-get update` once and installs only what is missing (with sudo when not
# root). Every package comes from Debian 12 (bookworm, bookworm-security).
set -euo pipefail

PACKAGES=(
  # Build tools.
  cmake ninja-build ccache python3
  # LLVM/MLIR 22 (IR, passes, codegen, FileCheck, lit) and clang/lld 22
  # (the compiler, libFuzzer and sanitizer builds; adec links model.so with
  # lld's library).
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  clang-22 lld-22 liblld-22-dev libclang-rt-22-dev libfuzzer-22-dev
  libomp-22-dev
  # Parser generator (tool 4.7.2) and its C++ runtime (4.9).
  antlr4 libantlr4-runtime-dev
  # Runtime: tensors/optimizers, CLI, JSON, formatting, TOML.
  libtorch-dev libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libtomlplusplus-dev
  # Runtime: gzip (IDX data files) and deflate (PNG plots).
  zlib1g-dev
  # adec: a faster malloc for MLIR and LLVM (about 10% of compile time).
  libtcmalloc-minimal4
  # Tests and benchmarks (OpenBLAS: a fair BLAS for the LibTorch reference).
  libgtest-dev libopenblas0-openmp
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
