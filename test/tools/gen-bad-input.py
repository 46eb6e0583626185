#!/usr/bin/env python3
"""gen-bad-input.py KIND OUT [ARG]: write a hostile .ade input.

Kinds: random (64 KiB of seeded random bytes), ascii-noise (seeded random
punctuation and words), deep-parens, deep-unary, deep-lists, deep-blocks,
deep-members, long-sum (N-term sum), big (10 MB), call-chain (ARG
functions, each calling the next), member-loop (a component of ARG
components made in a member loop), latin1 (a non-UTF-8 comment), truncate
(ARG = source file; writes OUT.<n> prefixes), nul."""
import random
import sys

N = 10000


def main():
    kind, out = sys.argv[1], sys.argv[2]
    rng = random.Random(20261127)
    text = None
    if kind == "random":
        data = bytes(rng.getrandbits(8) for _ in range(65536))
        open(out, "wb").write(data)
        return
    if kind == "ascii-noise":
        words = ["fn", "model", "sampler", "(", ")", "{", "}", "[", "]", "=",
                 "~", "x", "1", "2.5", ",", ":", "real", "let", "var", "\n",
                 "for", "in", "..", "+", "*", "@", "grad", "import", "std.nn"]
        text = " ".join(rng.choice(words) for _ in range(20000))
    elif kind == "deep-parens":
        text = "fn g(x: real) -> real = " + "(" * N + "x" + ")" * N + "\n"
    elif kind == "deep-unary":
        text = "fn g(x: real) -> real = " + "-" * N + "x\n"
    elif kind == "deep-lists":
        text = "fn g(x: real) -> real = " + "[" * N + "x" + "]" * N + "\n"
    elif kind == "deep-blocks":
        text = ("fn g(x: real) -> real {\n" + "if true {\n" * N +
                "}\n" * N + "return x\n}\n")
    elif kind == "deep-members":
        text = ("model M {\n" + "if true {\n" * N + "}\n" * N +
                "fn f(x: real[1]) -> real = x[0]\n}\n")
    elif kind == "long-sum":
        terms = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
        text = "fn g(x: real) -> real = " + " + ".join(["x"] * terms) + "\n"
    elif kind == "call-chain":
        count = int(sys.argv[3])
        text = "".join(f"fn g{i}(x: real) -> real = g{i + 1}(x) + 1.0\n"
                       for i in range(count))
        text += (f"fn g{count}(x: real) -> real = x\n"
                 "model M {\n  fn f(x: real[1]) -> real = g0(x[0])\n}\n")
    elif kind == "member-loop":
        text = ("import std.nn\n"
                "component C(n: int) {\n"
                "  for i in 0..n { layer[i] = Dense(1, 1) }\n"
                "  fn forward(x: real[1]) -> real[1] = x\n}\n"
                f"model M {{\n  c = C({sys.argv[3]})\n"
                "  fn f(x: real[1]) -> real = sum(c(x))\n}\n")
    elif kind == "big":
        line = "fn g{}(x: real[2]) -> real = sum(x * x) + 1.5\n"
        parts, size, i = [], 0, 0
        while size < 10 * 1024 * 1024:
            s = line.format(i)
            parts.append(s)
            size += len(s)
            i += 1
        text = "".join(parts)
    elif kind == "latin1":
        open(out, "wb").write(b"// caf\xe9\nfn g(x: real) -> real = x\n")
        return
    elif kind == "nul":
        open(out, "wb").write(b"fn g(x: real) -> real = x\x00 + 1\n")
        return
    elif kind == "truncate":
        source = open(sys.argv[3], "rb").read()
        cuts = sorted(set(rng.randrange(1, len(source)) for _ in range(12)))
        for n, cut in enumerate(cuts):
            open(f"{out}.{n}", "wb").write(source[:cut])
        return
    else:
        sys.exit(f"unknown kind {kind}")
    open(out, "w").write(text)


if __name__ == "__main__":
    main()
