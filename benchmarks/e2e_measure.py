"""Runs a command and reports its wall time and the peak resident memory of its whole process
tree (the command and every descendant, summed), for benchmarks/e2e.sh.

Usage: python3 e2e_measure.py OUT_JSON COMMAND [ARG...]
Writes {"seconds": wall, "cpu_seconds": user + system CPU of the command and its waited-for
descendants, "peak_rss_mb": peak, "status": exit status, "stdout": text} to OUT_JSON. Memory is sampled from /proc every 50 ms (RSS = VmRSS: resident anonymous + file
pages); the largest single process's peak from the kernel (getrusage) is a floor for it.
"""

import json
import os
import resource
import subprocess
import sys
import time


def tree_rss_kb(root):
    """Summed VmRSS of `root` and its descendants (found through /proc/PID/task/TID/children), in KiB."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    stack.extend(int(child) for child in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def main():
    out, command = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    stdout = process.stdout.read()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                   "peak_rss_mb": max(peak, usage.ru_maxrss) / 1024, "status": process.returncode,
                   "stdout": stdout}, f)


if __name__ == "__main__":
    main()
