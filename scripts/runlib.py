"""What the experiment drivers (table2.py, gaussian.py) share: errors with
exit codes, the tools in build/bin, atomic JSON files, aderun checkpoints,
and running many `aderun train` at once, resumably."""

import concurrent.futures
import json
import os
import shlex
import signal
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = os.path.splitext(os.path.basename(sys.argv[0]))[0]
# aderun train flags for plain Adam at constant learning rates without
# parameter averages (aderun's defaults clip, decay and average).
PLAIN_ADAM = ["--no-adam-clip", "--lr-decay", "none", "--ema", "0"]


def fail(message, code=2):
    print("%s: error: %s" % (PROGRAM, message), file=sys.stderr)
    sys.exit(code)


def add_common_arguments(parser, name):
    """The drivers' shared options: --jobs, --runs (build/NAME), --results
    (results/NAME.md), --bin, --report and --train-args."""
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="runs at once, one thread each (default: all "
                             "cores)")
    parser.add_argument("--runs", default=os.path.join(ROOT, "build", name),
                        help="directory of the run directories")
    parser.add_argument("--results", default=os.path.join(
        ROOT, "results", name + ".md"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                        help="directory of adec and aderun")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: write the results of the runs "
                             "done so far (the others show as dashes)")
    parser.add_argument("--train-args", default="",
                        help="extra aderun train flags for every run, e.g. "
                             "--train-args='--lr 3e-4' (recorded in the "
                             "results)")


def tool(bin_dir, name):
    path = os.path.join(bin_dir, name)
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


def compile_model(adec, source, library, extra=()):
    """adec SOURCE -o LIBRARY, when LIBRARY is older than the source, the
    standard library or adec itself."""
    stdlib = os.path.join(ROOT, "stdlib")
    inputs = [source, adec] + [os.path.join(stdlib, f)
                               for f in os.listdir(stdlib)]
    if os.path.exists(library) and all(
            os.path.getmtime(library) >= os.path.getmtime(f) for f in inputs):
        return library
    print("compiling %s%s" % (os.path.relpath(source, ROOT),
                              "".join(" " + e for e in extra)), flush=True)
    os.makedirs(os.path.dirname(library), exist_ok=True)
    call([adec, source, *extra, "-o", library + ".tmp"], "adec")
    os.replace(library + ".tmp", library)
    return library


def read_json(path):
    """The JSON value in `path`, or None when it is missing or damaged."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path, value):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(value, f)
    os.replace(path + ".tmp", path)


def write_text(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def read_checkpoint(path):
    """(iteration, {name: [values]}) of an aderun checkpoint.bin: model
    parameters by name, sampler ones as sampler.NAME. ValueError when it is
    not a whole checkpoint."""
    with open(path, "rb") as f:
        data = f.read()
    # ADECKPT2 ends in an 8-byte checksum (aderun checks it; not here).
    if data[:8] not in (b"ADECKPT1", b"ADECKPT2"):
        raise ValueError("%s: not an ADE checkpoint" % path)
    try:
        return parse_checkpoint(data)
    except (struct.error, KeyError, TypeError, ValueError) as e:
        raise ValueError("%s: damaged checkpoint (%s)" % (path, e))


def parse_checkpoint(data):
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16:16 + length])
    offset = 16 + length
    params = {}
    for prefix, layout, size in zip(
            ["", "sampler."], [header["model_params"],
                               header["sampler_params"]], header["sizes"]):
        values = struct.unpack("<%dd" % size, data[offset:offset + 8 * size])
        offset += 8 * size
        for p in layout:
            count = 1
            for d in p["shape"]:
                count *= d
            params[prefix + p["name"]] = list(
                values[p["offset"]:p["offset"] + count])
    return header["iteration"], params


def training_seconds(run_dir):
    """Training time of an aderun run (all sessions of a resumed run,
    evaluations included) from its metrics.csv; None when unreadable."""
    try:
        with open(os.path.join(run_dir, "metrics.csv")) as f:
            rows = f.read().split()
        return float(rows[-1].split(",")[1])
    except (OSError, IndexError, ValueError):
        return None


class Run:
    """One `aderun train` into `directory`: `command` (without --resume),
    the settings its results depend on (kept beside it), and the `key` a
    driver finds it by (a tuple such as (data, estimator, seed))."""

    def __init__(self, name, directory, command, settings, key):
        self.name, self.dir = name, directory
        self.command, self.settings, self.key = command, settings, key

    def metrics(self):
        return read_json(os.path.join(self.dir, "metrics.json"))

    def seconds(self):
        return training_seconds(self.dir)

    def done(self, iterations):
        m = self.metrics()
        return m is not None and m.get("iterations") == iterations

    def check_kept(self, iterations, settings_file):
        """A kept run must have been made with the settings asked for now,
        and not trained further than `iterations`."""
        kept = read_json(os.path.join(self.dir, settings_file))
        if kept is not None and kept != self.settings:
            fail("'%s' holds a run with other settings (%s): remove it or "
                 "use another --runs" % (self.dir, shlex.join(kept)), 1)
        c = read_json(os.path.join(self.dir, "config.json"))
        if c is not None and c.get("iterations", 0) > iterations:
            fail("'%s' was trained for %d iterations, more than --iters %d"
                 % (self.dir, c["iterations"], iterations), 1)


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped `execute` after `seconds` of running."""

    def __init__(self, seconds):
        super().__init__("interrupted")
        self.seconds = seconds


def execute(runs, iterations, jobs, settings_file):
    """Runs what is not done, `jobs` at a time. Returns the failed runs and
    whether anything ran. Ctrl-C (SIGINT) stops every aderun, which
    checkpoints, and raises Interrupted: rerunning resumes."""
    todo = [r for r in runs if not r.done(iterations)]
    print("%d runs, %d done, %d to run (%d at once)" %
          (len(runs), len(runs) - len(todo), len(todo), jobs), flush=True)
    failed = []
    start = time.time()
    running, lock, stopping = set(), threading.Lock(), threading.Event()

    def one(run):
        write_json(os.path.join(run.dir, settings_file), run.settings)
        command = run.command + (
            ["--resume"] if os.path.exists(
                os.path.join(run.dir, "checkpoint.bin")) else [])
        with open(os.path.join(run.dir, "aderun.log"), "a") as log, lock:
            if stopping.is_set():
                return run, None
            # Its own process group: the terminal's Ctrl-C reaches aderun
            # once, from here.
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
            running.add(process)
        code = process.wait()
        with lock:
            running.discard(process)
        return run, code

    pool = concurrent.futures.ThreadPoolExecutor(jobs)
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
        raise Interrupted(time.time() - start)
    pool.shutdown()
    return failed, bool(todo)


def interrupt_on_sigterm():
    """SIGTERM stops the drivers as Ctrl-C does."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


def mean_sd(values):
    """(mean, sd) of a non-empty list; sd 0 for one value."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, (sum((v - mean) ** 2 for v in values) /
                  (len(values) - 1)) ** 0.5
