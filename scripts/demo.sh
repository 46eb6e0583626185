#!/usr/bin/env bash
# scripts/demo.sh [EXAMPLE] - the main job, from a fresh machine: set up,
# build, then check an example (default: examples/moons.ade), print its
# documentation and its checked, instantiated program.
#
# Today this stops at the checked program; code generation (adec -o
# model.so) and training (aderun) are the next milestones (see README).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
example="${1:-examples/moons.ade}"

bash scripts/setup.sh
bash scripts/build.sh "$root/build" > /dev/null

echo "== adec $example --check"
build/bin/adec "$example" --check
echo "ok: no errors, no warnings"
echo
echo "== adec $example --doc"
build/bin/adec "$example" --doc
echo
echo "== adec $example --emit=sema (parameters, models and samplers)"
build/bin/adec "$example" --emit=sema | grep -E '^(param|model|sampler) '
