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
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DATA = ["2spirals", "Banana", "circles", "cos", "Cosine", "Funnel",
        "swissroll", "line", "moons", "Multiring", "pinwheel", "Ring",
        "Spiral", "Uniform"]

# Table columns in the paper's order: estimator -> (column, sampler); the
# column's index in PAPER is its position here.
ESTIMATORS = {"sm": ("SM", "ADE"), "nf": ("NF", "NF"),
              "cd": ("CD-15", "CD15"), "ade": ("ADE", "ADE")}
PAPER_COLUMN = {e: i for i, e in enumerate(ESTIMATORS)}

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
    p.add_argument("--eval-samples", type=int, default=1000,
                   help="samples and data points per evaluation")
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
    p.add_argument("--report", action="store_true",
                   help="run nothing: write the results of the runs done so "
                        "far (the others show as dashes)")
    p.add_argument("--train-args", default="",
                   help="extra aderun train flags for every run, e.g. "
                        "--train-args='--ema 0.99' (recorded in the results)")
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
            fail("unknown estimator '%s' (one of: sm, nf, cd, ade)" % e)
    if not a.data or not a.estimators or not a.seeds:
        fail("--data, --estimators and --seeds must not be empty")
    if min(a.iters, a.batch, a.eval_every, a.eval_samples, a.jobs) < 1:
        fail("--iters, --batch, --eval-every, --eval-samples and --jobs "
             "must be positive")
    # Training evaluates every --eval-every iterations and at the end.
    a.evaluations = -(-a.iters // a.eval_every)
    a.estimators = [e for e in ESTIMATORS if e in a.estimators]
    return a


def tool(args, name):
    path = os.path.join(args.bin, name)
    if not os.access(path, os.X_OK):
        fail("%s not found: build first (bash scripts/build.sh)" % path, 1)
    return path


def call(cmd, what, **kwargs):
    """Runs a tool; its failure ends the command with exit code 1."""
    try:
        return subprocess.run(cmd, check=True, **kwargs)
    except subprocess.CalledProcessError as e:
        fail("%s failed (exit %d): %s" % (what, e.returncode, shlex.join(cmd)),
             1)


def compile_library(args):
    """examples/table2/table2.ade -> RUNS/table2.so, when out of date (the
    source, the standard library or adec newer)."""
    source = os.path.join(ROOT, "examples", "table2", "table2.ade")
    adec = tool(args, "adec")
    stdlib = os.path.join(ROOT, "stdlib")
    inputs = [source, adec] + [os.path.join(stdlib, f)
                               for f in os.listdir(stdlib)]
    library = os.path.join(args.runs, "table2.so")
    if os.path.exists(library) and all(
            os.path.getmtime(library) >= os.path.getmtime(f) for f in inputs):
        return library
    print("compiling %s" % os.path.relpath(source, ROOT), flush=True)
    os.makedirs(args.runs, exist_ok=True)
    call([adec, source, "-o", library + ".tmp"], "adec")
    os.replace(library + ".tmp", library)
    return library


def read_json(path):
    """The JSON value in `path`, or None when it is missing or damaged."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Run:
    def __init__(self, args, data, estimator, seed):
        self.data, self.estimator, self.seed = data, estimator, seed
        self.dir = os.path.join(args.runs, data, estimator, "seed%d" % seed)
        self.name = "%s %s seed %d" % (data, estimator, seed)

    def metrics(self):
        return read_json(os.path.join(self.dir, "metrics.json"))

    def config(self):
        return read_json(os.path.join(self.dir, "config.json"))

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
        cmd = [aderun, "train", library, "--data", self.data,
               "--estimator", self.estimator, "--seed", str(self.seed),
               "--iters", str(args.iters), "--threads", "1", "--quiet",
               "--out", self.dir] + settings(args, self.estimator)
        if os.path.exists(os.path.join(self.dir, "checkpoint.bin")):
            cmd.append("--resume")
        return cmd


def settings(args, estimator):
    """The aderun train flags a run's results depend on (--iters aside: a
    run may be extended)."""
    return ["--sampler", ESTIMATORS[estimator][1], "--batch", str(args.batch),
            "--eval-every", str(args.eval_every), "--eval-samples",
            str(args.eval_samples)] + shlex.split(args.train_args)


def check_settings(args, runs):
    """A kept run must have been made with the settings asked for now, and
    not trained further than --iters."""
    for run in runs:
        kept = read_json(os.path.join(run.dir, "table2-settings.json"))
        if kept is not None and kept != settings(args, run.estimator):
            fail("'%s' holds a run with other settings (%s): remove it or "
                 "use another --runs" % (run.dir, shlex.join(kept)), 1)
        c = run.config()
        if c is not None and c.get("iterations", 0) > args.iters:
            fail("'%s' was trained for %d iterations, more than --iters %d"
                 % (run.dir, c["iterations"], args.iters), 1)


def execute(args, runs, library):
    """Runs what is not done, --jobs at a time. Returns the failed runs and
    whether anything ran. Ctrl-C (SIGINT) stops every aderun, which
    checkpoints: rerunning the command resumes."""
    aderun = tool(args, "aderun")
    todo = [r for r in runs if not r.done(args)]
    print("%d runs, %d done, %d to run (%d at once)" %
          (len(runs), len(runs) - len(todo), len(todo), args.jobs),
          flush=True)
    failed = []
    start = time.time()
    running, lock, stopping = set(), threading.Lock(), threading.Event()

    def one(run):
        os.makedirs(run.dir, exist_ok=True)
        path = os.path.join(run.dir, "table2-settings.json")
        with open(path + ".tmp", "w") as f:
            json.dump(settings(args, run.estimator), f)
        os.replace(path + ".tmp", path)
        with open(os.path.join(run.dir, "aderun.log"), "a") as log, lock:
            if stopping.is_set():
                return run, None
            # Its own process group: the terminal's Ctrl-C reaches aderun
            # once, from here.
            process = subprocess.Popen(
                run.command(args, library, aderun), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
            running.add(process)
        code = process.wait()
        with lock:
            running.discard(process)
        return run, code

    pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
    futures = [pool.submit(one, r) for r in todo]
    try:
        for n, future in enumerate(concurrent.futures.as_completed(futures),
                                   1):
            run, code = future.result()
            m = run.metrics()
            if code == 0 and m is not None:
                status = "MMD^2 x 1e3 = %.2f, %.0f s" % (
                    m["mmd2"] * 1e3, run.seconds() or 0)
            else:
                status = "FAILED (exit %s): see %s" % (
                    code, os.path.join(run.dir, "aderun.log"))
                failed.append(run)
            print("[%d/%d, %.0f s] %s: %s" % (n, len(todo),
                                              time.time() - start, run.name,
                                              status), flush=True)
    except KeyboardInterrupt:
        with lock:
            stopping.set()
            for process in running:
                process.send_signal(signal.SIGINT)
        pool.shutdown(wait=True, cancel_futures=True)
        add_wall_time(args, time.time() - start)
        fail("interrupted: the runs checkpointed; rerun the same command to "
             "resume", 130)
    pool.shutdown()
    return failed, bool(todo)


def noise_floor(args, data, seed):
    """The data set's scores with fresh data in place of samples, as the
    runs are scored; cached per settings."""
    path = os.path.join(args.runs, data, "floor-seed%d.json" % seed)
    floor = read_json(path)
    if isinstance(floor, dict) and \
            len(floor.get("mmd2_evaluations", [])) == args.evaluations and \
            floor.get("samples") == args.eval_samples:
        return floor
    out = call([tool(args, "aderun"), "eval", "--data", data, "--reps", "5",
                "--samples", str(args.eval_samples), "--evaluations",
                str(args.evaluations), "--seed", str(seed), "--json"],
               "aderun eval", stdout=subprocess.PIPE, text=True).stdout
    floor = json.loads(out)
    floor["samples"] = args.eval_samples
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(floor, f)
    os.replace(path + ".tmp", path)
    return floor


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
    w("# Table 2 of the ADE paper: " + ", ".join(columns) + " on " +
      ("its 14 data sets" if len(args.data) == len(DATA) else
       "%d of its 14 data sets" % len(args.data)))
    w("")
    command = shlex.join(["python3", "scripts/table2.py"] + sys.argv[1:])
    w("Command: `%s` (%s)." % (command, datetime.date.today().isoformat()))
    w("Models and samplers: `examples/table2/table2.ade`; %d iterations, "
      "batch %d, an evaluation every %d iterations, seeds %s; one thread "
      "per run; aderun's defaults otherwise%s." %
      (args.iters, args.batch, args.eval_every,
       ", ".join(map(str, args.seeds)),
       " plus `%s`" % args.train_args if args.train_args else ""))
    w("")
    w("MMD²×10³ (unbiased, Gaussian kernel with the median heuristic, %d "
      "samples against %d data points, float64), mean ± sd over seeds. "
      % (args.eval_samples, args.eval_samples) +
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
        w("- ADE's final value at most 0.5 above the noise floor: %d of %d "
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
    figures = [e for e in args.estimators
               if os.path.exists(figure_path(args, e))]
    if figures:
        where = os.path.relpath(args.figures, os.path.dirname(
            os.path.abspath(args.results)))
        w("Figures: " + ", ".join(
            "[%s](%s)" % (ESTIMATORS[e][0], os.path.join(
                where, os.path.basename(figure_path(args, e))))
            for e in figures) +
          " (seed %d: samples over data, learned density)." % args.seeds[0])
    os.makedirs(os.path.dirname(os.path.abspath(args.results)),
                exist_ok=True)
    with open(args.results + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(args.results + ".tmp", args.results)
    print("wrote %s" % args.results)


def figure_path(args, estimator):
    return os.path.join(args.figures, "table2-%s.png" % estimator)


def write_figures(args, runs):
    aderun = tool(args, "aderun")
    os.makedirs(args.figures, exist_ok=True)
    for e in args.estimators:
        dirs = [r.dir for r in runs if r.estimator == e and
                r.seed == args.seeds[0] and r.done(args)]
        if not dirs:
            continue
        path = figure_path(args, e)
        title = "%s (seed %d): samples over data, learned density" % (
            ESTIMATORS[e][0], args.seeds[0])
        call([aderun, "plot"] + dirs + ["--out", path, "--title", title],
             "aderun plot", stdout=subprocess.DEVNULL)
        print("wrote %s" % path)


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    runs = [Run(args, d, e, s) for d in args.data for e in args.estimators
            for s in args.seeds]
    check_settings(args, runs)
    failed, ran = [], False
    if not args.report:
        library = compile_library(args)
        start = time.time()
        failed, ran = execute(args, runs, library)
    wall = add_wall_time(args, time.time() - start if ran else None)
    if failed:
        print("table2: %d runs failed: %s" % (len(failed), ", ".join(
            r.name for r in failed)), file=sys.stderr, flush=True)
    floors = {d: [noise_floor(args, d, s) for s in args.seeds]
              for d in args.data}
    write_figures(args, runs)
    write_results(args, runs, floors, wall)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
