#!/usr/bin/env python3
"""PyTorch references for the GPU kernels of examples/moons.ade.

The same computations as the moons model's energy and grad_energy entries
and its Langevin5 sampler's sample entry (test/Runtime/MoonsReference.h is
the LibTorch twin), timed on the GPU in PyTorch eager mode and with
torch.compile, f32, random Glorot-uniform parameters (timing does not
depend on their values); then the training iteration of `aderun train
--estimator ade` with that sampler (bench/train_loop_bench.cpp is the
LibTorch twin on the CPU): a fresh moons batch, a model step through the
sampler (second order), 5 sampler steps, plain Adam. Prints Markdown
tables; run by scripts/gpu-check.sh on a GPU machine.

usage: gpu_reference.py [--part entries|train|all]
                        [--batches 100,10000,1000000]
                        [--train-batches 100,10000]
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


def sample(layers, planar, eps, noise, grad_x=None):
    """x_T, log q and the kinetic energy of the dropped momenta; grad_x(x)
    is grad_x f (default: grad_energy's)."""
    if grad_x is None:
        def grad_x(x):
            return grad_energy(layers, x)[1]

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
        v = v + 0.5 * e * grad_x(x)
        x = x + e * v
        v = v + 0.5 * e * grad_x(x)
        kinetic = kinetic + 0.5 * (v * v).sum(1)
    return x, logq, kinetic


def moons_batch(n, device):
    """aderun's `moons` (runtime/lib/Datasets.cpp): scikit-learn's
    make_moons(noise=0.1) scaled by 2 and shifted by (-1, -0.2)."""
    a = torch.linspace(0, math.pi, n // 2, device=device)
    b = torch.linspace(0, math.pi, n - n // 2, device=device)
    points = torch.cat([torch.stack([a.cos(), a.sin()], 1),
                        torch.stack([1 - b.cos(), 0.5 - b.sin()], 1)])
    points = points[torch.randperm(n, device=device)]
    points = points + 0.1 * torch.randn(n, 2, device=device)
    return 2 * points - torch.tensor([1.0, 0.2], device=device)


def differentiable_grad(layers):
    """grad_x f that later gradients see through (create_graph)."""
    def grad_x(x):
        if not x.requires_grad:
            x = x.detach().requires_grad_()
        f = energy(layers, x)
        return torch.autograd.grad(f.sum(), x, create_graph=True)[0]
    return grad_x


def training_iteration(device, batch):
    """One iteration of aderun train --estimator ade --sampler Langevin5
    --kinetic-weight 0 --no-adam-clip --lr-decay none --ema 0: a model
    step that ascends l = mean f(data) - mean [f(x) - log q(x)] through
    the sampler, then 5 sampler steps that descend it, each on fresh
    noise."""
    layers, planar, eps = make_params(device)
    model = [t.requires_grad_() for pair in layers for t in pair]
    sampler = [t.requires_grad_() for flow in planar for t in flow]
    sampler.append(eps.requires_grad_())
    model_adam = torch.optim.Adam(model, lr=1e-3)
    sampler_adam = torch.optim.Adam(sampler, lr=1e-3)

    def detached(tensors):
        return [t.detach() for t in tensors]

    def draw(model_params, sampler_params):
        it = iter(model_params)
        model_layers = list(zip(it, it))
        it = iter(sampler_params[:-1])
        flow = list(zip(it, it, it))
        noise = torch.randn(batch, 12, device=device)
        x, logq, _ = sample(model_layers, flow, sampler_params[-1], noise,
                            differentiable_grad(model_layers))
        return model_layers, x, logq

    def step(optimizer, params, objective, sign):
        grads = torch.autograd.grad(objective, params)
        for p, g in zip(params, grads):
            p.grad = sign * g
        optimizer.step()

    def iteration():
        model_layers, x, logq = draw(model, detached(sampler))
        data = moons_batch(batch, device)
        l = (energy(model_layers, data).mean() -
             (energy(model_layers, x) - logq).mean())
        step(model_adam, model, l, -1.0)  # ascend l
        for _ in range(5):
            model_layers, x, logq = draw(detached(model), sampler)
            step(sampler_adam, sampler,
                 (energy(model_layers, x) - logq).mean(), -1.0)

    return iteration


def failure(e):
    """An exception's type and the first lines of its message, for a table
    cell (torch.compile's errors run to pages)."""
    lines = [l.strip() for l in str(e).splitlines() if l.strip() and not
             l.strip().startswith(("Set TORCHDYNAMO", "You can suppress",
                                   "Traceback", "File "))]
    text = f"{type(e).__name__}: {' / '.join(lines[:2])}"[:240]
    return text.replace("|", "/")


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
    parser.add_argument("--part", choices=["entries", "train", "all"],
                        default="all")
    parser.add_argument("--batches", default="100,10000,1000000")
    parser.add_argument("--train-batches", default="100,10000")
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
    if args.part in ("entries", "all"):
        time_entries(entries, args.batches, device)
    if args.part in ("train", "all"):
        time_training(args.train_batches, device)


def time_entries(entries, batches, device):
    print("| entry | batch | eager ms | torch.compile ms |")
    print("|---|---|---|---|")
    for name, fn in entries.items():
        compiled = torch.compile(fn, dynamic=False)
        for batch in (int(b) for b in batches.split(",")):
            x = torch.randn(batch, 2, device=device)
            noise = torch.randn(batch, 12, device=device)
            eager = time_ms(lambda: fn(x, noise))
            try:
                comp = f"{time_ms(lambda: compiled(x, noise)):.4f}"
            except Exception as e:  # report, keep the eager numbers
                comp = f"failed: {failure(e)}"
            print(f"| {name} | {batch} | {eager:.4f} | {comp} |", flush=True)



def time_training(batches, device):
    """A row per mode as soon as it is timed: torch.compile of a step with
    second-order gradients may take long or fail, and the eager rows stand
    anyway."""
    # A compiled backward donates its buffers unless told not to, and then
    # refuses create_graph=True, which the model step needs.
    if hasattr(torch._functorch.config, "donated_buffer"):
        torch._functorch.config.donated_buffer = False
    print("\n| training iteration (aderun train --estimator ade) | batch |"
          " mode | ms |")
    print("|---|---|---|---|")
    for batch in (int(b) for b in batches.split(",")):
        eager = time_ms(training_iteration(device, batch))
        print(f"| moons, Langevin5 | {batch} | eager | {eager:.4f} |",
              flush=True)
        try:
            comp = time_ms(torch.compile(training_iteration(device, batch)))
            comp = f"{comp:.4f}"
        except Exception as e:  # report, keep the eager numbers
            comp = f"failed: {failure(e)}"
        print(f"| moons, Langevin5 | {batch} | torch.compile | {comp} |",
              flush=True)


if __name__ == "__main__":
    main()
