#!/usr/bin/env python3
"""ppe-roundtrip.py: the no-op round trip of Python's ProcessPoolExecutor,
the figure README.md sets beside the multiproc model's (Python standard
library only).

It mirrors `go test -run '^$' -bench RoundTrip ./models/multiproc/`: a batch
of N no-op tasks submitted at once to a pool of P worker processes (P = the
machine's CPUs), workers started before the clock (as multiproc's Prepare
does); the figure is the batch's wall time / N, median of R runs. It also
prints the one-at-a-time round trip (submit, wait for the result, submit the
next), which is pure IPC latency.

Usage: scripts/ppe-roundtrip.py [N [R]]   (defaults: 5000 tasks, 5 runs)
"""
import concurrent.futures as cf
import os
import statistics
import sys
import time


def noop(i):
    return i


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if n < 1 or runs < 1:
        sys.exit("usage: ppe-roundtrip.py [N>=1 [R>=1]]")
    workers = os.cpu_count() or 1
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(noop, range(workers * 4)))  # start every worker first
        batch, single = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            futures = [pool.submit(noop, i) for i in range(n)]
            for f in futures:
                f.result()
            batch.append((time.perf_counter() - t0) / n)
            k = min(n, 1000)
            t0 = time.perf_counter()
            for i in range(k):
                pool.submit(noop, i).result()
            single.append((time.perf_counter() - t0) / k)
    print(f"python {sys.version.split()[0]}, ProcessPoolExecutor, {workers} workers, {n} no-op tasks, median of {runs} runs")
    print(f"batch (all submitted at once): {statistics.median(batch) * 1e6:.1f} us per task "
          f"(min {min(batch) * 1e6:.1f}, max {max(batch) * 1e6:.1f})")
    print(f"one at a time (submit, wait, next): {statistics.median(single) * 1e6:.1f} us per round trip "
          f"(min {min(single) * 1e6:.1f}, max {max(single) * 1e6:.1f})")


if __name__ == "__main__":
    main()
