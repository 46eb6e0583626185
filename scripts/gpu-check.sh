#!/usr/bin/env bash
# The GPU check, in two halves (a GPU machine has no MLIR to compile with):
#
#   scripts/gpu-check.sh prepare
#       here, after scripts/build.sh: compiles the examples and the test
#       models with `adec --target all --cpu x86-64-v3` (PTX and, with
#       CUDA's ptxas here, cubins for sm_90) and gathers them with
#       ade-gpu-check, aderun and the libraries they need in
#       build/gpu-check/, packed into build/gpu-check.tar.gz (about 20 MB)
#       to copy.
#   scripts/gpu-check.sh run [OUT_DIR [PART...]]
#       on the GPU machine, from the repository root with
#       build/gpu-check.tar.gz (or build/gpu-check/) copied along: compares
#       every GPU kernel with the CPU entry, times both, times aderun
#       train's iterations on the GPU, times the PyTorch references (eager
#       and torch.compile) and writes OUT_DIR/gpu-check.md (default
#       results/). PARTs (default all, in this order): moons train
#       torch-train models torch-entries forms profile.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=build/gpu-check

prepare() {
  rm -rf "$stage"
  mkdir -p "$stage/lib"
  # For any CPU with AVX2: the libraries run on the GPU machine's CPU,
  # which refuses code for extensions it lacks (the CPU line of aderun
  # info).
  local adec=(build/bin/adec --cpu x86-64-v3)
  for model in examples/moons.ade examples/gaussian.ade \
      examples/generalized_hmc.ade examples/mnist_mlp.ade \
      test/Runtime/Inputs/ops.ade test/Runtime/Inputs/samplers.ade; do
    local name
    name=$(basename "$model" .ade)
    echo "adec --target all $model"
    "${adec[@]}" "$model" --target all -o "$stage/$name.so"
  done
  # f64 builds: references for the f32 kernels' accuracy, and moons' f64
  # kernels themselves.
  for model in examples/moons.ade examples/gaussian.ade \
      examples/generalized_hmc.ade test/Runtime/Inputs/samplers.ade; do
    local name
    name=$(basename "$model" .ade)
    echo "adec --target all --precision f64 $model"
    "${adec[@]}" "$model" --target all --precision f64 -o "$stage/${name}_f64.so"
  done
  # Other kernel forms of moons for the speed table (above: 64, 16 and 4
  # particles per block of 256 threads): 32 particles per block, 128
  # threads per block, one thread per particle; and for the training
  # table, the forms before the VJPs had tiles of 4 (64 and 16).
  "${adec[@]}" examples/moons.ade --target all --cuda-tile-size 64,16 \
    -o "$stage/moons_tiles64-16.so"
  "${adec[@]}" examples/moons.ade --target all --cuda-tile-size 32 \
    -o "$stage/moons_tile32.so"
  "${adec[@]}" examples/moons.ade --target all --cuda-block-size 128 \
    -o "$stage/moons_block128.so"
  "${adec[@]}" examples/moons.ade --target all --cuda-tile-size 1 \
    --cuda-block-size 128 -o "$stage/moons_thread.so"
  git describe --always --dirty >"$stage/COMMIT"
  cp build/bin/ade-gpu-check build/bin/aderun "$stage/"
  cp "$(ldd "$stage/moons.so" | awk '/libomp/ {print $3}')" \
    "$(ldd build/bin/aderun | awk '/libtomlplusplus/ {print $3}')" "$stage/lib/"
  tar -C build -czf build/gpu-check.tar.gz gpu-check
  du -sh "$stage" build/gpu-check.tar.gz
}

# Progress on stderr: the device tool shows the output's tail, and a run cut
# short by its time limit still says how far it got.
progress() { echo "[gpu-check $SECONDS s] $*" >&2; }

# The training iterations: aderun train on the GPU and the CPU, then the
# same training on both devices from the same noise.
time_training() {
  local runs status=0
  echo "# Training iterations: aderun train (moons, Langevin5, --estimator ade, plain Adam)"
  echo
  echo "Milliseconds per iteration between the first and the last logged"
  echo "row of metrics.csv (the evaluations come after them), and the"
  echo "copies between host and GPU per iteration and the times the host"
  echo "waited for the GPU (aderun's counts; the copies to the GPU go"
  echo "through pinned memory without waiting since 2026-12-02)."
  echo
  echo "(moons_tiles64-16: the GPU kernels of tiles of 64 and 16 alone, the"
  echo "VJPs' of 16, as before 2026-12-02; moons: 64, 16 and 4, the VJPs' of 16"
  echo "and 4.)"
  echo
  echo "| library | device | batch | iterations | ms per iteration | copies to the GPU / back / waits |"
  echo "|---|---|---|---|---|---|"
  runs=$(mktemp -d)
  for spec in moons:cuda:100:300 moons_tiles64-16:cuda:100:300 \
      moons:cuda:10000:100 moons_tiles64-16:cuda:10000:100 moons:cpu:100:300; do
    IFS=: read -r library device batch iters <<<"$spec"
    local run="$runs/$library-$device-$batch"
    "$stage/aderun" train "$stage/$library.so" --sampler Langevin5 --data moons \
      --estimator ade --no-adam-clip --lr-decay none --ema 0 --batch "$batch" \
      --iters "$iters" --log-every 50 --eval-every "$iters" --device "$device" \
      --quiet --out "$run" >"$run.log" || status=1
    copies=$(sed -n 's|^host-device copies per training iteration: \([0-9.]*\) uploads.*, \([0-9.]*\) downloads.*: \([0-9.]*\)$|\1 / \2 / \3|p' \
      "$run.log")
    awk -F, -v l="$library" -v d="$device" -v b="$batch" -v n="$iters" -v c="${copies:--}" '
      NR > 1 && $1 > 0 { if (!first) { first = $1; t0 = $2 } last = $1; t1 = $2 }
      END { printf "| %s | %s | %s | %s | %.3f | %s |\n", l, d, b, n, 1000 * (t1 - t0) / (last - first), c }' \
      "$run/metrics.csv" || status=1
  done
  # The same training on the GPU as on the CPU (the CPU's noise): Adam and
  # the averages run there too (f64, 50 iterations).
  for device in cpu cuda; do
    "$stage/aderun" train "$stage/gaussian_f64.so" --data moons --estimator ade \
      --iters 50 --eval-every 50 --device "$device" --host-noise --quiet \
      --out "$runs/gaussian-$device" >/dev/null || status=1
  done
  echo
  echo "aderun train --device cuda against --device cpu (examples/gaussian.ade, f64, 50 iterations):"
  python3 test/tools/same-checkpoint.py "$runs/gaussian-cpu/checkpoint.bin" \
    "$runs/gaussian-cuda/checkpoint.bin" 1e-6 || status=1
  rm -rf "$runs"
  echo
  return $status
}

# Other kernel forms of moons.
kernel_forms() {
  local status=0
  echo
  echo "# Kernel forms (moons; above: 64, 16 and 4 particles per block of 256 threads)"
  echo
  echo "| build | entry | form | batch | GPU ms | GPU particles/s | CPU ms | GPU/CPU |"
  echo "|---|---|---|---|---|---|---|---|"
  for form in tile32 block128 thread; do
    "$stage/ade-gpu-check" "$stage/moons_$form.so" \
      --check-batches 1000 --bench-batches 100,1000000 2>&1 |
      sed -n '/## Speed/,$p' | grep '^| Moons\|^| Langevin\|^| ADE' |
      sed "s/^/| $form /" || status=1
  done
  echo
  return $status
}

# Where the time goes in two kernels (Nsight Compute, when installed).
profile() {
  command -v ncu >/dev/null || { echo "(no Nsight Compute here)"; return 0; }
  for entry in energy grad_energy; do
    echo
    echo "# Nsight Compute: Moons.$entry, 64 particles per block, at batch 1 000 000"
    echo '```'
    ncu --clock-control none --section SpeedOfLight --section Occupancy \
      --section MemoryWorkloadAnalysis \
      -k regex:"ade_Moons_${entry}_t64\$" -c 1 \
      "$stage/ade-gpu-check" "$stage/moons.so" --check-batches 1000000 \
      --bench-batches 100 --tolerance 1 2>&1 |
      sed -n "/ade_Moons_${entry}_t64 (/,\$p" | head -70 || true
    echo '```'
  done
  echo
}

# The parts, in the order of what they tell: moons' kernels (agreement,
# speed, the fraction of the FP32 peak), aderun's training iteration,
# PyTorch's, every other model's kernels, PyTorch's entries, kernel forms,
# a profile.
all_parts="moons train torch-train models torch-entries forms profile"

run() {
  local out=${1:-results}
  shift || true
  local parts=${*:-$all_parts} part
  for part in $parts; do
    [[ " $all_parts " == *" $part "* ]] ||
      { echo "gpu-check: unknown part '$part' (parts: $all_parts)" >&2; exit 2; }
  done
  mkdir -p "$out"
  [ -d "$stage" ] || tar -C build -xzf build/gpu-check.tar.gz
  export LD_LIBRARY_PATH="$PWD/$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local report="$out/gpu-check.md" status=0
  {
    echo "# GPU check ($(date -u +%Y-%m-%d), libraries compiled at commit $(cat "$stage/COMMIT"))"
    echo
    echo "Command: scripts/gpu-check.sh run OUT $parts (after scripts/gpu-check.sh prepare)."
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv 2>&1 || true
    echo
  } >"$report"
  SECONDS=0
  for part in $parts; do
    progress "$part"
    run_part "$part" >>"$report" 2>&1 || status=1
    echo "_${SECONDS} s since the start (after $part)._" >>"$report"
  done
  progress "done (status $status)"
  return $status
}

run_part() {
  local status=0
  case $1 in
    moons)
      "$stage/ade-gpu-check" "$stage/moons.so" --reference "$stage/moons_f64.so" ||
        status=1
      "$stage/ade-gpu-check" "$stage/moons_f64.so" --tolerance 1e-10 \
        --bench-batches 100,10000 || status=1 ;;
    train) time_training || status=1 ;;
    # Separately bounded: torch.compile of the training step may take long.
    torch-train) timeout 180 python3 bench/gpu_reference.py --part train || status=1 ;;
    models)
      for name in gaussian generalized_hmc samplers ops mnist_mlp; do
        local reference=() tolerance=()
        [ -f "$stage/${name}_f64.so" ] &&
          reference=(--reference "$stage/${name}_f64.so")
        # f32 gradients through learned leapfrog steps and flows lose digits
        # (test/gpu/emulator-samplers.test); their f64 kernels are exact.
        case $name in generalized_hmc | samplers) tolerance=(--tolerance 5e-4) ;; esac
        "$stage/ade-gpu-check" "$stage/$name.so" "${reference[@]}" \
          "${tolerance[@]}" --bench-batches 10000 || status=1
      done ;;
    torch-entries)
      timeout 240 python3 bench/gpu_reference.py --part entries || status=1 ;;
    forms) kernel_forms || status=1 ;;
    profile) profile ;;
  esac
  return $status
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: scripts/gpu-check.sh prepare | run [OUT_DIR [PART...]]" >&2; exit 2 ;;
esac
