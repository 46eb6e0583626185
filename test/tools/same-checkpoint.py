#!/usr/bin/env python3
"""same-checkpoint.py A B TOLERANCE: exit 1 unless aderun checkpoints A and B
are at the same iteration with every parameter (model and sampler) within
TOLERANCE relative (absolute below 1); prints the largest difference."""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from runlib import read_checkpoint  # noqa: E402


def largest_difference(a, b):
    return max((abs(x - y) / max(1.0, abs(x))
                for name in a for x, y in zip(a[name], b[name])), default=0.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("tolerance", type=float)
    args = parser.parse_args()
    try:
        (ia, pa), (ib, pb) = read_checkpoint(args.a), read_checkpoint(args.b)
    except (OSError, ValueError) as e:
        sys.exit(str(e))
    if ia != ib or sorted(pa) != sorted(pb) or any(
            len(pa[n]) != len(pb[n]) for n in pa):
        sys.exit(f"different runs: iterations {ia} and {ib}, parameters "
                 f"{sorted(pa)} and {sorted(pb)}")
    difference = largest_difference(pa, pb)
    print(f"iteration {ia}: {sum(len(v) for v in pa.values())} parameters, "
          f"largest difference {difference:.3g}")
    if difference > args.tolerance:
        print(f"  above the tolerance {args.tolerance:g}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
