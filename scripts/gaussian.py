#!/usr/bin/env python3
"""Gaussian parameter recovery (the ADE paper's Sec. 6): ADE and score
matching fit N(mu, Sigma) in dimensions 1 to 50, and we report how far the
learned parameters are from the truth.

Three cases, each with its model in examples/:
  diag     gaussian.ade, N(mu, diag(sigma)^2) with the paper's mu = -1 and
           sigma = 0.1 in every dimension; errors of mu and of sigma.
  full     gaussian_full.ade, a random full covariance (precision
           P = R R^T, R lower triangular); errors of mu and of the
           precision matrix.
  natural  gaussian_natural.ade, full's distributions and data, the model
           in natural parameters (eta = P mu and P); the same errors, of
           mu = P^-1 eta.
Each (case, dimension) gets one data file of --points draws; every run
trains on it with `aderun train`, one thread each, up to --jobs at once,
resumably (finished runs are kept). The maximum-likelihood estimate from the
same data (sample mean and covariance) is the reference no estimator can be
expected to beat. Writes --results (results/gaussian.md).

  scripts/gaussian.py [--dims 1,2,5] [--cases diag] [--seeds 1] ...
"""

import argparse
import datetime
import math
import os
import random
import shlex
import sys
import time

from runlib import (PLAIN_ADAM, ROOT, add_common_arguments, Interrupted, Run, compile_model,
                    execute, fail, interrupt_on_sigterm, mean_sd, read_checkpoint,
                    read_json, tool, write_json, write_text)

DIMS = [1, 2, 5, 10, 20, 50]
CASES = {"diag": "gaussian.ade", "full": "gaussian_full.ade",
         "natural": "gaussian_natural.ade"}
ESTIMATORS = {"ade": "ADE", "sm": "SM"}
MU, SIGMA = -1.0, 0.1  # the paper's diagonal case
# The paper's exact objective: the momenta the Langevin steps draw and drop
# keep their kinetic energy. With aderun's default (0) log q ignores what
# the steps do to the density, and the sampler games it: a wide q0 whose
# spread the steps erase, and the model's sigma ends 14x too large (d = 10).
KINETIC = ["--kinetic-weight", "1"]


PARAMETRIZATIONS = (
    "The full and natural cases fit the same data with the same family of "
    "distributions, parametrized two ways. Score matching's loss, "
    "−tr P + ½ E|P(x − μ)|², couples μ and P in the full case: where μ is "
    "off by δ, the P that fits best shrinks along δ, and the gradient in "
    "μ, P²δ, shrinks with it, so μ stalls (a local trap, not an error of "
    "the entries: their gradients agree with finite differences). In "
    "natural parameters the score, η − Px, is linear in η, and score "
    "matching recovers μ. ADE's model gradient in η is the difference "
    "between the data's mean and the samples'; at a constant learning rate "
    "its last iterate stays noisy, and μ = P⁻¹η magnifies that noise where "
    "P is small. In the full case the same noise reaches μ directly.")


def parse_args():
    p = argparse.ArgumentParser(
        description="Gaussian parameter recovery by ADE and score matching.")
    p.add_argument("--dims", default=",".join(map(str, DIMS)),
                   help="comma-separated dimensions")
    p.add_argument("--cases", default=",".join(CASES),
                   help="comma-separated, of diag, full, natural")
    p.add_argument("--estimators", default=",".join(ESTIMATORS),
                   help="comma-separated, of ade, sm")
    p.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    p.add_argument("--iters", type=int, default=10000)
    p.add_argument("--points", type=int, default=10000,
                   help="draws in each data file")
    add_common_arguments(p, "gaussian")
    a = p.parse_args()

    def listed(text, what, known=None, number=False):
        values = list(dict.fromkeys(v for v in text.split(",") if v))
        if not values:
            fail("--%s must not be empty" % what)
        if number:
            try:
                values = [int(v) for v in values]
            except ValueError:
                fail("--%s takes comma-separated integers" % what)
        for v in values:
            if known is not None and v not in known:
                fail("unknown %s '%s' (one of: %s)" % (
                    what.rstrip("s"), v, ", ".join(known)))
        return values
    a.dims = listed(a.dims, "dims", number=True)
    a.cases = listed(a.cases, "cases", CASES)
    a.estimators = listed(a.estimators, "estimators", ESTIMATORS)
    a.seeds = listed(a.seeds, "seeds", number=True)
    if min(a.dims) < 1:
        fail("--dims must be positive")
    if "--ema" in a.train_args:
        fail("--ema is not supported here: the errors are of the trained "
             "parameters, not of their averages")
    if min(a.iters, a.jobs) < 1 or a.points < 2:
        fail("--iters and --jobs must be positive, --points at least 2")
    return a


# Small dense linear algebra on lists of rows (dimension <= a few hundred).

def matmul_transposed(a, b):
    """a b^T."""
    return [[sum(x * y for x, y in zip(r, s)) for s in b] for r in a]


def inverse(m):
    """Gauss-Jordan with partial pivoting."""
    n = len(m)
    a = [row[:] + [float(i == j) for j in range(n)]
         for i, row in enumerate(m)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(a[r][c]))
        a[c], a[pivot] = a[pivot], a[c]
        scale = a[c][c]
        a[c] = [v / scale for v in a[c]]
        for r in range(n):
            if r != c and a[r][c] != 0.0:
                factor = a[r][c]
                a[r] = [v - factor * w for v, w in zip(a[r], a[c])]
    return [row[n:] for row in a]


def frobenius(m):
    return math.sqrt(sum(v * v for row in m for v in row))


def truth(case, d):
    """The true parameters of a (case, dimension): mean and, for diag, the
    standard deviations, for full and natural the precision's factor R (lower
    triangular, P = R R^T). Fixed per (case, d)."""
    if case == "diag":
        return {"mu": [MU] * d, "sigma": [SIGMA] * d}
    rng = random.Random(1000 + d)
    r = [[0.0] * d for _ in range(d)]
    for i in range(d):
        r[i][i] = math.exp(rng.uniform(-0.5, 0.5))
        for j in range(i):
            r[i][j] = rng.gauss(0, 0.5 / math.sqrt(d))
    return {"mu": [rng.gauss(0, 1) for _ in range(d)], "R": r}


def draw(case, t, d, rng):
    z = [rng.gauss(0, 1) for _ in range(d)]
    if case == "diag":
        return [m + s * v for m, s, v in zip(t["mu"], t["sigma"], z)]
    # x = mu + R^-T z: back substitution in R^T (upper triangular).
    r, y = t["R"], [0.0] * d
    for i in reversed(range(d)):
        y[i] = (z[i] - sum(r[j][i] * y[j] for j in range(i + 1, d))) / r[i][i]
    return [m + v for m, v in zip(t["mu"], y)]


def precision(factor):
    return matmul_transposed(factor, factor)


def mle(case, points):
    """The maximum-likelihood estimate: sample mean and standard deviations
    (diag) or the inverse sample covariance (full)."""
    n, d = len(points), len(points[0])
    mu = [sum(p[i] for p in points) / n for i in range(d)]
    centred = [[v - m for v, m in zip(p, mu)] for p in points]
    if case == "diag":
        return {"mu": mu, "sigma": [
            math.sqrt(sum(c[i] ** 2 for c in centred) / n)
            for i in range(d)]}
    columns = list(zip(*centred))
    covariance = [[v / n for v in row]
                  for row in matmul_transposed(columns, columns)]
    return {"mu": mu, "P": inverse(covariance)}


def errors(case, t, estimate):
    """(error of mu, error of sigma or of P): the root mean square error of
    mu; of sigma relative to the truth, sqrt(mean((s/sigma - 1)^2)); of P
    relative in the Frobenius norm, |P^ - P| / |P|."""
    d = len(t["mu"])
    mu = math.sqrt(sum((a - b) ** 2 for a, b in
                       zip(estimate["mu"], t["mu"])) / d)
    if case == "diag":
        return mu, math.sqrt(sum((s / u - 1) ** 2 for s, u in
                                 zip(estimate["sigma"], t["sigma"])) / d)
    p = precision(t["R"])
    difference = [[a - b for a, b in zip(r, s)]
                  for r, s in zip(estimate["P"], p)]
    return mu, frobenius(difference) / frobenius(p)


def learned(case, run, d):
    """The model's parameters in a run's checkpoint, as an estimate."""
    _, params = read_checkpoint(os.path.join(run.dir, "checkpoint.bin"))
    if case == "diag":
        return {"mu": params["mu"],
                "sigma": [math.exp(v) for v in params["log_sigma"]]}
    flat = params["L"]
    factor = [flat[i * d:(i + 1) * d] for i in range(d)]
    p = precision(factor)
    if case == "natural":
        mu = [sum(a * e for a, e in zip(row, params["eta"]))
              for row in inverse(p)]
        return {"mu": mu, "P": p}
    return {"mu": params["mu"], "P": p}


def case_directory(args, case, d):
    return os.path.join(args.runs, "%s-d%d" % (case, d))


def prepare(args, case, d):
    """The data file, the truth and the MLE of (case, d), made once (kept
    runs were checked to have been trained on the same number of points)."""
    directory = case_directory(args, case, d)
    path = os.path.join(directory, "data.csv")
    info = read_json(os.path.join(directory, "truth.json"))
    if info is None or info.get("points") != args.points or \
            not os.path.exists(path):
        t = truth(case, d)
        # natural fits full's data: the same points, another model.
        rng = random.Random(7 * d + list(CASES).index(
            "full" if case == "natural" else case))
        # The MLE sees the points as written, as training does.
        points = [[float("%.7g" % v) for v in draw(case, t, d, rng)]
                  for _ in range(args.points)]
        write_text(path, ",".join("x%d" % i for i in range(d)) + "\n" +
                   "".join(",".join(repr(v) for v in p) + "\n"
                           for p in points))
        info = {"points": args.points, "truth": t,
                "mle_errors": errors(case, t, mle(case, points))}
        write_json(os.path.join(directory, "truth.json"), info)
    return info


def make_run(args, case, d, directory, estimator, seed):
    # Plain Adam, as results/gaussian.md was measured: the errors are of the
    # trained parameters, not of averages.
    settings = ["--batch", "100", "--eval-every", "1000"] + \
        KINETIC + PLAIN_ADAM + shlex.split(args.train_args)
    out = os.path.join(directory, estimator, "seed%d" % seed)
    run = Run("%s d=%d %s seed %d" % (case, d, estimator, seed), out,
              [os.path.join(args.bin, "aderun"), "train",
               os.path.join(directory, "model.so"), "--data",
               os.path.join(directory, "data.csv"), "--estimator", estimator,
               "--seed", str(seed), "--iters", str(args.iters),
               "--threads", "1", "--quiet", "--out", out] + settings,
              settings + ["data-points=%d" % args.points],
              (case, d, estimator, seed))
    return run


def cell(values, seeds, digits=3):
    """mean +- sd; '–' when no run is done, and how many seeds when some
    are missing."""
    if not values:
        return "–"
    mean, sd = mean_sd(values)
    text = "%.*f" % (digits, mean)
    if len(values) > 1:
        text += " ± %.*f" % (digits, sd)
    if len(values) < seeds:
        text += " (%d of %d seeds)" % (len(values), seeds)
    return text


def write_results(args, runs, infos):
    lines = []
    w = lines.append
    # The command that makes the runs: --report only rewrites this file.
    command = shlex.join(["python3", "scripts/gaussian.py"] +
                         [a for a in sys.argv[1:] if a != "--report"])
    w("# Gaussian parameter recovery: ADE and score matching")
    w("")
    w("Command: `%s` (%s)." % (command, datetime.date.today().isoformat()))
    w("%d iterations, batch 100, %d data points per (case, dimension), "
      "seeds %s; one thread per run; `%s` (the paper's exact objective) "
      "with `%s` (plain Adam at constant learning rates), aderun's "
      "defaults otherwise%s. Models and samplers: "
      "`examples/gaussian.ade` (diag: a learned diagonal Gaussian q0) and "
      "`examples/gaussian_full.ade` (full: a learned full-covariance "
      "Gaussian q0; the model f(x) = −½ |Lᵀ(x − μ)|²) and "
      "`examples/gaussian_natural.ade` (natural: the same sampler, the "
      "model in natural parameters), each followed by 3 Langevin steps "
      "with learned step sizes." % (args.iters, args.points, ", ".join(map(str, args.seeds)),
                  shlex.join(KINETIC), shlex.join(PLAIN_ADAM),
                  " plus `%s`" % args.train_args
                  if args.train_args else ""))
    w("")
    w("Errors as mean ± sd over seeds. *MLE*: the maximum-likelihood "
      "estimate from the same data points (sample mean and covariance), "
      "the statistical floor of any estimator trained on them. A dash: not "
      "run (or not finished).")
    titles = {
        "diag": ("Diagonal case: μ = −1, σ = 0.1 in every dimension",
                 "RMSE of μ", "relative RMSE of σ"),
        "full": ("Full covariance: random μ and precision P = R Rᵀ",
                 "RMSE of μ", "‖P̂ − P‖_F / ‖P‖_F"),
        "natural": ("Full covariance in natural parameters: the full "
                    "case's data, f(x) = ηᵀx − ½ xᵀPx, μ = P⁻¹η",
                    "RMSE of μ", "‖P̂ − P‖_F / ‖P‖_F")}
    for case in args.cases:
        title, mu_label, shape_label = titles[case]
        w("")
        w("## " + title)
        w("")
        header = ["d"]
        for label in (mu_label, shape_label):
            header += ["%s: %s" % (label, name) for name in
                       ["MLE"] + [ESTIMATORS[e] for e in args.estimators]]
        w("| " + " | ".join(header) + " |")
        w("|---:|" + "---:|" * (len(header) - 1))
        for d in args.dims:
            info = infos[(case, d)]
            by_estimator = {}
            for e in args.estimators:
                done = [r for r in runs if r.key[:3] == (case, d, e) and
                        r.done(args.iters)]
                by_estimator[e] = [errors(case, info["truth"],
                                          learned(case, r, d)) for r in done]
            row = [str(d)]
            for k in (0, 1):
                row.append("%.3f" % info["mle_errors"][k])
                row += [cell([err[k] for err in by_estimator[e]],
                             len(args.seeds))
                        for e in args.estimators]
            w("| " + " | ".join(row) + " |")
        if case == "natural":
            w("")
            w(PARAMETRIZATIONS)
    times = []
    for e in args.estimators:
        seconds = [r.seconds() for r in runs
                   if r.key[2] == e and r.done(args.iters)]
        seconds = [t for t in seconds if t is not None]
        if seconds:
            times.append("%s %.0f" % (ESTIMATORS[e], mean_sd(seconds)[0]))
    if times:
        w("")
        w("Training time per run (seconds, mean over its runs; from "
          "metrics.csv): " + ", ".join(times) + ".")
    write_text(args.results, "\n".join(lines) + "\n")
    print("wrote %s" % args.results)


def main():
    args = parse_args()
    interrupt_on_sigterm()
    runs = [make_run(args, case, d, case_directory(args, case, d), e, s)
            for case in args.cases for d in args.dims
            for e in args.estimators for s in args.seeds]
    for run in runs:
        run.check_kept(args.iters, "gaussian-settings.json")
    infos = {(case, d): prepare(args, case, d)
             for case in args.cases for d in args.dims}
    failed = []
    if not args.report:
        adec = tool(args.bin, "adec")
        tool(args.bin, "aderun")
        for case in args.cases:
            for d in args.dims:
                compile_model(adec, os.path.join(ROOT, "examples", CASES[case]),
                              os.path.join(case_directory(args, case, d),
                                           "model.so"), ["-D", "D=%d" % d])
        start = time.time()
        try:
            failed, _ = execute(runs, args.iters, args.jobs,
                                "gaussian-settings.json")
        except Interrupted:
            fail("interrupted: the runs checkpointed; rerun the same "
                 "command to resume", 130)
        print("%.0f s" % (time.time() - start), flush=True)
    if failed:
        print("gaussian: %d runs failed: %s" % (len(failed), ", ".join(
            r.name for r in failed)), file=sys.stderr, flush=True)
    write_results(args, runs, infos)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
