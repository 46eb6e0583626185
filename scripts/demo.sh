#!/usr/bin/env bash
# scripts/demo.sh [EXAMPLE] - the main job, from a fresh machine: set up,
# build, check an example (default: examples/moons.ade) and show what the
# compiler understood, compile it to a shared library, then load that
# library from C (examples/c/load_model.c) and evaluate the model's
# log-density.
#
# Training, sampling and plots (aderun) come with later milestones (README).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
example="${1:-examples/moons.ade}"
name="$(basename "$example" .ade)"

bash scripts/setup.sh
bash scripts/build.sh "$root/build" > /dev/null
mkdir -p build/demo

echo "== adec $example --check"
build/bin/adec "$example" --check
echo "ok: no errors, no warnings"
echo
echo "== adec $example --doc"
build/bin/adec "$example" --doc
echo
echo "== adec $example --emit=sema (parameters, models and samplers)"
build/bin/adec "$example" --emit=sema | grep -E '^(param|model|sampler) ' | head -20
echo
echo "== adec $example -o build/demo/$name.so"
start=$(date +%s%N)
build/bin/adec "$example" -o "build/demo/$name.so"
echo "compiled in $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo
echo "== load it from C (examples/c/load_model.c) and evaluate f"
cc -I runtime/include examples/c/load_model.c -ldl -lm -o build/demo/load_model
build/demo/load_model "build/demo/$name.so"
