#!/usr/bin/env python3
"""Whole-process costs a user pays (issue 7, part 3): `adec` time and peak
memory per example, and `aderun train` time per iteration and peak memory
on moons (2-d) and on the 784-d MLP energy of examples/mnist_mlp.ade
(random data in [0, 1]: time and memory do not depend on the pixels). The
same training loop written in LibTorch (bench/train_loop_bench.cpp, first
checked against the compiled entries) runs alongside, same batch and
thread count.

  scripts/bench_process.py [--iters-2d N] [--iters-784 N] [--threads 1,2]
                           [--repeats 3]
                           [--results results/bench-process.md]

Times are wall clock, memory is the peak resident set (getrusage of each
child). Run it on an idle machine: other work on the cores inflates times.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from runlib import PLAIN_ADAM, ROOT, fail, tool, training_seconds, write_text

EXAMPLES = ["examples/moons.ade", "examples/gaussian.ade",
            "examples/gaussian_full.ade", "examples/generalized_hmc.ade",
            "examples/mnist_mlp.ade", "examples/table2/table2.ade"]


def measure(cmd):
    """(wall seconds, peak RSS in MiB) of one child process; its failure
    ends the command."""
    start = time.monotonic()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    error = child.stderr.read()
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        fail("%s failed (exit %d): %s" % (" ".join(cmd), code,
                                          error.strip()[-500:]), 1)
    return seconds, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iters-2d", type=int, default=500)
    parser.add_argument("--iters-784", type=int, default=20)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each training process, alternating "
                             "with the LibTorch loop's; medians reported")
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--results", default=os.path.join(
        ROOT, "results", "bench-process.md"))
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",") if t]
    if not threads or min(threads) < 1:
        fail("--threads needs thread counts >= 1")
    if args.repeats < 1:
        fail("--repeats must be positive")
    adec, aderun = tool(args.bin, "adec"), tool(args.bin, "aderun")
    torch_loop = tool(args.bin, "ade-train-loop-bench")
    with tempfile.TemporaryDirectory(prefix="ade-bench-process-") as work:
        lines = run_all(args, threads, adec, aderun, torch_loop, work)
    write_text(args.results, "\n".join(lines) + "\n")
    print("wrote %s" % os.path.relpath(args.results))


def torch_loop_seconds(torch_loop, library, threads, iters):
    """Seconds per iteration of the LibTorch training loop (`iters`
    iterations), after its gradients agree with the compiled entries'."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads))
    # OpenBLAS, not the reference BLAS Debian's LibTorch may load, with its
    # AVX-512 kernels where the CPU has them: an inherited
    # OPENBLAS_CORETYPE=Haswell halves its SGEMM speed (as scripts/bench.sh
    # sets it up; ../shared/design/performance.md).
    openblas = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
    if os.path.isdir(openblas):
        env["LD_LIBRARY_PATH"] = ":".join(
            p for p in (openblas, env.get("LD_LIBRARY_PATH")) if p)
        with open("/proc/cpuinfo") as f:
            if "avx512f" in f.read():
                env["OPENBLAS_CORETYPE"] = "SkylakeX"
    done = subprocess.run([torch_loop, library, "--threads", str(threads),
                           "--iters", str(iters)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        fail("%s failed (exit %d): %s" % (torch_loop, done.returncode,
                                          done.stderr.strip()[-500:]), 1)
    values = dict(line.split() for line in done.stdout.splitlines())
    if float(values["agreement"]) > 1e-4:
        fail("the LibTorch loop's gradients differ from the compiled "
             "entries' by %s (relative)" % values["agreement"], 1)
    return float(values["seconds_per_iteration"])


def run_all(args, threads, adec, aderun, torch_loop, work):
    """The results file's lines."""
    lines = ["# Whole-process costs: adec and aderun train", "",
             "Command: `python3 scripts/bench_process.py` (%s)." %
             time.strftime("%Y-%m-%d"),
             "CPU: %s, %d cores. Wall clock; peak resident memory of each "
             "process." % (cpu_name(), os.cpu_count() or 1), "",
             "## adec (one example file: every model and sampler, -O2 (the default), all cores: adec -j defaults to them; median of %d compiles)" % args.repeats, "",
             "| example | seconds | peak MiB | model.so KiB |",
             "|---|---:|---:|---:|"]
    libraries = {}
    for example in EXAMPLES:
        library = os.path.join(work, os.path.basename(example) + ".so")
        # The median of `repeats` compiles: one compile's time varies by
        # a tenth on a shared machine.
        runs = [measure([adec, os.path.join(ROOT, example), "-o", library])
                for _ in range(args.repeats)]
        seconds = statistics.median(run[0] for run in runs)
        rss = max(run[1] for run in runs)
        libraries[example] = library
        lines.append("| %s | %.2f | %.0f | %.0f |" % (
            example, seconds, rss, os.path.getsize(library) / 1024))
        print(lines[-1], flush=True)

    data = os.path.join(work, "pixels.csv")
    rng = random.Random(1)
    write_text(data, "\n".join(",".join("%.3f" % rng.random()
                                        for _ in range(784))
                               for _ in range(1000)) + "\n")
    lines += ["", "## aderun train (batch 100, ADE estimator, plain Adam)", "",
              "Per iteration: the whole process (start-up, the final "
              "evaluation, samples and plots included) and the training loop "
              "alone (from metrics.csv; its evaluations included). "
              "*LibTorch loop*: the same iterations written with LibTorch "
              "autograd (bench/train_loop_bench.cpp: fresh data, a model step "
              "through the sampler, 5 sampler steps, Adam; f32, OpenBLAS with "
              "OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs, the same thread "
              "count; its gradients first checked against the "
              "compiled entries), median over blocks of 10 iterations (200 "
              "iterations on moons, 20 in 784-d); each side run %d times, "
              "alternating, medians (peak memory: the largest); "
              "*speed-up*: its time over aderun's whole process; *loop "
              "speed-up*: over aderun's training loop (the start-up and the "
              "final evaluation are a second or so of the 784-d runs' 20 "
              "iterations)."
              % args.repeats, "",
              "| workload | iterations | threads | process s/it | loop s/it "
              "| peak MiB | LibTorch loop s/it | speed-up | loop speed-up |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    # The LibTorch loop's settings: the full gradients through the sampler,
    # plain Adam at constant learning rates.
    plain = ["--estimator", "ade", *PLAIN_ADAM]
    workloads = [
        ("moons (2-d, MLP 128x3, Langevin5)", libraries["examples/moons.ade"],
         ["--sampler", "Langevin5", "--data", "moons", *plain], args.iters_2d,
         200),
        ("784-d (MLP 512x2, Langevin10)",
         libraries["examples/mnist_mlp.ade"],
         ["--model", "MnistMLP", "--data", data, "--eval-samples", "200",
          *plain], args.iters_784, 20)]
    for name, library, flags, iters, torch_iters in workloads:
        for t in threads:
            # Alternating repeats, medians of each: the machine's speed
            # drifts between runs, and both sides should see the same drift.
            ours, loops, theirs, peak = [], [], [], 0
            for repeat in range(args.repeats):
                out = os.path.join(work, "run-%d-%d-%d" % (len(lines), t,
                                                           repeat))
                seconds, rss = measure(
                    [aderun, "train", library, *flags, "--iters", str(iters),
                     "--eval-every", str(iters), "--threads", str(t),
                     "--quiet", "--out", out])
                ours.append(seconds / iters)
                loops.append(training_seconds(out) / iters)
                peak = max(peak, rss)
                theirs.append(torch_loop_seconds(torch_loop, library, t,
                                                 torch_iters))
            mine, reference = statistics.median(ours), statistics.median(theirs)
            loop = statistics.median(loops)
            lines.append("| %s | %d | %d | %.4f | %.4f | %.0f | %.4f | %.1fx "
                         "| %.1fx |" % (name, iters, t, mine, loop, peak,
                                        reference, reference / mine,
                                        reference / loop))
            print(lines[-1], flush=True)
    return lines


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
