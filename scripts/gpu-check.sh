#!/usr/bin/env bash
# The GPU check, in two halves (a GPU machine has no MLIR to compile with):
#
#   scripts/gpu-check.sh prepare
#       here, after scripts/build.sh: compiles the examples and the test
#       models with `adec --target all` and gathers them with ade-gpu-check
#       and the OpenMP runtime in build/gpu-check/.
#   scripts/gpu-check.sh run [OUT_DIR]
#       on the GPU machine, from the repository root with build/gpu-check/
#       copied along: compares every GPU kernel with the CPU entry, times
#       both, times the PyTorch references (eager and torch.compile) and
#       writes OUT_DIR/gpu-check.md (default results/).
set -euo pipefail
cd "$(dirname "$0")/.."
stage=build/gpu-check

prepare() {
  rm -rf "$stage"
  mkdir -p "$stage/lib"
  local adec=build/bin/adec
  for model in examples/moons.ade examples/gaussian.ade \
      examples/generalized_hmc.ade examples/mnist_mlp.ade \
      test/Runtime/Inputs/ops.ade test/Runtime/Inputs/samplers.ade; do
    local name
    name=$(basename "$model" .ade)
    echo "adec --target all $model"
    "$adec" "$model" --target all -o "$stage/$name.so"
  done
  # f64 builds: references for the f32 kernels' accuracy, and moons' f64
  # kernels themselves.
  for model in examples/moons.ade examples/gaussian.ade \
      examples/generalized_hmc.ade test/Runtime/Inputs/samplers.ade; do
    local name
    name=$(basename "$model" .ade)
    echo "adec --target all --precision f64 $model"
    "$adec" "$model" --target all --precision f64 -o "$stage/${name}_f64.so"
  done
  # Block sizes other than the default 128, for the speed table.
  for threads in 32 64 256; do
    echo "adec --target all --cuda-block-size $threads examples/moons.ade"
    "$adec" examples/moons.ade --target all --cuda-block-size "$threads" \
      -o "$stage/moons_block$threads.so"
  done
  git rev-parse --short HEAD >"$stage/COMMIT"
  cp build/bin/ade-gpu-check "$stage/"
  cp "$(ldd "$stage/moons.so" | awk '/libomp/ {print $3}')" "$stage/lib/"
  du -sh "$stage"
}

run() {
  local out=${1:-results}
  mkdir -p "$out"
  export LD_LIBRARY_PATH="$PWD/$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local report="$out/gpu-check.md" status=0
  {
    echo "# GPU check ($(date -u +%Y-%m-%d), libraries compiled at commit $(cat "$stage/COMMIT"))"
    echo
    echo "Command: scripts/gpu-check.sh run (after scripts/gpu-check.sh prepare)."
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv 2>&1 || true
    echo
  } >"$report"
  "$stage/ade-gpu-check" "$stage/moons.so" --reference "$stage/moons_f64.so" \
    >>"$report" 2>&1 || status=1
  "$stage/ade-gpu-check" "$stage/moons_f64.so" --tolerance 1e-10 \
    --bench-batches 100,10000 >>"$report" 2>&1 || status=1
  for name in gaussian generalized_hmc samplers ops mnist_mlp; do
    local reference=()
    [ -f "$stage/${name}_f64.so" ] &&
      reference=(--reference "$stage/${name}_f64.so")
    "$stage/ade-gpu-check" "$stage/$name.so" "${reference[@]}" \
      --bench-batches 10000 >>"$report" 2>&1 || status=1
  done
  {
    echo
    echo "# Block sizes (moons, 128 above)"
    echo
    echo "| threads | entry | batch | GPU ms | GPU particles/s | CPU ms | GPU/CPU |"
    echo "|---|---|---|---|---|---|---|"
    for threads in 32 64 256; do
      "$stage/ade-gpu-check" "$stage/moons_block$threads.so" \
        --check-batches 1000 --bench-batches 100,1000000 2>&1 |
        sed -n '/## Speed/,$p' | grep '^| Moons\|^| Langevin\|^| ADE' |
        sed "s/^/| $threads /" || status=1
    done
    # Where the time goes in one kernel (Nsight Compute, when installed).
    if command -v ncu >/dev/null; then
      echo
      echo "# Nsight Compute: Moons.energy at batch 1 000 000"
      echo '```'
      # The checker only launches the kernel here (agreement is checked
      # above): at 10^6 normal points some land on ReLU kinks, where f32
      # rounding picks the side of a discontinuous gradient.
      ncu --section SpeedOfLight --section Occupancy \
        --section MemoryWorkloadAnalysis -k regex:ade_Moons_energy -c 1 \
        "$stage/ade-gpu-check" "$stage/moons.so" --check-batches 1000000 \
        --bench-batches 100 --tolerance 1 2>&1 |
        sed -n '/ade_Moons_energy ([0-9]/,$p' | head -80 || true
      echo '```'
    fi
    echo
  } >>"$report"
  timeout 300 python3 bench/gpu_reference.py >>"$report" 2>&1 || status=1
  cat "$report"
  return $status
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: scripts/gpu-check.sh prepare | run [OUT_DIR]" >&2; exit 2 ;;
esac
