#!/usr/bin/env bash
# scripts/bench.sh - compile examples/moons.ade and time its entries against
# LibTorch (f32, same threads) in one run: the energy with the machine's
# SGEMM rate for the "of peak" column (results/bench-energy.md), and the
# gradient and sampler entries against LibTorch autograd
# (results/bench-entries.md).
#
# The reference uses OpenBLAS (Debian's default libblas.so.3 may be the slow
# reference BLAS): LD_LIBRARY_PATH points at the OpenMP build, and
# OPENBLAS_CORETYPE=SkylakeX is set on AVX-512 machines.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
NINJA_TARGETS="adec ade-energy-bench ade-entries-bench" bash scripts/build.sh build > /dev/null

export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if grep -q avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
mkdir -p results build/bench
build/bin/adec examples/moons.ade -o build/bench/moons.so
out=results/bench-energy.md
{
  echo "# Moons energy f(x): ADE vs LibTorch"
  echo
  echo "Command: \`bash scripts/bench.sh\` ($(date -u +%Y-%m-%d))."
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
       "$(nproc) cores. LibTorch $(dpkg-query -W -f='${Version}' libtorch-dev)" \
       "with OpenBLAS (openblas-openmp${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})."
  echo "FLOPs count the layer products (2 per multiply-add); SGEMM is a"
  echo "2048x2048x2048 torch::mm in the same process. Medians over repeated"
  echo "runs; one process per thread count, with OMP_NUM_THREADS and"
  echo "OPENBLAS_NUM_THREADS set to it."
  echo
  header=--header
  for threads in ${BENCH_THREADS:-1 2}; do
    OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
      build/bin/ade-energy-bench build/bench/moons.so Moons $header \
      --threads "$threads" "$@"
    header=
  done
} | tee "$out.tmp"
mv "$out.tmp" "$out"

out=results/bench-entries.md
{
  echo "# Moons gradient and sampler entries: ADE vs LibTorch autograd"
  echo
  echo "Command: \`bash scripts/bench.sh\` ($(date -u +%Y-%m-%d))."
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
       "$(nproc) cores. LibTorch $(dpkg-query -W -f='${Version}' libtorch-dev)" \
       "with OpenBLAS, as above. f32; medians over repeated runs; both sides"
  echo "compute the same quantities from the same parameters, points and noise"
  echo "(see bench/entries_bench.cpp); \"objective gradient\" is the full ADE"
  echo "gradient (paper eq. 21) in the model's and the sampler's parameters."
  echo
  header=--header
  for threads in ${BENCH_THREADS:-1 2}; do
    OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
      build/bin/ade-entries-bench build/bench/moons.so $header \
      --threads "$threads"
    header=
  done
} | tee "$out.tmp"
mv "$out.tmp" "$out"
