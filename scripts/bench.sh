#!/usr/bin/env bash
# scripts/bench.sh - compile examples/moons.ade and time its entries against
# LibTorch (f32, same threads) in one run: the energy with the machine's
# SGEMM rate for the "of peak" column (results/bench-energy.md), and the
# gradient and sampler entries against LibTorch autograd
# (results/bench-entries.md); the 784-d entries of examples/mnist_mlp.ade
# (MLP, conv net, Langevin10) against LibTorch (results/bench-image.md).
# Extra arguments (--batch LIST, --repeats N) go to the moons benchmarks.
# Then the whole-process costs: adec time and memory per example, aderun
# train time per iteration and memory on moons and on the 784-d MLP, and
# the moons training loop written in LibTorch beside it
# (scripts/bench_process.py, results/bench-process.md).
#
# The reference uses OpenBLAS (Debian's default libblas.so.3 may be the slow
# reference BLAS): LD_LIBRARY_PATH points at the OpenMP build, and
# OPENBLAS_CORETYPE=SkylakeX is set on AVX-512 machines.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
NINJA_TARGETS="adec aderun ade-energy-bench ade-entries-bench ade-image-bench ade-train-loop-bench" bash scripts/build.sh build > /dev/null

export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if grep -q avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
mkdir -p results build/bench
build/bin/adec examples/moons.ade -o build/bench/moons.so
# The command, date, machine and LibTorch of a results file.
provenance() {
  echo "Command: \`bash scripts/bench.sh\` ($(date -u +%Y-%m-%d))."
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
       "$(nproc) cores. LibTorch $(dpkg-query -W -f='${Version}' libtorch-dev)" \
       "with OpenBLAS (openblas-openmp${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})."
}

# Runs a benchmark once per thread count (one process each, with
# OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set to it); the first prints the
# table header.
per_thread_count() {
  local header=--header threads
  for threads in ${BENCH_THREADS:-1 2}; do
    OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
      "$@" $header --threads "$threads"
    header=
  done
}

out=results/bench-energy.md
{
  echo "# Moons energy f(x): ADE vs LibTorch"
  echo
  provenance
  echo "FLOPs are the compiler's count for the energy (\`aderun info\`: the"
  echo "layer products, 2 per multiply-add, and the bias adds and ReLUs); SGEMM"
  echo "is a 2048x2048x2048 torch::mm in the same process. Medians over"
  echo "repeated runs; one process per thread count."
  echo
  per_thread_count build/bin/ade-energy-bench build/bench/moons.so Moons "$@"
} | tee "$out.tmp"
mv "$out.tmp" "$out"

out=results/bench-entries.md
{
  echo "# Moons gradient and sampler entries: ADE vs LibTorch autograd"
  echo
  provenance
  echo "f32; medians over repeated runs; one process per thread count. Both"
  echo "sides compute the same quantities from the same parameters, points and"
  echo "noise (see bench/entries_bench.cpp); \"objective gradient\" is the full"
  echo "ADE gradient (paper eq. 21) in the model's and the sampler's parameters,"
  echo "\"sampler objective gradient\" the same in the sampler's alone (a sampler"
  echo "step: sampler_vjp); \"score matching\" is the loss and its parameter"
  echo "gradient (third order); \"training iteration\" sums the medians of a"
  echo "model step (energy_vjp on data and the objective gradient) and 5"
  echo "sampler steps, the reference practice's gradients. GFLOP/s divide the"
  echo "compiler's count of each entry's floating-point operations (\`aderun"
  echo "info\`: 2 per multiply-add, 1 per other arithmetic operation or"
  echo "elementary function) by ADE's time: sample computes 6 gradients of f"
  echo "(Langevin5's 5 leapfrog steps share one between consecutive half"
  echo "steps; LibTorch computes 10); a ReLU network's gradient is piecewise"
  echo "constant, so the compiler's derivative of it folds to zero and"
  echo "sampler_vjp has no second-order sweep through f (its count is about"
  echo "sample's), where sample_vjp still differentiates f's gradient in the"
  echo "model's parameters."
  echo
  per_thread_count build/bin/ade-entries-bench build/bench/moons.so "$@"
} | tee "$out.tmp"
mv "$out.tmp" "$out"

build/bin/adec examples/mnist_mlp.ade -o build/bench/mnist_mlp.so
out=results/bench-image.md
{
  echo "# 784-d entries (MLP and conv net): ADE vs LibTorch autograd"
  echo
  provenance
  echo "f32; medians over repeated runs; one process per thread count. The"
  echo "image workloads of performance.md on examples/mnist_mlp.ade: MnistMLP"
  echo "(784-512-512-1, swish), MnistConv (conv 3x3 16, pool, conv 3x3 32,"
  echo "pool, dense) and the Langevin10 sampler of MnistMLP; both sides compute"
  echo "the same quantities from the same parameters, points and noise (see"
  echo "bench/image_bench.cpp); \"training iteration\" sums the medians of"
  echo "MnistMLP's energy_vjp, Langevin10's objective gradient (a model"
  echo "step) and 5 of its sampler objective gradients. GFLOP/s use the"
  echo "compiler's counts as in results/bench-entries.md; Langevin10's"
  echo "sampling computes 11 gradients of f (LibTorch 20)."
  echo
  per_thread_count build/bin/ade-image-bench build/bench/mnist_mlp.so
} | tee "$out.tmp"
mv "$out.tmp" "$out"

python3 scripts/bench_process.py
