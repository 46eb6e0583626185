#!/usr/bin/env python3
"""mmd-falls.py METRICS.csv FACTOR: print the first and last MMD^2 of an
aderun run's metrics.csv; exit 1 unless the last is below FACTOR times the
first (the untrained sampler's)."""
import csv
import sys


def main():
    path, factor = sys.argv[1], float(sys.argv[2])
    with open(path) as f:
        values = [float(r["mmd2"]) for r in csv.DictReader(f) if r["mmd2"] != "nan"]
    first, last = values[0], values[-1]
    print(f"MMD^2 x 1e3: untrained {first * 1e3:.3f}, last {last * 1e3:.3f}")
    return 0 if last < factor * first else 1


if __name__ == "__main__":
    sys.exit(main())
