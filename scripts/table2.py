#!/usr/bin/env python3
"""Runs the ADE paper's Table 2 (SM, NF, CD-15, ADE on its 14 data sets).

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
                    [--iters 10000] [--jobs N] ...
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DATA = ["2spirals", "Banana", "circles", "cos", "Cosine", "Funnel",
        "swissroll", "line", "moons", "Multiring", "pinwheel", "Ring",
        "Spiral", "Uniform"]

# Table columns in the paper's order: estimator -> (column, sampler).
ESTIMATORS = {"sm": ("SM", "ADE"), "nf": ("NF", "NF"),
              "cd": ("CD-15", "CD15"), "ade": ("ADE", "ADE")}

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
PAPER_COLUMN = {"sm": 0, "nf": 1, "cd": 2, "ade": 3}


def fail(message, code=2):
    print("table2: error: " + message, file=sys.stderr)
    sys.exit(code)


def parse_args():
    p = argparse.ArgumentParser(
        description="Run the ADE paper's Table 2 and write its results.")
    p.add_argument("--data", default=",".join(DATA),
                   help="comma-separated data sets (default: all 14)")
    p.add_argument("--estimators", default="sm,nf,cd,ade",
                   help="comma-separated, of sm, nf, cd, ade (default: all)")
    p.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    p.add_argument("--iters", type=int, default=10000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--eval-every", type=int, default=100,
                   help="iterations between evaluations (100 evaluations in "
                        "10 000 iterations, as the paper's minimum)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="runs at once, one thread each (default: all cores)")
    p.add_argument("--runs", default=os.path.join(ROOT, "build", "table2"),
                   help="directory of the run directories")
    p.add_argument("--results", default=os.path.join(ROOT, "results",
                                                     "table2.md"))
    p.add_argument("--figures", default=os.path.join(ROOT, "results"),
                   help="directory for table2-<estimator>.png")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                   help="directory of adec and aderun")
    p.add_argument("--train-args", default="",
                   help="extra aderun train flags for every run, e.g. "
                        "'--ema 0.99' (recorded in the results)")
    a = p.parse_args()
    a.data = [d for d in a.data.split(",") if d]
    a.estimators = [e for e in a.estimators.split(",") if e]
    try:
        a.seeds = [int(s) for s in a.seeds.split(",") if s]
    except ValueError:
        fail("--seeds takes comma-separated integers")
    for d in a.data:
        if d not in DATA:
            fail("unknown data set '%s' (one of: %s)" % (d, ", ".join(DATA)))
    for e in a.estimators:
        if e not in ESTIMATORS:
            fail("unknown estimator '%s' (one of: sm, nf, cd, ade)" % e)
    if not a.data or not a.estimators or not a.seeds:
        fail("--data, --estimators and --seeds must not be empty")
    if a.iters < 1 or a.batch < 1 or a.eval_every < 1 or a.jobs < 1:
        fail("--iters, --batch, --eval-every and --jobs must be positive")
    a.estimators = [e for e in ESTIMATORS if e in a.estimators]
    return a


def tool(args, name):
    path = os.path.join(args.bin, name)
    if not os.access(path, os.X_OK):
        fail("%s not found: build first (bash scripts/build.sh)" % path, 1)
    return path


def compile_library(args):
    """examples/table2/table2.ade -> RUNS/table2.so, when out of date."""
    source = os.path.join(ROOT, "examples", "table2", "table2.ade")
    adec = tool(args, "adec")
    library = os.path.join(args.runs, "table2.so")
    if os.path.exists(library) and all(
            os.path.getmtime(library) >= os.path.getmtime(f)
            for f in (source, adec)):
        return library
    print("compiling %s" % os.path.relpath(source, ROOT), flush=True)
    os.makedirs(args.runs, exist_ok=True)
    subprocess.run([adec, source, "-o", library + ".tmp"], check=True)
    os.replace(library + ".tmp", library)
    return library


class Run:
    def __init__(self, args, data, estimator, seed):
        self.data, self.estimator, self.seed = data, estimator, seed
        self.dir = os.path.join(args.runs, data, estimator, "seed%d" % seed)
        self.name = "%s %s seed %d" % (data, estimator, seed)

    def metrics(self):
        try:
            with open(os.path.join(self.dir, "metrics.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def config(self):
        try:
            with open(os.path.join(self.dir, "config.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def done(self, args):
        m = self.metrics()
        return m is not None and m.get("iterations") == args.iters

    def seconds(self):
        """Training time (all sessions of a resumed run), from metrics.csv."""
        try:
            with open(os.path.join(self.dir, "metrics.csv")) as f:
                rows = f.read().split()
            return float(rows[-1].split(",")[1])
        except (OSError, IndexError, ValueError):
            return None

    def command(self, args, library, aderun):
        _, sampler = ESTIMATORS[self.estimator]
        cmd = [aderun, "train", library, "--data", self.data,
               "--estimator", self.estimator, "--sampler", sampler,
               "--seed", str(self.seed), "--iters", str(args.iters),
               "--batch", str(args.batch), "--eval-every",
               str(args.eval_every), "--threads", "1", "--quiet",
               "--out", self.dir] + args.train_args.split()
        if os.path.exists(os.path.join(self.dir, "checkpoint.bin")):
            cmd.append("--resume")
        return cmd


def check_settings(args, runs):
    """A kept run must have been made with the settings asked for now."""
    for run in runs:
        c = run.config()
        if c is None:
            continue
        if c.get("batch") != args.batch or c.get("eval_every") != \
                args.eval_every or c.get("estimator") != run.estimator:
            fail("'%s' holds a run with other settings (batch, "
                 "--eval-every or estimator): remove it or use another "
                 "--runs" % run.dir, 1)


def execute(args, runs, library):
    aderun = tool(args, "aderun")
    todo = [r for r in runs if not r.done(args)]
    print("%d runs, %d done, %d to run (%d at once)" %
          (len(runs), len(runs) - len(todo), len(todo), args.jobs),
          flush=True)
    failed = []
    start = time.time()

    def one(run):
        os.makedirs(run.dir, exist_ok=True)
        with open(os.path.join(run.dir, "aderun.log"), "a") as log:
            code = subprocess.run(run.command(args, library, aderun),
                                  stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL).returncode
        return run, code

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(one, r) for r in todo]
        try:
            for n, future in enumerate(
                    concurrent.futures.as_completed(futures), 1):
                run, code = future.result()
                m = run.metrics()
                if code == 0 and m is not None:
                    status = "MMD^2 x 1e3 = %.2f, %.0f s" % (
                        m["mmd2"] * 1e3, run.seconds() or 0)
                else:
                    status = "FAILED (exit %d): see %s" % (
                        code, os.path.join(run.dir, "aderun.log"))
                    failed.append(run)
                print("[%d/%d, %.0f s] %s: %s" % (n, len(todo),
                                                  time.time() - start,
                                                  run.name, status),
                      flush=True)
        except KeyboardInterrupt:
            # aderun got the signal too and checkpoints: rerun to resume.
            for f in futures:
                f.cancel()
            fail("interrupted: rerun the same command to resume", 130)
    return failed, bool(todo)


def noise_floor(args, data, seed):
    """The data set's scores with fresh data in place of samples, cached."""
    evaluations = args.iters // args.eval_every
    path = os.path.join(args.runs, data, "floor-seed%d.json" % seed)
    try:
        with open(path) as f:
            floor = json.load(f)
        if len(floor["mmd2_evaluations"]) == evaluations:
            return floor
    except (OSError, ValueError, KeyError):
        pass
    out = subprocess.run(
        [tool(args, "aderun"), "eval", "--data", data, "--reps", "5",
         "--evaluations", str(evaluations), "--seed", str(seed), "--json"],
        check=True, stdout=subprocess.PIPE, text=True).stdout
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(out)
    os.replace(path + ".tmp", path)
    return json.loads(out)


def cell(values, digits=2):
    """mean +- sd over seeds (x 1e3), '–' when nothing is there."""
    values = [v * 1e3 for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return "%.*f" % (digits, values[0])
    return "%.*f ± %.*f" % (digits, statistics.mean(values), digits,
                            statistics.stdev(values))


def mean_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def add_wall_time(args, seconds):
    """Wall time of the sessions that ran runs, summed over reruns."""
    path = os.path.join(args.runs, "wall-time.json")
    try:
        with open(path) as f:
            total = json.load(f)
    except (OSError, ValueError):
        total = {"seconds": 0, "sessions": 0}
    if seconds is not None:
        total["seconds"] += seconds
        total["sessions"] += 1
        with open(path + ".tmp", "w") as f:
            json.dump(total, f)
        os.replace(path + ".tmp", path)
    return total


def write_results(args, runs, floors, wall):
    by_key = {(r.data, r.estimator, r.seed): r for r in runs}

    def metric(data, est, key):
        out = []
        for seed in args.seeds:
            m = by_key[(data, est, seed)].metrics()
            out.append(m[key] if m and m.get("iterations") == args.iters
                       else None)
        return out

    columns = [ESTIMATORS[e][0] for e in args.estimators]
    lines = []
    w = lines.append
    w("# Table 2 of the ADE paper: SM, NF, CD-15 and ADE on 14 data sets")
    w("")
    command = "python3 scripts/table2.py" + "".join(
        " " + a for a in sys.argv[1:])
    w("Command: `%s` (%s)." % (command, datetime.date.today().isoformat()))
    w("Models and samplers: `examples/table2/table2.ade`; %d iterations, "
      "batch %d, an evaluation every %d iterations, seeds %s; one thread "
      "per run; aderun's defaults otherwise%s." %
      (args.iters, args.batch, args.eval_every,
       ", ".join(map(str, args.seeds)),
       " plus `%s`" % args.train_args if args.train_args else ""))
    w("")
    w("MMD²×10³ (unbiased, Gaussian kernel with the median heuristic, 1000 "
      "samples against 1000 data points, float64), mean ± sd over seeds. "
      "*Final*: each seed's value is the mean of 5 fresh evaluations of the "
      "trained sampler. *Noise floor*: fresh data in place of samples, "
      "scored the same way; no sampler can expect to score lower. "
      "A dash: not run (or not finished). How each column samples: ADE "
      "and NF with their trained samplers; SM with the ADE sampler trained "
      "to the score-matching model alongside; CD-15 as it trains, 15 "
      "Langevin steps of the model from fresh data points — so its column "
      "says how far the model's dynamics move the data, not how well "
      "samples of the model match it (the paper's CD-15 numbers read the "
      "same way: near the floor except on the noiseless line and cos).")
    w("")
    w("## Final values")
    w("")
    w("| data | noise floor | " + " | ".join(columns) + " |")
    w("|---|---:|" + "---:|" * len(columns))
    final = {}
    for d in args.data:
        row = [d, cell([f["mmd2"] for f in floors[d]])]
        for e in args.estimators:
            values = metric(d, e, "mmd2")
            final[(d, e)] = mean_or_none(values)
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
                                      PAPER[d][PAPER_COLUMN[e]]))
        w("| " + " | ".join(row) + " |")
    w("")
    w("## Against the targets")
    w("")
    floor_mean = {d: statistics.mean(f["mmd2"] for f in floors[d])
                  for d in args.data}
    if "ade" in args.estimators:
        have = [d for d in args.data if final[(d, "ade")] is not None]
        near = [d for d in have
                if final[(d, "ade")] - floor_mean[d] <= 0.5e-3]
        w("- ADE's final value within 0.5 of the noise floor: %d of %d "
          "(target: all 14)%s." % (len(near), len(have), (
              "; not on " + ", ".join(d for d in have if d not in near))
              if len(near) < len(have) else ""))
        below = [d for d in have if minimum[(d, "ade")] is not None and
                 minimum[(d, "ade")] * 1e3 <= PAPER[d][3]]
        w("- ADE's minimum over evaluations at or below the paper's ADE: "
          "%d of %d (target: 10 of 14)." % (len(below), len(have)))
        for other in ("cd", "sm"):
            if other not in args.estimators:
                continue
            pairs = [d for d in have if final[(d, other)] is not None]
            wins = [d for d in pairs if final[(d, "ade")] < final[(d, other)]]
            w("- ADE's final value below %s's: %d of %d (target: 10 of 14)."
              % (ESTIMATORS[other][0], len(wins), len(pairs)))
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
                   if r.estimator == e and r.done(args)]
        seconds = [s for s in seconds if s is not None]
        if seconds:
            w("| %s | %d | %.0f | %.4f |" % (
                ESTIMATORS[e][0], len(seconds), statistics.mean(seconds),
                statistics.mean(seconds) / args.iters))
    w("")
    w("Figures: " + ", ".join(
        "[%s](table2-%s.png)" % (ESTIMATORS[e][0], e)
        for e in args.estimators) +
      " (seed %d: samples over data, learned density)." % args.seeds[0])
    os.makedirs(os.path.dirname(os.path.abspath(args.results)),
                exist_ok=True)
    with open(args.results + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(args.results + ".tmp", args.results)
    print("wrote %s" % args.results)


def write_figures(args, runs):
    aderun = tool(args, "aderun")
    os.makedirs(args.figures, exist_ok=True)
    for e in args.estimators:
        dirs = [r.dir for r in runs if r.estimator == e and
                r.seed == args.seeds[0] and r.done(args)]
        if not dirs:
            continue
        path = os.path.join(args.figures, "table2-%s.png" % e)
        title = "%s (seed %d): samples over data, learned density" % (
            ESTIMATORS[e][0], args.seeds[0])
        subprocess.run([aderun, "plot"] + dirs +
                       ["--out", path, "--title", title], check=True,
                       stdout=subprocess.DEVNULL)
        print("wrote %s" % path)


def main():
    args = parse_args()
    start = time.time()
    runs = [Run(args, d, e, s) for d in args.data for e in args.estimators
            for s in args.seeds]
    check_settings(args, runs)
    library = compile_library(args)
    failed, ran = execute(args, runs, library)
    wall = add_wall_time(args, time.time() - start if ran else None)
    floors = {d: [noise_floor(args, d, s) for s in args.seeds]
              for d in args.data}
    write_results(args, runs, floors, wall)
    write_figures(args, runs)
    if failed:
        fail("%d runs failed: %s" % (len(failed), ", ".join(
            r.name for r in failed)), 1)


if __name__ == "__main__":
    main()
