"""concbench's Python runner: the Python models, standard library only.

The Go harness starts this file (embedded in the concbench binary) with
`python3 -c`, writes the trial to stdin, and reads per-task records back on
stdout. One runner runs one trial of one model:

  sequential  one task after another, blocking calls
  asyncio     one asyncio event loop, a coroutine per task
  uvloop      the same on uvloop's loop (only where `import uvloop` works)
  threads     concurrent.futures.ThreadPoolExecutor, W workers
  processes   concurrent.futures.ProcessPoolExecutor, P worker processes

Wire protocol (all integers little-endian):
  stdin   one JSON header line (model, concurrency, load, env, step shapes,
          counts), then binary arrays: open-load arrivals int64[n] (ns after
          time zero; only for open loads), Net seeds uint64[nseeds] (task by
          task, in step order), task ids uint32[n], shape index uint32[n].
          Later one line "go T0 NONCE\n": T0 is the trial's time zero on
          CLOCK_MONOTONIC (ns), which is what time.monotonic_ns() reads;
          NONCE the trial's nonce (decimal uint64), which every CPU seed
          and File output depends on (workload.CPUSeed, FileProof).
  stdout  "ready {json}\n" once set up (before the clock: interpreter,
          imports, pools); then either "done {json}\n" followed by the
          arrays arrive, start, end int64[n], result uint64[n], who
          int32[n], inner int64[n] and CPU intervals int64[2*ncpu] (all
          CLOCK_MONOTONIC ns; 0 = did not happen), or one line
          "fail {json}\n" naming the task, the step and the error.

What the GIL lets run in parallel (CPython 3.8-3.13, default build):
  - hashlib releases the GIL only while hashing inputs of 2048 bytes or
    more (HASHLIB_GIL_MINSIZE); the sha256 kernel hashes 1 KiB per unit, so
    it holds the GIL: py-threads gets no parallelism from it either.
  - the spin kernel is pure interpreted integer work: it always holds the
    GIL, which the interpreter hands to another thread every
    sys.getswitchinterval() (5 ms). py-threads on spin gives no speedup.
  - time.sleep, socket I/O and os.pread release the GIL, so threads do
    overlap waits, Block steps and I/O.
"""

import array
import asyncio
import functools
import hashlib
import http.client
import json
import os
import signal
import struct
import sys
import threading
import time

MASK = 0xFFFFFFFFFFFFFFFF
NOOP, SLEEP, CPU, BLOCK, NET, FILE = range(6)
SPIN = 1
KIND_NAMES = ["noop", "sleep", "cpu", "block", "net", "file"]
NONCE = 0  # the trial's nonce, from the "go" line (workers: with each task)

now = time.monotonic_ns
sleep = asyncio.sleep


# ---------------------------------------------------------------- kernels

def task_seed(task_id):
    """workload.CPUSeed: the CPU kernel seed of a task in this trial."""
    return ((task_id * 0x2545F4914F6CDD1D + 1) & MASK) ^ NONCE


def sha_init(seed):
    buf = bytearray(1024)
    base = (seed * 0x9E3779B97F4A7C15) & MASK
    for i in range(0, 1024, 8):
        struct.pack_into("<Q", buf, i, (base + i) & MASK)
    return buf


def sha_rounds(buf, units):
    """Chains units sha256 rounds over the 1 KiB buffer (holds the GIL)."""
    h = hashlib.sha256
    for _ in range(units):
        buf[0:32] = h(buf).digest()


def spin_rounds(x, units):
    """xorshift64, 4096 rounds per unit, masked to 64 bits."""
    for _ in range(units * 4096):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return x


def run_cpu(kernel, units, seed):
    """workload.RunCPU: the same digest as Go's for the same task."""
    if kernel == SPIN:
        return spin_rounds(seed | 1, units)
    buf = sha_init(seed)
    sha_rounds(buf, units)
    return int.from_bytes(buf[0:8], "little")


def run_cpu_sliced(kernel, units, seed, marks):
    """run_cpu in slices of about a millisecond, appending to marks the
    (start, end) of every slice that ran without losing the CPU (its thread
    CPU time covers 90% of its wall time). Under the GIL two threads can
    never both complete such a slice at the same moment, so the peak
    overlap of these intervals is the real number of CPU steps running at
    once, where whole-step intervals would overlap whenever the GIL
    interleaves two steps."""
    slice_units = 1 if kernel == SPIN else 256
    tt = time.thread_time_ns
    if kernel == SPIN:
        x = seed | 1
    else:
        buf = sha_init(seed)
    left = units
    while left > 0:
        k = min(left, slice_units)
        w0, c0 = now(), tt()
        if kernel == SPIN:
            x = spin_rounds(x, k)
        else:
            sha_rounds(buf, k)
        c1, w1 = tt(), now()
        if (c1 - c0) * 10 >= (w1 - w0) * 9:
            marks.append(w0)
            marks.append(w1)
        left -= k
    return x if kernel == SPIN else int.from_bytes(buf[0:8], "little")


def digest(b):
    """workload.Digest: little-endian uint64 of sha256(b)[:8]."""
    return int.from_bytes(hashlib.sha256(b).digest()[:8], "little")


def mix(acc, out):
    return ((acc ^ out) * 0x100000001B3 + 0x9E3779B97F4A7C15) & MASK


class StepError(Exception):
    """A failed step: its index in the task and what went wrong. It survives
    pickling (py-processes sends it back from a worker)."""

    def __init__(self, step, msg):
        super().__init__(step, msg)
        self.step, self.msg = step, msg

    def __str__(self):
        return self.msg


# ---------------------------------------------------------------- input

def read_exact(f, n):
    b = f.read(n)
    if b is None or len(b) != n:
        raise EOFError("stdin closed after %d of %d bytes" % (0 if b is None else len(b), n))
    return b


def read_array(f, code, count):
    a = array.array(code)
    if count:
        a.frombytes(read_exact(f, count * a.itemsize))
    return a


class Trial:
    """The header and the task arrays read from stdin."""

    def __init__(self, f):
        line = f.readline()
        if not line:
            raise EOFError("stdin closed before the header")
        h = json.loads(line)
        self.h = h
        self.model = h["model"]
        self.conc = h["concurrency"]
        self.shape, self.clients = h["load"], h.get("clients", 0)
        self.env = h["env"]
        self.n = n = h["n"]
        # Sleep and Block steps carry their seconds, converted once here:
        # (kind, ns, seconds).
        self.shapes = [[tuple(s) + ((s[1] / 1e9,) if s[0] in (SLEEP, BLOCK) else ()) for s in steps]
                       for steps in h["shapes"]]
        self.arrivals = read_array(f, "q", n) if self.shape == "open" else None
        self.seeds = read_array(f, "Q", h["nseeds"])
        self.ids = read_array(f, "I", n)
        self.shape_of = read_array(f, "I", n)
        self.seed_off = None
        if h["nseeds"]:
            nnet = [sum(1 for s in steps if s[0] == NET) for steps in self.shapes]
            self.seed_off = array.array("Q", bytes(8 * n))
            off = 0
            for i in range(n):
                self.seed_off[i] = off
                off += nnet[self.shape_of[i]]
        # Per-task record slots, allocated before the clock (as Go's
        # Recorder): 0 means "did not happen".
        self.arrive = array.array("q", bytes(8 * n))
        self.start = array.array("q", bytes(8 * n))
        self.end = array.array("q", bytes(8 * n))
        self.result = array.array("Q", bytes(8 * n))
        self.who = array.array("i", bytes(4 * n))
        self.inner = None
        self.cpu = array.array("q")
        self.failed = None
        self.lock = threading.Lock()

    def task(self, i):
        """(task id, steps, Net seeds) of task i."""
        steps = self.shapes[self.shape_of[i]]
        seeds = ()
        if self.seed_off is not None:
            off = self.seed_off[i]
            seeds = tuple(self.seeds[off:off + sum(1 for s in steps if s[0] == NET)])
        return self.ids[i], steps, seeds

    def fail(self, i, step, err):
        with self.lock:
            if self.failed is None:
                self.failed = (i, step, err)


def query(step, seed):
    """The Net step's request path; the server derives the body from seed."""
    return "/io?delay=%s&size=%d&seed=%d" % (step[1], step[2], seed)


def step_name(s):
    k = s[0]
    if k in (SLEEP, BLOCK):
        return "%s(%dns)" % (KIND_NAMES[k], s[1])
    if k == CPU:
        return "cpu(%s x%d)" % ("spin" if s[1] == SPIN else "sha256", s[2])
    if k == NET:
        return "net(%s, %dB)" % (s[1], s[2])
    if k == FILE:
        return "file(%dB @%d)" % (s[2], s[1])
    return KIND_NAMES[k] if k < len(KIND_NAMES) else "kind(%d)" % k


# ---------------------------------------------------------------- blocking steps

class Blocking:
    """Runs steps with blocking calls: a keep-alive http.client pool to the
    latency server and the data files opened once. Thread-safe."""

    def __init__(self, env, conns):
        self.host, self.port = env.get("host", ""), env.get("port", 0)
        self.timeout = env.get("timeout_s", 30)
        self.idle = []
        self.max_idle = max(1, conns)
        self.lock = threading.Lock()
        self.fds = [os.open(p, os.O_RDONLY) for p in env.get("files", [])]

    def net(self, step, seed):
        if not self.host:
            raise RuntimeError("net step needs the latency server, but the trial has none")
        path = query(step, seed)
        with self.lock:
            c = self.idle.pop() if self.idle else None
        reused = c is not None
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            try:
                c.request("GET", path, headers={"Connection": "keep-alive"})
                r = c.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
                # The server closed the idle connection: retry once, fresh.
                c.close()
                c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                c.request("GET", path, headers={"Connection": "keep-alive"})
                r = c.getresponse()
            body = r.read()
        except Exception:
            c.close()
            raise
        if r.status != 200:
            c.close()
            raise RuntimeError("server answered %d: %s" % (r.status, body[:200].decode("utf-8", "replace").strip()))
        if r.will_close:
            c.close()
        else:
            with self.lock:
                if len(self.idle) < self.max_idle:
                    self.idle.append(c)
                    c = None
            if c is not None:
                c.close()
        if len(body) != step[2]:
            raise RuntimeError("short body: %d of %d bytes" % (len(body), step[2]))
        return digest(body)

    def file(self, task_id, step):
        if not self.fds:
            raise RuntimeError("file step needs data files, but the trial has none")
        fd = self.fds[task_id % len(self.fds)]
        return file_output(os.pread(fd, step[2], step[1]), step)

    def run(self, task_id, steps, seeds, marks, sliced):
        """Runs one task's steps; returns its result."""
        acc, k_net = 0, 0
        for k, s in enumerate(steps):
            kind = s[0]
            try:
                if kind == NOOP:
                    out = 0
                elif kind == SLEEP or kind == BLOCK:
                    time.sleep(s[2])
                    out = 0
                elif kind == CPU:
                    seed = task_seed(task_id)
                    if sliced:
                        out = run_cpu_sliced(s[1], s[2], seed, marks)
                    else:
                        t0 = now()
                        meet()
                        out = run_cpu(s[1], s[2], seed)
                        marks.append(t0)
                        marks.append(now())
                elif kind == NET:
                    out = self.net(s, seeds[k_net] if seeds else 0)
                    k_net += 1
                elif kind == FILE:
                    out = self.file(task_id, s)
                else:
                    out = 0
            except Exception as e:
                raise StepError(k, "step %d %s: %s" % (k, step_name(s), err_text(e))) from e
            acc = mix(acc, out)
        return acc


def file_output(b, step):
    if len(b) != step[2]:
        raise RuntimeError("short read: %d of %d bytes at offset %d (file too small)" % (len(b), step[2], step[1]))
    h = hashlib.sha256(NONCE.to_bytes(8, "little"))  # workload.FileProof
    h.update(b)
    return int.from_bytes(h.digest()[:8], "little")


def err_text(e):
    s = str(e) or type(e).__name__
    if isinstance(e, OSError) and e.strerror:
        s = e.strerror
    return s


# ---------------------------------------------------------------- feeding

def wait_until(t):
    d = t - now()
    if d > 0:
        time.sleep(d / 1e9)


class Feeder:
    """Releases tasks by the load shape from the calling thread: submit(i)
    is called in arrival order. Under a closed load the C clients start at
    time zero and a client's next task arrives the instant its previous one
    completes (its arrival is that end stamp, the same value)."""

    def __init__(self, tr, t0):
        import queue
        self.tr, self.t0 = tr, t0
        self.done = queue.SimpleQueue()
        # completed(i) is called as task i ends (-1: it failed); only a
        # closed load waits for completions.
        self.completed = self.done.put if tr.shape == "closed" else _ignore

    def feed(self, submit):
        tr, n = self.tr, self.tr.n
        if tr.shape == "closed":
            # The C clients start with the trial (arrival = time zero).
            c = min(tr.clients, n)
            for i in range(c):
                tr.arrive[i] = self.t0
                submit(i)
            for nxt in range(c, n):
                j = self.done.get()
                if j < 0 or tr.failed:
                    return
                tr.arrive[nxt] = tr.end[j]
                submit(nxt)
        elif tr.shape == "open":
            for i in range(n):
                at = self.t0 + tr.arrivals[i]
                tr.arrive[i] = at
                if tr.failed:
                    return
                wait_until(at)
                submit(i)
        else:
            # A batch arrives at time zero.
            tr.arrive[:] = array.array("q", [self.t0]) * n
            for i in range(n):
                submit(i)


def _ignore(_):
    pass


# ---------------------------------------------------------------- models

def run_sequential(tr, t0):
    ex = Blocking(tr.env, 1)
    tid = threading.get_native_id()
    n, shape = tr.n, tr.shape
    if shape == "batch":
        tr.arrive[:] = array.array("q", [t0]) * n  # a batch arrives at time zero
        if len(tr.shapes) == 1 and len(tr.shapes[0]) == 1 and tr.shapes[0][0][0] == NOOP:
            # A batch of no-op tasks (noop): each task's stamps and
            # records alone, its digest (a no-op's output is 0) computed
            # once. This is the floor of a stamped task: two clock reads
            # and four record writes.
            acc = mix(0, 0)
            start, end, result, who = tr.start, tr.end, tr.result, tr.who
            for i in range(n):
                start[i] = now()
                who[i] = tid
                result[i] = acc
                end[i] = now()
            return
    for i in range(n):
        if shape == "closed":
            tr.arrive[i] = t0 if i < tr.clients else tr.end[i - tr.clients]
        elif shape == "open":
            tr.arrive[i] = t0 + tr.arrivals[i]
            wait_until(tr.arrive[i])
        task_id, steps, seeds = tr.task(i)
        tr.start[i] = now()
        tr.who[i] = tid
        try:
            tr.result[i] = ex.run(task_id, steps, seeds, tr.cpu, False)
        except StepError as e:
            tr.fail(i, e.step, str(e))
            return
        tr.end[i] = now()


class ThreadsModel:
    """ThreadPoolExecutor with W workers, started before the clock."""

    def __init__(self, tr):
        from concurrent.futures import ThreadPoolExecutor
        self.tr = tr
        self.w = max(1, tr.conc)
        self.ex = ThreadPoolExecutor(max_workers=self.w)
        self.io = Blocking(tr.env, self.w)
        # Start every worker thread now: a barrier holds each warm-up task
        # until all W exist.
        b = threading.Barrier(self.w + 1)
        for _ in range(self.w):
            self.ex.submit(b.wait)
        b.wait()

    def task(self, i):
        tr = self.tr
        if tr.failed:
            self.feeder.completed(-1)
            self.count_out()
            return
        task_id, steps, seeds = tr.task(i)
        tr.start[i] = now()
        tr.who[i] = threading.get_native_id()
        try:
            tr.result[i] = self.io.run(task_id, steps, seeds, tr.cpu, True)
        except StepError as e:
            tr.fail(i, e.step, str(e))
            self.feeder.completed(-1)
            self.count_out()
            return
        tr.end[i] = now()
        self.feeder.completed(i)
        self.count_out()

    def sleep_task(self, i, d, acc):
        """Task i when its one step is a Sleep of d seconds (io-sleep): the
        same stamps, wait and count-out as task(), without the step loop;
        acc is its digest (a Sleep's output is 0), computed once."""
        tr = self.tr
        if tr.failed:
            self.feeder.completed(-1)
            self.count_out()
            return
        tr.start[i] = now()
        tr.who[i] = threading.get_native_id()
        time.sleep(d)
        tr.result[i] = acc
        tr.end[i] = now()
        self.feeder.completed(i)
        self.count_out()

    def count_out(self):
        # next() on an itertools.count is atomic under the GIL: no lock.
        if next(self.ended) == self.last:
            self.all_ended.set()

    def run(self, t0):
        import itertools
        tr = self.tr
        self.ended, self.last, self.all_ended = itertools.count(), tr.n - 1, threading.Event()
        self.feeder = Feeder(tr, t0)
        if len(tr.shapes) == 1 and len(tr.shapes[0]) == 1 and tr.shapes[0][0][0] == SLEEP:
            # One shape, a lone Sleep (io-sleep): sleep_task.
            submit, fn, d, acc = self.ex.submit, self.sleep_task, tr.shapes[0][0][2], mix(0, 0)
            self.feeder.feed(lambda i: submit(fn, i, d, acc))
        else:
            self.feeder.feed(functools.partial(self.ex.submit, self.task))
        # Stop the workers only once every task has ended (as
        # ThreadPoolExecutor.map's caller does): a worker told to stop
        # exits as soon as it is idle, and thread exits while other tasks
        # still end would delay their end stamps. A feeder stopped by a
        # failure submitted fewer than n tasks: nothing to wait for.
        if tr.failed is None and tr.n:
            self.all_ended.wait()
        self.ex.shutdown(wait=True)


# Process-pool worker state (set by proc_init in each worker).
_worker_io = None


# CONCBENCH_MEET=1 (tests only): the shared count of worker processes that
# have begun their first CPU step, and how many there are.
_meet = None


def meet():
    """In a worker process under CONCBENCH_MEET, the first CPU step waits,
    inside its interval, until every worker has begun its own, so the
    steps overlap by construction (bounded: 10 s)."""
    global _meet
    if _meet is None:
        return
    count, p = _meet
    _meet = None
    with count.get_lock():
        count.value += 1
    end = time.monotonic() + 10
    while count.value < p and time.monotonic() < end:
        time.sleep(0.001)


def proc_init(env, parent, meet_count=None, p=0):
    """Runs in each ProcessPoolExecutor worker: die with the runner
    (PR_SET_PDEATHSIG), then open the worker's own I/O."""
    global _worker_io
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent:
        os._exit(3)  # the runner died before the signal was armed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_io = Blocking(env, 1)
    global _meet
    if meet_count is not None:
        _meet = (meet_count, p)


def proc_ping(delay):
    time.sleep(delay)
    return os.getpid()


def proc_task(task_id, steps, seeds, nonce):
    """One task in a worker process; arguments and result are pickled."""
    global NONCE
    NONCE = nonce
    marks = []
    t0 = now()
    res = _worker_io.run(task_id, steps, seeds, marks, False)
    return res, t0, now(), os.getpid(), marks


class ProcessesModel:
    """ProcessPoolExecutor with P worker processes (fork), started and
    warmed before the clock."""

    def __init__(self, tr):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        self.tr = tr
        self.p = max(1, tr.conc)
        ctx = multiprocessing.get_context("fork")
        meet_count = ctx.Value("i", 0) if os.environ.get("CONCBENCH_MEET") == "1" else None
        self.ex = ProcessPoolExecutor(max_workers=self.p, mp_context=ctx,
                                      initializer=proc_init, initargs=(tr.env, os.getpid(), meet_count, self.p))
        pids = set()
        for _ in range(20):
            pids |= set(f.result() for f in [self.ex.submit(proc_ping, 0.02) for _ in range(self.p)])
            if len(pids) >= self.p:
                break
        self.pids = sorted(self.ex._processes.keys()) if hasattr(self.ex, "_processes") else sorted(pids)
        tr.inner = array.array("q", bytes(8 * tr.n))

    def done(self, i, fut):
        tr = self.tr
        t = now()
        try:
            res, s, e, pid, marks = fut.result()
        except StepError as err:
            tr.fail(i, err.step, str(err))
            self.feeder.completed(-1)
            return
        except Exception as err:
            tr.fail(i, -1, "worker process: %s" % (err_text(err),))
            self.feeder.completed(-1)
            return
        tr.start[i], tr.end[i], tr.result[i], tr.who[i] = s, t, res, pid
        tr.inner[i] = e - s
        tr.cpu.extend(marks)
        self.feeder.completed(i)

    def submit(self, i):
        if self.tr.failed:
            return
        task_id, steps, seeds = self.tr.task(i)
        f = self.ex.submit(proc_task, task_id, steps, seeds, NONCE)
        f.add_done_callback(lambda fut: self.done(i, fut))

    def run(self, t0):
        self.feeder = Feeder(self.tr, t0)
        self.feeder.feed(self.submit)
        self.ex.shutdown(wait=True)


class AsyncModel:
    """One asyncio (or uvloop) event loop; a coroutine per task."""

    def __init__(self, tr, use_uvloop):
        tr_env = tr.env
        if use_uvloop:
            import uvloop
            self.loop = uvloop.new_event_loop()
        else:
            self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        from concurrent.futures import ThreadPoolExecutor
        # File steps go to the loop's default executor (what aiofiles does);
        # its threads are started before the clock.
        self.pool = ThreadPoolExecutor(max_workers=4)
        self.loop.set_default_executor(self.pool)
        b = threading.Barrier(5)
        for _ in range(4):
            self.pool.submit(b.wait)
        b.wait()
        self.tr = tr
        self.host, self.port = tr_env.get("host", ""), tr_env.get("port", 0)
        self.fds = [os.open(p, os.O_RDONLY) for p in tr_env.get("files", [])]
        self.conns = max(1, tr_env.get("conns", 1))
        self.idle, self.open, self.waiters = [], 0, []
        self.tid = threading.get_native_id()
        self.limit = asyncio.Semaphore(tr.conc) if tr.conc > 0 else None

    async def get_conn(self):
        if self.idle:
            return self.idle.pop()
        if self.open < self.conns:
            self.open += 1
            try:
                return await asyncio.open_connection(self.host, self.port)
            except BaseException:
                self.open -= 1
                raise
        fut = self.loop.create_future()
        self.waiters.append(fut)
        return await fut

    def put_conn(self, c):
        while self.waiters:
            w = self.waiters.pop(0)
            if not w.done():
                w.set_result(c)
                return
        self.idle.append(c)

    def drop_conn(self, c):
        c[1].close()
        self.open -= 1
        if self.waiters and self.open < self.conns:
            # A waiter may now open a connection of its own.
            w = self.waiters.pop(0)
            if not w.done():
                self.open += 1
                w.set_result(None)

    async def net(self, step, seed):
        if not self.host:
            raise RuntimeError("net step needs the latency server, but the trial has none")
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: keep-alive\r\n\r\n"
               % (query(step, seed), self.host, self.port)).encode()
        c = await self.get_conn()
        if c is None:
            try:
                c = await asyncio.open_connection(self.host, self.port)
            except BaseException:
                self.open -= 1
                raise
        r, w = c
        try:
            w.write(req)
            status = await r.readline()
            if not status:
                raise ConnectionResetError("server closed the connection")
            length, close = -1, False
            while True:
                line = await r.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                k, _, v = line.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    length = int(v)
                elif k == b"connection" and v.strip().lower() == b"close":
                    close = True
            code = int(status.split()[1])
            body = await r.readexactly(length) if length > 0 else b""
        except BaseException:
            self.drop_conn(c)
            raise
        if code != 200:
            self.drop_conn(c)
            raise RuntimeError("server answered %d: %s" % (code, body[:200].decode("utf-8", "replace").strip()))
        if close:
            self.drop_conn(c)
        else:
            self.put_conn(c)
        if len(body) != step[2]:
            raise RuntimeError("short body: %d of %d bytes" % (len(body), step[2]))
        return digest(body)

    async def task(self, i):
        """Task i as one coroutine that awaits its steps. It counts itself
        out (or reports its failure, failed) as it ends: no done callback
        per task, as gather's children have none of the runner's."""
        tr = self.tr
        if self.limit is not None:
            await self.limit.acquire()
        steps = tr.shapes[tr.shape_of[i]]
        tr.start[i] = now()
        tr.who[i] = self.tid
        acc, k, k_net = 0, 0, 0
        try:
            for s in steps:
                kind = s[0]
                try:
                    if kind == SLEEP:
                        await asyncio.sleep(s[2])
                        out = 0
                    elif kind == BLOCK:
                        time.sleep(s[2])  # the mistake: blocks the loop
                        out = 0
                    elif kind == CPU:
                        c0 = now()
                        out = run_cpu(s[1], s[2], task_seed(tr.ids[i]))
                        tr.cpu.append(c0)
                        tr.cpu.append(now())
                    elif kind == NET:
                        out = await self.net(s, tr.seeds[tr.seed_off[i] + k_net])
                        k_net += 1
                    elif kind == FILE:
                        if not self.fds:
                            raise RuntimeError("file step needs data files, but the trial has none")
                        fd = self.fds[tr.ids[i] % len(self.fds)]
                        b = await self.loop.run_in_executor(None, os.pread, fd, s[2], s[1])
                        out = file_output(b, s)
                    else:
                        out = 0
                except Exception as e:
                    raise StepError(k, "step %d %s: %s" % (k, step_name(s), err_text(e))) from e
                acc = mix(acc, out)
                k += 1
        except Exception as e:
            self.failed(i, getattr(e, "step", -1), str(e))
            return
        finally:
            if self.limit is not None:
                self.limit.release()
        tr.result[i] = acc
        tr.end[i] = now()
        self.running[i] = None
        self.left -= 1
        if self.left == 0:
            if not self.all_done.done():
                self.all_done.set_result(None)
        elif self.next_task is not None:
            self.next_task(i)

    async def sleep_task(self, i, d, acc):
        """Task i when its one step is a Sleep of d seconds (io-sleep): the
        same stamps, wait and count-out as task(), without the step loop.
        acc is its digest (a Sleep's output is 0), computed once for its
        shape before the clock; its proof is its service time."""
        tr = self.tr
        tr.start[i] = now()
        tr.who[i] = self.tid
        await sleep(d)
        tr.result[i] = acc
        tr.end[i] = now()
        self.running[i] = None
        self.left -= 1
        if self.left == 0:
            if not self.all_done.done():
                self.all_done.set_result(None)
        elif self.next_task is not None:
            self.next_task(i)

    def coroutine(self, i):
        """Task i's coroutine: sleep_task for a lone Sleep step without a
        concurrency limit, else task."""
        f = self.lone_sleep[self.tr.shape_of[i]]
        if f is None:
            return self.task(i)
        return self.sleep_task(i, f, self.lone_digest)

    def failed(self, i, step, err):
        self.tr.fail(i, step, err)
        if not self.all_done.done():
            self.all_done.set_result(None)

    def launch(self, i):
        # The loop keeps only weak references to tasks: hold each until it
        # ends, as the asyncio docs ask.
        self.running[i] = self.loop.create_task(self.coroutine(i))

    async def main(self, t0):
        tr, n = self.tr, self.tr.n
        loop = self.loop
        # Shapes that are one Sleep step: their seconds (else None).
        self.lone_sleep = [st[0][2] if len(st) == 1 and st[0][0] == SLEEP and self.limit is None else None
                           for st in tr.shapes]
        self.lone_digest = mix(0, 0)
        self.all_done = loop.create_future()
        self.left = n
        self.running = [None] * n
        self.next_task = None
        if n == 0:
            return
        launch = self.launch
        if tr.shape == "closed":
            c = min(tr.clients, n)
            counter = [c]

            def next_task(j):
                k = counter[0]
                if k < n and not tr.failed:
                    counter[0] = k + 1
                    tr.arrive[k] = tr.end[j]
                    launch(k)
            self.next_task = next_task
            for i in range(c):
                tr.arrive[i] = t0
                launch(i)
        elif tr.shape == "open":
            async def feed():
                for i in range(n):
                    at = t0 + tr.arrivals[i]
                    tr.arrive[i] = at
                    # uvloop's timers are millisecond-granular and may
                    # fire early: never release before the arrival.
                    d = at - now()
                    while d > 0:
                        await asyncio.sleep(d / 1e9)
                        d = at - now()
                    if tr.failed:
                        return
                    launch(i)
            feeder = loop.create_task(feed())
        else:
            # A batch arrives at time zero.
            tr.arrive[:] = array.array("q", [t0]) * n
            if len(tr.shapes) == 1 and self.lone_sleep[0] is not None:
                # One shape, a lone Sleep (io-sleep): launch inline.
                create, coro, d, acc, running = loop.create_task, self.sleep_task, self.lone_sleep[0], self.lone_digest, self.running
                for i in range(n):
                    running[i] = create(coro(i, d, acc))
            else:
                for i in range(n):
                    launch(i)
        await self.all_done
        if tr.shape == "open" and not tr.failed:
            await feeder

    def run(self, t0):
        self.loop.run_until_complete(self.main(t0))


# ---------------------------------------------------------------- main

def write_line(kind, obj):
    out = sys.stdout.buffer
    out.write(kind.encode() + b" " + json.dumps(obj).encode() + b"\n")
    out.flush()


def fault(where):
    """Test hook: CONCBENCH_RUNNER_FAULT=<where>:<mode> makes the runner
    die, print garbage or hang at that point (where = ready or run)."""
    spec = os.environ.get("CONCBENCH_RUNNER_FAULT", "")
    if not spec.startswith(where + ":"):
        return
    mode = spec.split(":", 1)[1]
    if mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "garbage":
        sys.stdout.buffer.write(b"Traceback (most recent call last): not really\n")
        sys.stdout.buffer.flush()
        time.sleep(3600)
    elif mode == "hang":
        time.sleep(3600)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the Go parent stops us
    stdin = sys.stdin.buffer
    tr = Trial(stdin)
    model = tr.model
    if model.startswith("serve-"):
        # The server role (server.py, prepended to this file).
        return globals()["SERVE"](tr, stdin)
    info = {"runtime": "CPython " + sys.version.split()[0], "executable": sys.executable,
            "pid": os.getpid(), "workers": []}
    if model == "threads":
        m = ThreadsModel(tr)
    elif model == "processes":
        m = ProcessesModel(tr)
        info["workers"] = m.pids
    elif model in ("asyncio", "uvloop"):
        m = AsyncModel(tr, model == "uvloop")
        if model == "uvloop":
            import uvloop
            info["uvloop"] = uvloop.__version__
    elif model == "sequential":
        m = None
    elif model.startswith("idiomatic-"):
        # The calibration (idiomatic.py, prepended to this file).
        m = globals()["IDIOMATIC"](tr, model[len("idiomatic-"):])
        info["workers"] = m.pids
    else:
        raise SystemExit("unknown model %r" % model)
    write_line("ready", info)
    fault("ready")
    go = stdin.readline().split()
    if len(go) != 3 or go[0] != b"go":
        raise SystemExit("expected 'go T0 NONCE', got %r" % (go,))
    global NONCE
    t0, NONCE = int(go[1]), int(go[2])
    fault("run")
    if m is None:
        run_sequential(tr, t0)
    else:
        m.run(t0)
    if tr.failed is not None:
        i, step, err = tr.failed
        write_line("fail", {"task": i, "step": step, "error": err})
        os._exit(1)  # no teardown: pool threads and workers may still be busy
    inner = tr.inner is not None
    out = sys.stdout.buffer
    out.write(b"done " + json.dumps({"n": tr.n, "ncpu": len(tr.cpu) // 2, "inner": inner}).encode() + b"\n")
    for a in (tr.arrive, tr.start, tr.end, tr.result, tr.who):
        out.write(a.tobytes())
    if inner:
        out.write(tr.inner.tobytes())
    out.write(tr.cpu.tobytes())
    out.flush()
    # Skip interpreter teardown of a million objects: the work is done.
    os._exit(0)


if __name__ == "__main__":
    main()
