#!/usr/bin/env python3
"""read-checkpoint.py CHECKPOINT [NAME | NAME=V1,V2,..+-TOL]...: print the
iteration and each named parameter (model parameters by name, sampler ones
as sampler.NAME) of an aderun checkpoint, one "name = v1 v2 ..." line each.
With =values+-tolerance, exit 1 unless every element is within tolerance."""
import json
import struct
import sys


def main():
    path, requests = sys.argv[1], sys.argv[2:]
    data = open(path, "rb").read()
    if data[:8] != b"ADECKPT1":
        sys.exit(f"{path}: not an ADE checkpoint")
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16:16 + length])
    offset = 16 + length
    buffers = []
    for size in header["sizes"][:2]:
        buffers.append(struct.unpack(f"<{size}d", data[offset:offset + 8 * size]))
        offset += 8 * size
    params = {}
    for (prefix, layout), values in zip(
            [("", header["model_params"]), ("sampler.", header["sampler_params"])],
            buffers):
        for p in layout:
            size = 1
            for d in p["shape"]:
                size *= d
            params[prefix + p["name"]] = values[p["offset"]:p["offset"] + size]
    print(f"iteration = {header['iteration']}")
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
