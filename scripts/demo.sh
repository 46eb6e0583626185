#!/usr/bin/env bash
# scripts/demo.sh [EXAMPLE] [DATA] - the main job, from a fresh machine: set
# up, build, check an example (default: examples/moons.ade) and show what
# the compiler understood, compile it to a shared library, load it from C
# (examples/c/load_model.c), then train it by ADE on DATA (default: moons)
# with aderun's defaults, or the example's settings file (EXAMPLE with .toml
# for .ade) when it has one: samples, plots and the MMD metric in
# build/demo/run. ADE_DEMO_ITERS sets the training iterations (default:
# the settings file's or aderun's, 10 000: under a minute for moons on
# 2 cores).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
example="${1:-examples/moons.ade}"
name="$(basename "$example" .ade)"
data="${2:-moons}"
settings="${example%.ade}.toml"
train=(--data "$data" --eval-every 1000 --log-every 1000 --out build/demo/run)
if [ -f "$settings" ]; then
  train+=(--config "$settings")
fi
if [ -n "${ADE_DEMO_ITERS:-}" ]; then
  train+=(--iters "$ADE_DEMO_ITERS")
fi

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
build/bin/adec "$example" --emit=sema | awk '
  /^param / { if (++params <= 10) print; next }
  /^(model|sampler) / { print (length($0) > 100 ? substr($0, 1, 97) "..." : $0) }
  END { if (params > 10) print "(" params " parameters in all)" }'
echo
echo "== adec $example -o build/demo/$name.so"
start=$(date +%s%N)
build/bin/adec "$example" -o "build/demo/$name.so"
echo "compiled in $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo
echo "== load it from C (examples/c/load_model.c) and evaluate f"
cc -I runtime/include examples/c/load_model.c -ldl -lm -o build/demo/load_model
build/demo/load_model "build/demo/$name.so"
echo
echo "== aderun train build/demo/$name.so ${train[*]}"
rm -rf build/demo/run
build/bin/aderun train "build/demo/$name.so" "${train[@]}"
echo
echo "== aderun eval build/demo/run --reps 10 --seed 2 (MMD^2 against fresh data, paper Table 2's metric)"
build/bin/aderun eval build/demo/run --reps 10 --seed 2
echo
echo "== aderun eval --data $data --reps 10 --evaluations 0 (what exact samples would score)"
build/bin/aderun eval --data "$data" --reps 10 --evaluations 0
echo
echo "Look at build/demo/run/samples.png (samples over data, learned density)"
echo "and build/demo/run/curves.png (training curves); samples are in"
echo "build/demo/run/samples.csv."
