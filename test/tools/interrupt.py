#!/usr/bin/env python3
"""interrupt.py SIGNAL TEXT -- CMD...: run CMD, send it SIGNAL (INT or TERM)
as soon as a line of its output contains TEXT, and exit with CMD's exit
code. Output is passed through for FileCheck. Fails (exit 1) when CMD ends
before TEXT appears, so a test cannot pass without interrupting, or when
CMD still runs 60 s after the signal (it is killed then)."""
import signal
import subprocess
import sys
import threading


def main():
    args = sys.argv[1:]
    sig = getattr(signal, "SIG" + args.pop(0))
    text = args.pop(0)
    if args and args[0] == "--":
        args.pop(0)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(60, proc.kill)
    sent = False
    for line in proc.stdout:
        sys.stdout.write(line)
        if not sent and text in line:
            proc.send_signal(sig)
            timer.start()
            sent = True
    code = proc.wait()
    timer.cancel()
    if not sent:
        print(f"interrupt: the command ended before printing {text!r}",
              file=sys.stderr)
        return 1
    if code == -signal.SIGKILL:
        print("interrupt: still running 60 s after the signal: killed",
              file=sys.stderr)
        return 1
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
