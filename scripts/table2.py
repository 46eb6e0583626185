#!/usr/bin/env python3
"""Runs the ADE paper's Table 2 (SM, NF, CD-15, ADE on its 14 data sets),
and our columns ADE+ (--estimators ade-stable: ADE with settings that keep
it stable; aderun's defaults), ADE+F (ade-full: ADE+ with the full
gradients through the sampler), ADE+N (ade-noise: ADE+ on data with a
little noise), ADE+NP (ade-np: ADE+N with a small energy penalty),
ADE+NPS (ade-nps: ADE+NP with a slower model),
ADE-NVP (ade-nvp: a RealNVP sampler under the exact objective), ADE-NVP+NP
(ade-nvp-np: ADE-NVP with ADE+NP's noise and penalty), ADE-NVPMH+NPS
(ade-nvpmh-nps: ADE+NPS with the RealNVP flow before the ADE sampler's
Metropolis steps) and ADE-NVPL (ade-nvpl: the RealNVP flow then 5 Langevin
steps); see ESTIMATORS.

Every run is `aderun train` of examples/table2/table2.ade, one thread each,
up to --jobs at once. Runs live in --runs (default build/table2), one
directory per data set, estimator and seed; finished runs are kept and
interrupted ones resumed, so the command can be rerun until it is done.
It writes:
  --results (results/table2.md): MMD^2 x 1e3, mean +- sd over seeds, final
      and minimum over evaluations, next to the paper's numbers and the
      noise floor of each data set (fresh data scored in place of samples);
  --figures (results/): table2-<estimator>.png, samples and learned
      densities of the first seed's run on every data set;
  wall time per run.

  scripts/table2.py [--data moons,Ring] [--estimators ade,cd] [--seeds 1]
                    [--iters 10000] [--define NVP_LAYERS=16] [--jobs N] ...
"""

import argparse
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

from runlib import (PLAIN_ADAM, ROOT, add_common_arguments, Interrupted, Run, call,
                    compile_model, execute, fail, interrupt_on_sigterm, read_json,
                    tool, write_json, write_text)

DATA = ["2spirals", "Banana", "circles", "cos", "Cosine", "Funnel",
        "swissroll", "line", "moons", "Multiring", "pinwheel", "Ring",
        "Spiral", "Uniform"]


class Column:
    """A column of the table: how its runs train (aderun's estimator, the
    sampler of table2.ade, extra flags, `adec -D` definitions) and which of
    the paper's columns it is compared with."""

    def __init__(self, label, estimator, sampler, paper, flags=(),
                 defines=()):
        self.label, self.estimator, self.sampler = label, estimator, sampler
        self.paper, self.flags, self.defines = paper, list(flags), defines

    def all_defines(self, args):
        """The column's `adec -D` definitions, then --define's."""
        return list(self.defines) + args.define

    def library(self, args):
        """The column's compiled table2.ade in the runs directory."""
        return os.path.join(args.runs, "table2%s.so" % "".join(
            "-" + d for d in self.all_defines(args)))


# The paper's columns in its order, then ours beyond it (not in the default
# table). Every column names its optimizer settings, whatever aderun's
# defaults are. SM, NF and CD-15 train with plain Adam at constant learning
# rates. ADE is the reference code's configuration: the model's gradients
# with the samples as constants, its Adam with the elementwise clip (and
# table2.ade's ADE sampler: Metropolis-adjusted, norm-clipped leapfrog
# steps). ADE+ is ADE with both learning rates decayed to 0 (cosine) and
# evaluations, samples and plots from averages of the parameters: without
# them the samples of the last iterations swing widely (results/table2.md).
REFERENCE = ["--adam-clip", "--lr-decay", "none", "--ema", "0"]
DECAY_AND_AVERAGE = ["--lr-decay", "cosine", "--ema", "0.999"]
STABLE = ["--adam-clip"] + DECAY_AND_AVERAGE
# ADE+N's data noise and ADE+NP's penalty on f's scale; ADE+NPS's slower
# model on top (the columns' comments below say why).
NOISE_AND_PENALTY = ["--data-noise", "0.05", "--energy-penalty", "0.001"]
SLOWER_MODEL = ["--lr", "3e-4"]
# The RealNVP columns' settings: the paper's exact objective (the momenta
# the Langevin steps drop keep their kinetic energy), plain Adam with a 10x
# smaller model learning rate and a 3x larger sampler learning rate, cosine
# decay and parameter averages (results/table2-nvp.md).
EXACT_STABLE = ["--kinetic-weight", "1", "--no-adam-clip", "--lr", "1e-4",
                "--lr-decay", "cosine", "--ema", "0.999", "--sampler-lr",
                "3e-3"]
ESTIMATORS = {
    # Softplus, not ReLU: score matching needs the energy's Hessian.
    "sm": Column("SM", "sm", "ADE", 0, PLAIN_ADAM, defines=("SMOOTH=1",)),
    # A 10x smaller model learning rate than the others': at 1e-3 the model
    # outruns the flow and NF's minima are up to 70x the paper's.
    "nf": Column("NF", "nf", "NF", 1, PLAIN_ADAM + ["--lr", "1e-4"]),
    "cd": Column("CD-15", "cd", "CD15", 2, PLAIN_ADAM),
    "ade": Column("ADE", "ade-detached", "ADE", 3, REFERENCE),
    "ade-stable": Column("ADE+", "ade-detached", "ADE", 3, STABLE),
    # ADE+ with the gradients through the sampler (paper eq. 21).
    "ade-full": Column("ADE+F", "ade", "ADE", 3, STABLE),
    # ADE+ on training batches with N(0, 0.05^2) noise: maximum likelihood
    # is ill posed on the noiseless line and cos (the energy's ridge
    # sharpens without bound).
    "ade-noise": Column("ADE+N", "ade-detached", "ADE", 3,
                        STABLE + ["--data-noise", "0.05"]),
    # ADE+N with a small penalty on f's scale, which ADE's objective leaves
    # free to drift (one Ring seed of ADE+N ran away to 63).
    "ade-np": Column("ADE+NP", "ade-detached", "ADE", 3,
                     STABLE + NOISE_AND_PENALTY),
    # ADE+NP with a 3x smaller model learning rate than the sampler's: on
    # Ring the model outran the sampler in some seeds of ADE+NP
    # (f(data) - f(samples) grew to 30 and MMD^2 x 1e3 to 8.7); at 3e-4 no
    # seed did, but cos and line sharpen too slowly. (A 3x larger sampler
    # learning rate instead, or 10 sampler updates per model update, made
    # Ring collapse: 38-171.)
    "ade-nps": Column("ADE+NPS", "ade-detached", "ADE", 3,
                      STABLE + NOISE_AND_PENALTY + SLOWER_MODEL),
    # EXACT_STABLE with a RealNVP sampler, against the energy with a
    # Gaussian base measure (table2.ade's CONFINE).
    "ade-nvp": Column("ADE-NVP", "ade", "NVP", 3, EXACT_STABLE,
                      defines=("CONFINE=1",)),
    # ADE-NVP on training batches with ADE+NP's noise and energy penalty:
    # good on the noiseless cos and line and on Ring at once
    # (results/table2-nvp-np.md).
    "ade-nvp-np": Column("ADE-NVP+NP", "ade", "NVP", 3,
                         EXACT_STABLE + NOISE_AND_PENALTY,
                         defines=("CONFINE=1",)),
    # ADE+NPS's estimator and settings with the RealNVP flow as the ADE
    # sampler's initial distribution.
    "ade-nvpmh-nps": Column("ADE-NVPMH+NPS", "ade-detached", "NVPMetropolis",
                            3, STABLE + NOISE_AND_PENALTY + SLOWER_MODEL,
                            defines=("CONFINE=1",)),
    # The same with 5 Langevin steps after the RealNVP flow.
    "ade-nvpl": Column("ADE-NVPL", "ade", "NVPLangevin", 3, EXACT_STABLE,
                       defines=("CONFINE=1",)),
}
PAPER_ESTIMATORS = ["sm", "nf", "cd", "ade"]

# The paper's Table 2 (MMD^2 x 1e3; minima over 100 evaluations).
PAPER = {
    "2spirals": (5.09, 0.69, -0.45, -0.61),
    "Banana": (8.10, 0.88, -0.31, -0.99),
    "circles": (4.90, 0.76, -0.83, -1.13),
    "cos": (10.36, 0.91, 7.15, -0.55),
    "Cosine": (8.34, 2.15, 0.78, -1.09),
    "Funnel": (13.07, -0.92, -0.38, -0.75),
    "swissroll": (19.93, 1.97, 0.20, -0.36),
    "line": (10.28, 0.39, 10.5, -1.30),
    "moons": (41.34, 0.80, 2.21, -1.10),
    "Multiring": (2.01, 0.30, -0.38, -1.02),
    "pinwheel": (18.41, 3.01, -1.03, -0.95),
    "Ring": (9.22, 161.89, 0.12, -0.91),
    "Spiral": (9.48, 5.96, -0.41, -0.81),
    "Uniform": (5.88, 0.00, -1.17, -0.94),
}


def parse_args():
    p = argparse.ArgumentParser(
        description="Run the ADE paper's Table 2 and write its results.")
    p.add_argument("--data", default=",".join(DATA),
                   help="comma-separated data sets (default: all 14)")
    p.add_argument("--estimators", default=",".join(PAPER_ESTIMATORS),
                   help="comma-separated, of %s (default: the paper's "
                        "four)" % ", ".join(ESTIMATORS))
    p.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    p.add_argument("--iters", type=int, default=10000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--eval-every", type=int, default=100,
                   help="iterations between evaluations (100 evaluations in "
                        "10 000 iterations, as the paper's minimum)")
    p.add_argument("--eval-samples", type=int, default=1000,
                   help="samples and data points per evaluation")
    p.add_argument("--chain-runs", type=int, default=100,
                   help="the Chains columns (CD-15's and ADE+NP's models "
                        "sampled by themselves): applications of CD-15's "
                        "15-step sampler in a row from noise (0: none)")
    p.add_argument("--define", action="append", default=[],
                   metavar="NAME=VALUE",
                   help="adec -D for every column's table2.ade, e.g. "
                        "--define NVP_LAYERS=16 (repeatable; recorded in "
                        "each run's settings and in the results)")
    add_common_arguments(p, "table2")
    p.add_argument("--figures", default=os.path.join(ROOT, "results"),
                   help="directory for table2-<estimator>.png")
    a = p.parse_args()

    def listed(text):
        return list(dict.fromkeys(v for v in text.split(",") if v))
    a.data = listed(a.data)
    a.estimators = listed(a.estimators)
    try:
        a.seeds = [int(s) for s in listed(a.seeds)]
    except ValueError:
        fail("--seeds takes comma-separated integers")
    for d in a.data:
        if d not in DATA:
            fail("unknown data set '%s' (one of: %s)" % (d, ", ".join(DATA)))
    for e in a.estimators:
        if e not in ESTIMATORS:
            fail("unknown estimator '%s' (one of: %s)" % (
                e, ", ".join(ESTIMATORS)))
    for d in a.define:
        if not re.fullmatch(r"[A-Za-z_]\w*=[\w.+-]+", d, re.ASCII):
            fail("--define takes NAME=VALUE (a constant of table2.ade and "
                 "its value), not '%s'" % d)
    if not a.data or not a.estimators or not a.seeds:
        fail("--data, --estimators and --seeds must not be empty")
    if a.chain_runs < 0:
        fail("--chain-runs must not be negative")
    if min(a.iters, a.batch, a.eval_every, a.eval_samples, a.jobs) < 1:
        fail("--iters, --batch, --eval-every, --eval-samples and --jobs "
             "must be positive")
    # Training evaluates every --eval-every iterations and at the end.
    a.evaluations = -(-a.iters // a.eval_every)
    a.estimators = [e for e in ESTIMATORS if e in a.estimators]
    return a


def table_run(args, data, estimator, seed):
    directory = os.path.join(args.runs, data, estimator, "seed%d" % seed)
    column = ESTIMATORS[estimator]
    run = Run("%s %s seed %d" % (data, estimator, seed), directory,
              [os.path.join(args.bin, "aderun"), "train",
               column.library(args), "--data", data,
               "--estimator", column.estimator,
               "--seed", str(seed), "--iters", str(args.iters),
               "--threads", "1", "--quiet", "--out", directory] +
              settings(args, estimator),
              settings(args, estimator) + ["adec -D " + d
                                           for d in column.all_defines(args)],
              (data, estimator, seed))
    return run


def settings(args, estimator):
    """The aderun train flags a run's results depend on (--iters aside: a
    run may be extended)."""
    column = ESTIMATORS[estimator]
    return (["--sampler", column.sampler, "--batch", str(args.batch),
             "--eval-every", str(args.eval_every), "--eval-samples",
             str(args.eval_samples)] + column.flags +
            shlex.split(args.train_args))


def noise_floor(args, data, seed):
    """The data set's scores with fresh data in place of samples, as the
    runs are scored; cached per settings."""
    path = os.path.join(args.runs, data, "floor-seed%d.json" % seed)
    floor = read_json(path)
    if isinstance(floor, dict) and \
            len(floor.get("mmd2_evaluations", [])) == args.evaluations and \
            floor.get("samples") == args.eval_samples and \
            "mmd2_independent" in floor:
        return floor
    out = call([tool(args.bin, "aderun"), "eval", "--data", data, "--reps", "5",
                "--samples", str(args.eval_samples), "--evaluations",
                str(args.evaluations), "--seed", str(seed), "--json"],
               "aderun eval", stdout=subprocess.PIPE, text=True).stdout
    floor = json.loads(out)
    floor["samples"] = args.eval_samples
    write_json(path, floor)
    return floor


def long_chains(args, run):
    """A finished run's MMD^2 (mean of 5 draws) when its model is sampled
    by long chains of CD-15's sampler from noise (`aderun eval --sampler
    CD15 --start noise --chain`); cached in the run directory."""
    if not run.done(args.iters):
        return None
    path = os.path.join(run.dir, "long-chains.json")
    cached = read_json(path)
    if isinstance(cached, dict) and cached.get("samples") == \
            args.eval_samples and cached.get("chain") == args.chain_runs:
        return cached["mmd2"]
    out = call([tool(args.bin, "aderun"), "eval", run.dir, "--sampler",
                "CD15", "--start", "noise", "--chain", str(args.chain_runs),
                "--reps", "5", "--samples", str(args.eval_samples), "--seed",
                str(run.key[2]), "--json"],
               "aderun eval", stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out)
    write_json(path, {"mmd2": result["mmd2"], "mmd2_reps": result["mmd2_reps"],
                      "samples": args.eval_samples,
                      "chain": args.chain_runs})
    return result["mmd2"]


def cell(values, digits=2):
    """mean +- sd over seeds (x 1e3); '–' when nothing is there, and how
    many seeds when some are missing."""
    have = [v * 1e3 for v in values if v is not None]
    if not have:
        return "–"
    text = "%.*f" % (digits, statistics.mean(have))
    if len(have) > 1:
        text += " ± %.*f" % (digits, statistics.stdev(have))
    if len(have) < len(values):
        text += " (%d of %d seeds)" % (len(have), len(values))
    return text


def mean_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def add_wall_time(args, seconds):
    """Wall time of the sessions that ran runs, summed over reruns."""
    path = os.path.join(args.runs, "wall-time.json")
    total = read_json(path) or {"seconds": 0, "sessions": 0}
    if seconds is not None:
        total["seconds"] += seconds
        total["sessions"] += 1
        write_json(path, total)
    return total


def write_results(args, runs, floors, wall, chains):
    by_key = {r.key: r for r in runs}

    def metric(data, est, key):
        out = []
        for seed in args.seeds:
            m = by_key[(data, est, seed)].metrics()
            out.append(m[key] if m and m.get("iterations") == args.iters
                       else None)
        return out

    columns = [ESTIMATORS[e].label for e in args.estimators]
    lines = []
    w = lines.append
    w("# Table 2 of the ADE paper: " + ", ".join(columns) + " on " +
      ("its 14 data sets" if len(args.data) == len(DATA) else
       "%d of its 14 data sets" % len(args.data)))
    w("")
    command = shlex.join(["python3", "scripts/table2.py"] + sys.argv[1:])
    w("Command: `%s` (%s)." % (command, datetime.date.today().isoformat()))
    w("Models and samplers: `examples/table2/table2.ade`; %d iterations, "
      "batch %d, an evaluation every %d iterations, seeds %s; one thread "
      "per run; aderun's defaults otherwise%s%s." %
      (args.iters, args.batch, args.eval_every,
       ", ".join(map(str, args.seeds)),
       " plus `%s`" % args.train_args if args.train_args else "",
       "; `adec %s`" % " ".join("-D " + d for d in args.define)
       if args.define else ""))
    w("")
    w("MMD²×10³ (unbiased, Gaussian kernel with the median heuristic, %d "
      "samples against %d data points, float64), mean ± sd over seeds. "
      % (args.eval_samples, args.eval_samples) +
      "*Final*: each seed's value is the mean of 5 fresh evaluations of the "
      "trained sampler. *Noise floor*: fresh data in place of samples, "
      "scored the same way; no sampler can expect to score lower. "
      "*Independent floor*: the same with a random subset of 50 times as "
      "many fresh data points in place of samples, what an exact sampler "
      "scores: a sampler's points are independent, while the generators of "
      "moons and circles space their angles evenly and those of pinwheel "
      "and 2spirals draw equal classes, which puts a fresh draw closer to "
      "the reference set than independent points can be (moons: -1.43 "
      "against -0.7). "
      "A dash: not run (or not finished). How each column samples: ADE "
      "and NF with their trained samplers; SM with the ADE sampler trained "
      "to the score-matching model alongside (SM's energy uses softplus "
      "where the others use ReLU: a ReLU network's Hessian trace is 0 "
      "almost everywhere, which leaves score matching nothing but "
      "flattening f); CD-15 as it trains, 15 "
      "Langevin steps of the model from fresh data points — so its column "
      "says how far the model's dynamics move the data, not how well "
      "samples of the model match it (the paper's CD-15 numbers read the "
      "same way: near the floor except on the noiseless line and cos)." +
      (" *Chains* (ours) sample a trained model itself: CD-15's sampler "
       "applied %d times in a row from noise around the data (normal, "
       "twice the data's sd per coordinate; `aderun eval --sampler CD15 "
       "--start noise --chain %d`), %d unadjusted Langevin steps of step "
       "size 0.1 with no data in sight. They score how well the energy "
       "alone describes the data, which is not what ADE trains for: ADE "
       "trains its sampler with its model and is scored with it." %
       (args.chain_runs, args.chain_runs, 15 * args.chain_runs)
       if chains else "") +
      (" NF trains with a model learning rate of 1e-4, 10x below the "
       "others': at 1e-3 the model outran the flow and NF's minima were up "
       "to 70x the paper's (moons 12.1 against 0.80); at 1e-4 they are of "
       "the paper's order." if "nf" in args.estimators else "") +
      (" ADE is the reference code's configuration (`--estimator "
       "ade-detached %s`): the model's gradients with the samples as "
       "constants, Adam with its elementwise gradient clip, and a sampler "
       "of 5 Metropolis-adjusted leapfrog steps with the force and the "
       "momentum norm-clipped to 1 after 10 planar layers." %
       shlex.join(REFERENCE) if "ade" in args.estimators else "") +
      (" ADE+ (ours, beyond the paper) is ADE with `%s`: both learning "
       "rates decayed to 0, and evaluations, samples and plots from "
       "averages of the parameters; its minimum is set next to the "
       "paper's ADE." % shlex.join(DECAY_AND_AVERAGE)
       if "ade-stable" in args.estimators else "") +
      (" ADE+F (ours) is ADE+ with the model's gradients through the "
       "sampler (`--estimator ade`, the paper's eq. 21)."
       if "ade-full" in args.estimators else "") +
      (" ADE+N (ours) is ADE+ trained on data batches with N(0, 0.05²) "
       "noise added (`--data-noise 0.05`; the evaluations score against "
       "clean data): on the noiseless line and cos, maximum likelihood is "
       "ill posed and the energy's ridge sharpens without bound."
       if "ade-noise" in args.estimators else "") +
      (" ADE+NP (ours) is ADE+N with `--energy-penalty 0.001`: the model "
       "step also descends 0.001 (mean f(data)² + mean f(samples)²), which "
       "bounds the scale of f that ADE's objective leaves free to drift "
       "(one Ring seed of ADE+N ran away to 63 as f grew into the "
       "thousands)." if "ade-np" in args.estimators else "") +
      (" ADE+NPS (ours) is ADE+NP with a model learning rate of 3e-4 "
       "(`--lr 3e-4`), 3x below the sampler's: in some seeds of ADE+NP "
       "the model outran the sampler, f(data) - f(samples) grew and the "
       "samples fell behind (Ring: 0.27 to 8.7 over seeds 1-3 of ADE+NP "
       "rerun on the same build, which this column holds to 0.19-0.47); "
       "the slower model sharpens the ridges of the noiseless cos and line "
       "less in 10 000 iterations." if "ade-nps" in args.estimators
       else "") +
      (" ADE-NVP (ours) trains with `--estimator ade %s` (the exact "
       "objective: dropped momenta keep their kinetic energy; a slower "
       "model, a faster sampler, decay and averages) a RealNVP flow "
       "(8 affine coupling layers unless `--define NVP_LAYERS` says "
       "otherwise, 2 hidden layers of 64) alone as the "
       "sampler, against the same energy with a Gaussian base measure, "
       "f(x) = -E(x) - |x|²/20 (without it the flow's shifts chase the "
       "ReLU energy's unbounded growth and the run diverges); its minimum "
       "is set next to the paper's ADE." % shlex.join(EXACT_STABLE)
       if {"ade-nvp", "ade-nvp-np"} & set(args.estimators) else "") +
      (" ADE-NVP+NP (ours) is ADE-NVP with ADE+NP's `--data-noise 0.05 "
       "--energy-penalty 0.001`." if "ade-nvp-np" in args.estimators
       else "") +
      (" ADE-NVPL (ours) is ADE-NVP with that RealNVP flow as the "
       "initial distribution of 5 Langevin steps."
       if "ade-nvpl" in args.estimators else "") +
      (" ADE-NVPMH+NPS (ours) is ADE+NPS (the same estimator and settings) "
       "with the ADE sampler's 10 planar layers replaced by ADE-NVP's "
       "RealNVP flow (`--sampler NVPMetropolis`), against ADE-NVP's "
       "energy with a Gaussian base measure: the flow reaches the thin "
       "ridges of the noiseless cos and line, where the planar layers' "
       "samples fell behind in some seeds, and the Metropolis-adjusted "
       "steps move its samples onto the structures a flow of one connected "
       "piece cannot bend to alone (circles, pinwheel's arms)."
       if "ade-nvpmh-nps" in args.estimators else ""))
    w("")
    w("## Final values")
    w("")
    chained = [e for e in ("cd", "ade-np") if e in args.estimators]
    extra = [ESTIMATORS[e].label + " chains" for e in chained] \
        if chains else []
    w("| data | noise floor | independent floor | " +
      " | ".join(columns + extra) + " |")
    w("|---|---:|---:|" + "---:|" * len(columns + extra))
    final = {}
    for d in args.data:
        row = [d, cell([f["mmd2"] for f in floors[d]]),
               cell([f["mmd2_independent"] for f in floors[d]])]
        for e in args.estimators:
            values = metric(d, e, "mmd2")
            final[(d, e)] = mean_or_none(values)
            row.append(cell(values))
        for e in (chained if chains else []):
            values = [chains.get((d, e, seed)) for seed in args.seeds]
            final[(d, e + "-chains")] = mean_or_none(values)
            row.append(cell(values))
        w("| " + " | ".join(row) + " |")
    w("")
    w("## Minimum over evaluations (biased low), next to the paper's")
    w("")
    w("The paper reports, as its reference code computes it, the minimum "
      "over the evaluations during training (one reference set, fresh "
      "samples each time): biased low, and below the noise floor's mean for "
      "a perfect sampler. Ours first, the paper's in parentheses.")
    w("")
    w("| data | noise floor | " + " | ".join(columns) + " |")
    w("|---|---:|" + "---:|" * len(columns))
    minimum = {}
    for d in args.data:
        row = [d, cell([min(f["mmd2_evaluations"]) for f in floors[d]])]
        for e in args.estimators:
            values = metric(d, e, "mmd2_min_over_evaluations")
            minimum[(d, e)] = mean_or_none(values)
            row.append("%s (%.2f)" % (cell(values),
                                      PAPER[d][ESTIMATORS[e].paper]))
        w("| " + " | ".join(row) + " |")
    w("")
    w("## Against the targets")
    w("")
    floor_mean = {d: statistics.mean(f["mmd2"] for f in floors[d])
                  for d in args.data}
    independent_mean = {d: statistics.mean(f["mmd2_independent"]
                                           for f in floors[d])
                        for d in args.data}
    for ade in ("ade", "ade-stable", "ade-full", "ade-noise", "ade-np",
                "ade-nps", "ade-nvp", "ade-nvp-np", "ade-nvpmh-nps", "ade-nvpl"):
        if ade not in args.estimators:
            continue
        label = ESTIMATORS[ade].label
        have = [d for d in args.data if final[(d, ade)] is not None]
        for name, means, target in (
                ("noise floor", floor_mean, " (target: all 14)"),
                ("independent floor", independent_mean, "")):
            near = [d for d in have if final[(d, ade)] - means[d] <= 0.5e-3]
            w("- %s's final value at most 0.5 above the %s: %d of %d%s%s." % (
                label, name, len(near), len(have), target, (
                    "; not on " + ", ".join(d for d in have if d not in near))
                if len(near) < len(have) else ""))
        below = [d for d in have if minimum[(d, ade)] is not None and
                 minimum[(d, ade)] * 1e3 <= PAPER[d][3]]
        w("- %s's minimum over evaluations at or below the paper's ADE: "
          "%d of %d (target: 10 of 14)." % (label, len(below), len(have)))
        others = [("cd", "CD-15's"), ("sm", "SM's")]
        if chains and "cd" in args.estimators:
            others.insert(1, ("cd-chains", "the CD-15 model's long chains"))
        for other, what in others:
            if other != "cd-chains" and other not in args.estimators:
                continue
            pairs = [d for d in have if final[(d, other)] is not None]
            wins = [d for d in pairs if final[(d, ade)] < final[(d, other)]]
            w("- %s's final value below %s: %d of %d%s." % (
                label, what, len(wins), len(pairs),
                "" if other == "cd-chains" else " (target: 10 of 14)"))
    w("")
    w("## Wall time")
    w("")
    w("Training time per run (seconds, mean over its runs, evaluations "
      "included; from metrics.csv), one thread each. The runs took %.0f s "
      "of wall time in all (%d session%s of this command, up to %d runs at "
      "once)." % (wall["seconds"], wall["sessions"],
                  "" if wall["sessions"] == 1 else "s", args.jobs))
    w("")
    w("| estimator | runs | seconds per run | seconds per iteration |")
    w("|---|---:|---:|---:|")
    for e in args.estimators:
        seconds = [r.seconds() for r in runs
                   if r.key[1] == e and r.done(args.iters)]
        seconds = [s for s in seconds if s is not None]
        if seconds:
            w("| %s | %d | %.0f | %.4f |" % (
                ESTIMATORS[e].label, len(seconds), statistics.mean(seconds),
                statistics.mean(seconds) / args.iters))
    w("")
    figures = [e for e in args.estimators
               if os.path.exists(figure_path(args, e))]
    if figures:
        where = os.path.relpath(args.figures, os.path.dirname(
            os.path.abspath(args.results)))
        w("Figures: " + ", ".join(
            "[%s](%s)" % (ESTIMATORS[e].label, os.path.join(
                where, os.path.basename(figure_path(args, e))))
            for e in figures) +
          " (seed %d: samples over data, learned density)." % args.seeds[0])
    write_text(args.results, "\n".join(lines) + "\n")
    print("wrote %s" % args.results)


def figure_path(args, estimator):
    return os.path.join(args.figures, "table2-%s.png" % estimator)


def write_figures(args, runs):
    aderun = tool(args.bin, "aderun")
    os.makedirs(args.figures, exist_ok=True)
    for e in args.estimators:
        dirs = [r.dir for r in runs if r.key[1:] == (e, args.seeds[0]) and
                r.done(args.iters)]
        if not dirs:
            continue
        path = figure_path(args, e)
        title = "%s (seed %d): samples over data, learned density" % (
            ESTIMATORS[e].label, args.seeds[0])
        call([aderun, "plot"] + dirs + ["--out", path, "--title", title],
             "aderun plot", stdout=subprocess.DEVNULL)
        print("wrote %s" % path)


def main():
    args = parse_args()
    interrupt_on_sigterm()
    runs = [table_run(args, d, e, s) for d in args.data
            for e in args.estimators for s in args.seeds]
    for run in runs:
        run.check_kept(args.iters, "table2-settings.json")
    failed, ran = [], False
    if not args.report:
        columns = {ESTIMATORS[e].library(args): ESTIMATORS[e]
                   for e in args.estimators}
        for library, column in columns.items():
            compile_model(tool(args.bin, "adec"),
                          os.path.join(ROOT, "examples", "table2",
                                       "table2.ade"), library,
                          [x for d in column.all_defines(args)
                           for x in ("-D", d)])
        tool(args.bin, "aderun")
        start = time.time()
        try:
            failed, ran = execute(runs, args.iters, args.jobs,
                                  "table2-settings.json")
        except Interrupted as stop:
            add_wall_time(args, stop.seconds)
            fail("interrupted: the runs checkpointed; rerun the same "
                 "command to resume", 130)
    wall = add_wall_time(args, time.time() - start if ran else None)
    if failed:
        print("table2: %d runs failed: %s" % (len(failed), ", ".join(
            r.name for r in failed)), file=sys.stderr, flush=True)
    floors = {d: [noise_floor(args, d, s) for s in args.seeds]
              for d in args.data}
    chains = {}
    for run in runs:
        if args.chain_runs and run.key[1] in ("cd", "ade-np"):
            value = long_chains(args, run)
            if value is not None:
                chains[run.key] = value
    write_figures(args, runs)
    write_results(args, runs, floors, wall, chains)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
