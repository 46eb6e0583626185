#!/usr/bin/env python3
"""expect-exit.py CODES [--timeout S] [--each GLOB] -- CMD...: run CMD and
succeed only if it exits with one of CODES (comma-separated; a crash or a
signal fails) within
S seconds (default 20). With --each, run CMD once per file matching GLOB,
with {} in CMD replaced by the file. Output is passed through for FileCheck."""
import glob
import subprocess
import sys


def main():
    args = sys.argv[1:]
    codes = [int(c) for c in args.pop(0).split(",")]
    timeout = 20.0
    if args and args[0] == "--timeout":
        args.pop(0)
        timeout = float(args.pop(0))
    pattern = None
    if args and args[0] == "--each":
        args.pop(0)
        pattern = args.pop(0)
    if args and args[0] == "--":
        args.pop(0)
    commands = [args]
    if pattern:
        files = sorted(glob.glob(pattern))
        if not files:
            print(f"expect-exit: no file matches {pattern}", file=sys.stderr)
            return 1
        commands = [[a.replace("{}", f) for a in args] for f in files]
    for command in commands:
        try:
            proc = subprocess.run(command, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"expect-exit: timed out after {timeout}s: {command}",
                  file=sys.stderr)
            return 1
        if proc.returncode not in codes:
            print(f"expect-exit: exit code {proc.returncode}, expected {codes}: "
                  f"{command}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
