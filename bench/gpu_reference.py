#!/usr/bin/env python3
"""PyTorch references for the GPU kernels of examples/moons.ade.

The same computations as the moons model's energy and grad_energy entries
and its Langevin5 sampler's sample entry (test/Runtime/MoonsReference.h is
the LibTorch twin), timed on the GPU in PyTorch eager mode and with
torch.compile, f32, random Glorot-uniform parameters (timing does not
depend on their values). Prints a Markdown table; run by
scripts/gpu-check.sh on a GPU machine.

usage: gpu_reference.py [--batches 100,10000,1000000]
"""
import argparse
import math
import statistics
import warnings

import torch


def glorot(fan_in, fan_out, shape, gen):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(shape, generator=gen) * 2 - 1) * limit


def make_params(device):
    gen = torch.Generator().manual_seed(1)
    sizes = [2, 128, 128, 128, 1]
    layers = []
    for i in range(4):
        fi, fo = sizes[i], sizes[i + 1]
        layers.append((glorot(fi, fo, (fo, fi), gen).to(device),
                       glorot(fi, fo, (fo,), gen).to(device)))
    planar = [tuple((torch.randn(s, generator=gen) * 0.1).to(device)
                    for s in ((2,), (2,), ()))
              for _ in range(10)]
    eps = torch.full((5, 2), 0.01, device=device)
    return layers, planar, eps


def energy(layers, x):
    h = x
    for i, (w, b) in enumerate(layers):
        h = h @ w.T + b
        if i < 3:
            h = torch.relu(h)
    return -h[:, 0]


def grad_energy(layers, x):
    def total(x):
        f = energy(layers, x)
        return f.sum(), f
    g, f = torch.func.grad(total, has_aux=True)(x)
    return f, g


def sample(layers, planar, eps, noise):
    def log_normal(e):
        return (-0.5 * e * e - 0.5 * math.log(2 * math.pi)).sum(1)
    z = noise[:, 0:2]
    logq, x = log_normal(z), z
    for u, w, b in planar:
        wu = w @ u
        u_hat = u + (torch.nn.functional.softplus(wu) - 1 - wu) * w / (w @ w)
        t = torch.tanh(x @ w + b)
        psi = (1 - t * t).unsqueeze(1) * w
        logq = logq - torch.log(1 + psi @ u_hat)
        x = x + u_hat * t.unsqueeze(1)
    kinetic = torch.zeros_like(logq)
    for k in range(5):
        v = noise[:, 2 + 2 * k:4 + 2 * k]
        logq = logq + log_normal(v)
        e = eps[k]
        v = v + 0.5 * e * grad_energy(layers, x)[1]
        x = x + e * v
        v = v + 0.5 * e * grad_energy(layers, x)[1]
        kinetic = kinetic + 0.5 * (v * v).sum(1)
    return x, logq, kinetic


def time_ms(fn):
    """Median milliseconds over enough runs to fill ~0.2 s (CUDA events)."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    samples = []
    start, end = torch.cuda.Event(True), torch.cuda.Event(True)
    while len(samples) < 5 or (sum(samples) < 200 and len(samples) < 200):
        start.record()
        fn()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end))
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="100,10000,1000000")
    args = parser.parse_args()
    device = "cuda"
    torch.backends.cuda.matmul.allow_tf32 = False  # f32 like the kernels
    warnings.filterwarnings("ignore", message=".*TensorFloat32.*")
    layers, planar, eps = make_params(device)
    entries = {
        "energy": lambda x, n: energy(layers, x),
        "grad_energy": lambda x, n: grad_energy(layers, x),
        "sample": lambda x, n: sample(layers, planar, eps, n),
    }
    print(f"# PyTorch {torch.__version__} on {torch.cuda.get_device_name()}"
          " (f32, TF32 off)\n")
    print("| entry | batch | eager ms | torch.compile ms |")
    print("|---|---|---|---|")
    for name, fn in entries.items():
        compiled = torch.compile(fn, dynamic=False)
        for batch in (int(b) for b in args.batches.split(",")):
            x = torch.randn(batch, 2, device=device)
            noise = torch.randn(batch, 12, device=device)
            eager = time_ms(lambda: fn(x, noise))
            try:
                comp = f"{time_ms(lambda: compiled(x, noise)):.4f}"
            except Exception as e:  # report, keep the eager numbers
                comp = f"failed: {type(e).__name__}"
            print(f"| {name} | {batch} | {eager:.4f} | {comp} |", flush=True)


if __name__ == "__main__":
    main()
