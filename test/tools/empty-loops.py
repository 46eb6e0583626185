#!/usr/bin/env python3
"""empty-loops.py < `llvm-objdump -d` output: print every tight loop (a backward
jump of at most 24 bytes) whose body touches no memory and calls nothing (only
address arithmetic, compares and moves between registers) with its function; exit 1
if there is one. Such a loop computes nothing: it is what is left of a loop
nest whose stores were removed."""
import re
import sys


def main():
    instructions, function = [], "?"
    for line in sys.stdin:
        header = re.match(r"[0-9a-f]+ <(.*)>:", line)
        if header:
            function = header.group(1)
            continue
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            instructions.append((int(m.group(1), 16), m.group(2).strip(),
                                 function))
    empty = []
    for i, (address, text, function) in enumerate(instructions):
        jump = re.match(r"j[a-z]+\s+(?:0x)?([0-9a-f]+)", text)
        if not jump:
            continue
        target = int(jump.group(1), 16)
        if not (target < address and address - target <= 24):
            continue
        body = [t for (a, t, _) in instructions if target <= a < address]
        if not any(("(" in t and not t.startswith(("lea", "nop"))) or
                   t.startswith(("call", "push")) for t in body):
            empty.append("%s: empty loop at %x" % (function, target))
    for e in empty:
        print(e)
    print("%d empty loops" % len(empty))
    return 1 if empty else 0


if __name__ == "__main__":
    sys.exit(main())
