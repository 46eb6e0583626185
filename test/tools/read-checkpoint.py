#!/usr/bin/env python3
"""read-checkpoint.py CHECKPOINT [NAME | NAME=V1,V2,..+-TOL]...: print the
iteration and each named parameter (model parameters by name, sampler ones
as sampler.NAME) of an aderun checkpoint, one "name = v1 v2 ..." line each.
With =values+-tolerance, exit 1 unless every element is within tolerance."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from runlib import read_checkpoint  # noqa: E402


def main():
    path, requests = sys.argv[1], sys.argv[2:]
    try:
        iteration, params = read_checkpoint(path)
    except (OSError, ValueError) as e:
        sys.exit(str(e))
    print(f"iteration = {iteration}")
    ok = True
    for request in requests:
        name, _, expected = request.partition("=")
        if name not in params:
            sys.exit(f"no parameter {name}; there are {', '.join(params)}")
        got = params[name]
        print(name + " = " + " ".join(f"{v:.4f}" for v in got))
        if expected:
            values, _, tolerance = expected.partition("+-")
            want = [float(v) for v in values.split(",")]
            if len(want) != len(got) or any(
                    abs(g - w) > float(tolerance) for g, w in zip(got, want)):
                print(f"  expected {values} +- {tolerance}")
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
