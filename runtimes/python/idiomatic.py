"""concbench's Python calibration: the idiomatic program for a batch.

Prepended to runner.py (same wire protocol, same start-up before the
clock) when a hidden "*-idiomatic" model runs. Each is the plainest program
a Python user writes for the batch of a runtime model, with no per-task
bookkeeping at all:

  asyncio     asyncio.run-style gather of asyncio.sleep(d, result) / no-op
              coroutines
  uvloop      the same on uvloop's loop
  threads     ThreadPoolExecutor(W).map of a function that sleeps / returns
  processes   ProcessPoolExecutor(P).map of the same function (fork)
  sequential  a list comprehension calling it

Only batches of identical no-op or sleep tasks (the noop and io-sleep
workloads) can be written this way. The program stamps the batch, not the
tasks: every task is reported as arriving at time zero, starting when the
batch starts and ending when the batch returns, with the value the program
returned for it. Makespan, CPU and memory (measured from outside, as for
every model) are the calibration's figures; its per-task latency is not.
"""

import asyncio as _asyncio
import os as _os
import threading as _threading
import time as _time


def _idiomatic_batch(tr):
    """The one shape of tr's batch: (sleep seconds or None, value)."""
    if tr.shape != "batch" or len(tr.shapes) != 1 or tr.conc < 0:
        raise SystemExit("idiomatic calibration runs only a batch of identical tasks (noop or io-sleep)")
    steps = tr.shapes[0]
    # The value a runner's task returns: the digest of one step's output 0.
    if len(steps) == 1 and steps[0][0] == 0:  # NOOP
        return None, mix(0, 0)
    if len(steps) == 1 and steps[0][0] == 1:  # SLEEP
        return steps[0][1] / 1e9, mix(0, 0)
    raise SystemExit("idiomatic calibration runs only noop and io-sleep tasks, not %r" % (steps,))


def _sleeper(d, v):
    def task(_):
        _time.sleep(d)
        return v
    return task


def _returner(v):
    def task(_):
        return v
    return task


# A process pool's function must be importable by name in the workers.
_proc_fn = None


def _proc_task(i):
    return _proc_fn(i)


class IdiomaticModel:
    """Runs the idiomatic program for runner model kind."""

    def __init__(self, tr, kind):
        self.tr, self.kind = tr, kind
        global _proc_fn
        d, v = _idiomatic_batch(tr)
        self.d, self.v = d, v
        self.pids = []
        fn = _sleeper(d, v) if d is not None else _returner(v)
        self.fn = fn
        if kind in ("asyncio", "uvloop"):
            if kind == "uvloop":
                import uvloop
                self.loop = uvloop.new_event_loop()
            else:
                self.loop = _asyncio.new_event_loop()
            _asyncio.set_event_loop(self.loop)
        elif kind == "threads":
            from concurrent.futures import ThreadPoolExecutor
            w = max(1, tr.conc)
            self.ex = ThreadPoolExecutor(max_workers=w)
            b = _threading.Barrier(w + 1)
            for _ in range(w):
                self.ex.submit(b.wait)
            b.wait()
        elif kind == "processes":
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            _proc_fn = fn
            p = max(1, tr.conc)
            self.ex = ProcessPoolExecutor(max_workers=p, mp_context=multiprocessing.get_context("fork"),
                                          initializer=proc_init, initargs=(tr.env, _os.getpid()))
            pids = set()
            for _ in range(20):
                pids |= set(f.result() for f in [self.ex.submit(proc_ping, 0.02) for _ in range(p)])
                if len(pids) >= p:
                    break
            self.pids = sorted(self.ex._processes.keys()) if hasattr(self.ex, "_processes") else sorted(pids)
        elif kind != "sequential":
            raise SystemExit("no idiomatic program for model %r" % kind)

    def program(self):
        """The idiomatic program: returns the batch's results."""
        n, d, v, kind = self.tr.n, self.d, self.v, self.kind
        if kind in ("asyncio", "uvloop"):
            gather, loop = _asyncio.gather, self.loop
            if d is not None:
                sleep = _asyncio.sleep

                async def main():
                    return await gather(*(sleep(d, v) for _ in range(n)))
            else:
                async def noop():
                    return v

                async def main():
                    return await gather(*(noop() for _ in range(n)))
            return loop.run_until_complete(main())
        if kind == "threads":
            return list(self.ex.map(self.fn, range(n)))
        if kind == "processes":
            return list(self.ex.map(_proc_task, range(n)))
        fn = self.fn
        return [fn(i) for i in range(n)]

    def run(self, t0):
        tr = self.tr
        begin = now()
        res = self.program()
        end = now()
        n = tr.n
        tr.arrive = array.array("q", [t0]) * n
        tr.start = array.array("q", [begin]) * n
        tr.end = array.array("q", [end]) * n
        tr.result = array.array("Q", res)
        if self.kind in ("asyncio", "uvloop", "sequential"):
            tr.who = array.array("i", [_threading.get_native_id()]) * n
        if self.kind in ("threads", "processes"):
            self.ex.shutdown(wait=True)


IDIOMATIC = IdiomaticModel
