"""concbench's Python servers: the server role of the Python models.

Prepended to runner.py (see runtimes/serve.go) and entered from its main()
for a "serve-MODEL" trial: the header and task arrays arrive on stdin as
for a client trial (a batch load, no arrivals); the listening socket is fd
3, opened and listening in the Go server process, which keeps its address
and its ready barrier. Each request `GET /task/I?nonce=N HTTP/1.1` runs task
I's steps inside the handler with the runner's own step code (Blocking.run;
AsyncModel.net; run_cpu, file_output) and is answered with "DIGEST TID
PID\n" (package workload/taskhttp). Designs, as each model is in life:

  sequential  an iterative server: accept, answer one request with
              "Connection: close", then the next connection
  threads     gunicorn's gthread: the main thread polls the listener and
              the idle keep-alive connections; a ThreadPoolExecutor of W
              threads reads, runs and answers each request
  processes   prefork: P worker processes forked after the socket exists,
              each accepting on it and answering one request per
              connection (gunicorn's sync workers)
  asyncio     asyncio.start_server on one loop, a coroutine per connection
  uvloop      the same on uvloop's loop

Protocol: "ready {json}" once serving (pid, workers); when stdin closes the
server writes its ledger "served {json}" (served, accepted, peak_conns,
pids) and exits.
"""


def srv_parse(buf):
    """taskhttp.ParseRequest: (task index, nonce, bytes used) of the request
    at the start of buf, or None while it is incomplete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if len(buf) > 4096:
            raise ValueError("request head over 4096 bytes")
        return None
    line = buf[:end].split(b"\r\n", 1)[0]
    shown = line[:64].decode("utf-8", "replace")
    if not line.startswith(b"GET /task/"):
        raise ValueError("request %r: want GET /task/I?nonce=N" % shown)
    target, _, proto = line[10:].partition(b" ")
    if proto != b"HTTP/1.1":
        raise ValueError("request %r: want HTTP/1.1" % shown)
    num, sep, hexn = target.partition(b"?nonce=")
    if not sep:
        raise ValueError("request %r: want GET /task/I?nonce=N" % shown)
    if not num.isdigit():
        raise ValueError("request %r: task index is not a number >= 0" % shown)
    try:
        nonce = int(hexn, 16)
    except ValueError:
        raise ValueError("request %r: nonce is not a hex number" % shown) from None
    return int(num), nonce, end + 4


def srv_answer(acc, close):
    """taskhttp.AppendResponse."""
    body = b"%x %d %d\n" % (acc, threading.get_native_id(), os.getpid())
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s"
            % (len(body), b"Connection: close\r\n" if close else b"", body))


def srv_error(msg):
    """taskhttp.AppendError."""
    body = msg.encode("utf-8", "replace") + b"\n"
    return (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


class Ledger:
    """The server's own counts: answered requests, accepted connections and
    the peak of open ones; busy counts requests being handled, so the
    ledger is read only once every answer sent has been counted."""

    def __init__(self):
        self.served = self.accepted = self.open = self.peak = self.busy = 0
        self.lock = threading.Lock()

    def begin(self):
        with self.lock:
            self.busy += 1

    def end(self):
        with self.lock:
            self.busy -= 1

    def settle(self, limit=5.0):
        """Waits (at most limit seconds) until no request is being handled."""
        end = time.monotonic() + limit
        while self.busy and time.monotonic() < end:
            time.sleep(0.001)

    def opened(self):
        with self.lock:
            self.accepted += 1
            self.open += 1
            self.peak = max(self.peak, self.open)

    def closed(self):
        with self.lock:
            self.open -= 1

    def answered(self):
        with self.lock:
            self.served += 1


class NonceGate:
    """The step code reads the request's nonce from the global NONCE (CPU
    seeds, File proofs). A request with another nonce than the ones in
    flight waits until they have ended (one trial sends one nonce, so this
    never waits in a trial)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.inflight = 0

    def enter(self, nonce):
        global NONCE
        with self.cond:
            while self.inflight and NONCE != nonce:
                self.cond.wait()
            NONCE = nonce
            self.inflight += 1

    def leave(self):
        with self.cond:
            self.inflight -= 1
            if self.inflight == 0:
                self.cond.notify_all()


def srv_task(tr, i):
    if i >= tr.n:
        raise ValueError("task index %d out of range (%d tasks)" % (i, tr.n))
    return tr.task(i)


def srv_run_blocking(ex, tr, i, nonce, gate):
    """Task i's steps with blocking calls (Blocking.run), under gate."""
    task_id, steps, seeds = srv_task(tr, i)
    gate.enter(nonce)
    try:
        return ex.run(task_id, steps, seeds, [], False)
    except StepError as e:
        raise RuntimeError("task %d: %s" % (task_id, e)) from e
    finally:
        gate.leave()


def srv_conn(conn, ex, tr, led, gate, once):
    """Answers requests on conn until the client closes it (once: one
    request, then "Connection: close"); closes it. Connection errors end
    it silently: the load generator judges lost requests."""
    buf = b""
    try:
        while True:
            try:
                r = srv_parse(buf)
            except ValueError as e:
                conn.sendall(srv_error(str(e)))
                return
            if r is None:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
                continue
            i, nonce, n = r
            buf = buf[n:]
            led.begin()
            try:
                try:
                    acc = srv_run_blocking(ex, tr, i, nonce, gate)
                except Exception as e:
                    conn.sendall(srv_error(err_text(e)))
                    return
                conn.sendall(srv_answer(acc, once))
                led.answered()
            finally:
                led.end()
            if once:
                return
    except OSError:
        return
    finally:
        conn.close()
        led.closed()


def srv_socket():
    """The listening socket the Go server passed as fd 3."""
    import socket
    return socket.socket(fileno=3)


def srv_nofile():
    """Raise the soft RLIMIT_NOFILE to the hard one (the Go parent's raised
    soft limit is not inherited), so 10,000+ connections fit."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def srv_stop_on_eof(stdin, led, ledger):
    """On a thread: when stdin closes, write the ledger (ledger() returns
    it) and exit at once, whatever is in flight (the generator is done)."""
    def watch():
        while stdin.read(65536):
            pass
        led.settle()
        write_line("served", ledger())
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def srv_ledger(led, pids=()):
    return lambda: {"served": led.served, "accepted": led.accepted, "peak_conns": led.peak, "pids": list(pids)}


def srv_sequential(tr, sock, info, stdin):
    ex, led, gate = Blocking(tr.env, 1), Ledger(), NonceGate()
    sock.setblocking(True)
    write_line("ready", info)
    srv_stop_on_eof(stdin, led, srv_ledger(led))
    while True:
        conn, _ = sock.accept()
        led.opened()
        srv_conn(conn, ex, tr, led, gate, True)


def srv_threads(tr, sock, info, stdin):
    """gunicorn's gthread design: the main thread polls the listening
    socket and every idle keep-alive connection (selectors); a connection
    with a request to read goes to one of the W pool threads, which reads
    it, runs the task, answers, and hands the connection back to the
    poller. W bounds the requests in progress, not the connections."""
    import queue
    import selectors
    from concurrent.futures import ThreadPoolExecutor
    w = max(1, tr.conc)
    ex, led, gate = Blocking(tr.env, w), Ledger(), NonceGate()
    pool = ThreadPoolExecutor(max_workers=w)
    b = threading.Barrier(w + 1)
    for _ in range(w):
        pool.submit(b.wait)  # every thread started before ready
    b.wait()
    sel = selectors.DefaultSelector()
    sock.setblocking(False)
    sel.register(sock, selectors.EVENT_READ, None)
    back = queue.SimpleQueue()
    wake_r, wake_w = os.pipe()
    sel.register(wake_r, selectors.EVENT_READ, wake_r)

    def close(conn):
        conn.close()
        led.closed()

    def handle(conn, buf):
        """On a pool thread: read the request conn has ready, answer it
        (and any further complete ones), then hand conn back."""
        try:
            chunk = conn.recv(4096)
            if not chunk:
                return close(conn)
            buf += chunk
            while True:
                try:
                    r = srv_parse(buf)
                except ValueError as e:
                    conn.sendall(srv_error(str(e)))
                    return close(conn)
                if r is None:
                    break
                i, nonce, n = r
                buf = buf[n:]
                led.begin()
                try:
                    try:
                        acc = srv_run_blocking(ex, tr, i, nonce, gate)
                    except Exception as e:
                        conn.sendall(srv_error(err_text(e)))
                        return close(conn)
                    conn.sendall(srv_answer(acc, False))
                    led.answered()
                finally:
                    led.end()
        except OSError:
            return close(conn)
        back.put((conn, buf))
        os.write(wake_w, b"x")

    write_line("ready", info)
    srv_stop_on_eof(stdin, led, srv_ledger(led))
    while True:
        for key, _ in sel.select():
            if key.fileobj is sock:
                while True:
                    try:
                        conn, _ = sock.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(True)
                    led.opened()
                    sel.register(conn, selectors.EVENT_READ, b"")
            elif key.data is wake_r:
                os.read(wake_r, 4096)
                while True:
                    try:
                        conn, buf = back.get_nowait()
                    except queue.Empty:
                        break
                    sel.register(conn, selectors.EVENT_READ, buf)
            else:
                sel.unregister(key.fileobj)
                pool.submit(handle, key.fileobj, key.data)


def srv_processes(tr, sock, info, stdin):
    import mmap
    p = max(1, tr.conc)
    # Each worker's ledger (served, accepted, peak) in a shared page.
    slots = mmap.mmap(-1, 24 * p)
    sock.setblocking(True)
    parent = os.getpid()
    pids = []
    for w in range(p):
        pid = os.fork()
        if pid == 0:
            try:
                srv_worker(tr, sock, slots, w, parent)
            finally:
                os._exit(1)
        pids.append(pid)
    info["workers"] = pids
    write_line("ready", info)
    while stdin.read(65536):
        pass
    # SIGTERM: a worker exits at once when idle, else after the request
    # it is answering has been counted.
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    for pid in pids:
        os.waitpid(pid, 0)
    served = accepted = peak = 0
    for w in range(p):
        s, a, k = struct.unpack_from("<QQQ", slots, 24 * w)
        served, accepted, peak = served + s, accepted + a, peak + k
    # The sum of the workers' peaks: at least the server's.
    write_line("served", {"served": served, "accepted": accepted, "peak_conns": peak, "pids": pids})
    os._exit(0)


def srv_worker(tr, sock, slots, w, parent):
    """A prefork worker: dies with the server (PR_SET_PDEATHSIG), then
    accepts and answers one request per connection, counting in its slot."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent:
        os._exit(3)
    ex, led, gate = Blocking(tr.env, 1), Ledger(), NonceGate()
    stop = []

    def term(*_):
        if not led.open:
            os._exit(0)
        stop.append(True)
    signal.signal(signal.SIGTERM, term)
    while True:
        conn, _ = sock.accept()
        led.opened()
        srv_conn(conn, ex, tr, led, gate, True)
        struct.pack_into("<QQQ", slots, 24 * w, led.served, led.accepted, led.peak)
        if stop:
            os._exit(0)


class AsyncNonceGate:
    """NonceGate for coroutines on one loop."""

    def __init__(self):
        self.inflight = 0
        self.idle = None

    async def enter(self, nonce):
        global NONCE
        while self.inflight and NONCE != nonce:
            if self.idle is None:
                self.idle = asyncio.get_running_loop().create_future()
            await asyncio.shield(self.idle)
        NONCE = nonce
        self.inflight += 1

    def leave(self):
        self.inflight -= 1
        if self.inflight == 0 and self.idle is not None:
            self.idle.set_result(None)
            self.idle = None


async def srv_run_async(m, tr, i, nonce, gate):
    """Task i's steps on the loop, as AsyncModel.task runs them."""
    task_id, steps, seeds = srv_task(tr, i)
    await gate.enter(nonce)
    try:
        acc, k_net = 0, 0
        for k, s in enumerate(steps):
            kind = s[0]
            try:
                if kind == SLEEP:
                    await asyncio.sleep(s[2])
                    out = 0
                elif kind == BLOCK:
                    time.sleep(s[2])  # the mistake: blocks the loop
                    out = 0
                elif kind == CPU:
                    out = run_cpu(s[1], s[2], task_seed(task_id))
                elif kind == NET:
                    out = await m.net(s, seeds[k_net])
                    k_net += 1
                elif kind == FILE:
                    if not m.fds:
                        raise RuntimeError("file step needs data files, but the trial has none")
                    fd = m.fds[task_id % len(m.fds)]
                    out = file_output(await m.loop.run_in_executor(None, os.pread, fd, s[2], s[1]), s)
                else:
                    out = 0
            except Exception as e:
                raise RuntimeError("task %d: step %d %s: %s" % (task_id, k, step_name(s), err_text(e))) from e
            acc = mix(acc, out)
        return acc
    finally:
        gate.leave()


def srv_async(tr, sock, info, stdin, use_uvloop):
    m = AsyncModel(tr, use_uvloop)  # its loop, file executor, Net pool and limit
    led, gate = Ledger(), AsyncNonceGate()

    async def handle(reader, writer):
        led.opened()
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                    i, nonce, _ = srv_parse(head)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except (asyncio.LimitOverrunError, ValueError) as e:
                    writer.write(srv_error(str(e) if isinstance(e, ValueError) else "request head over 4096 bytes"))
                    return
                led.begin()
                try:
                    try:
                        if m.limit is not None:
                            async with m.limit:
                                acc = await srv_run_async(m, tr, i, nonce, gate)
                        else:
                            acc = await srv_run_async(m, tr, i, nonce, gate)
                    except Exception as e:
                        writer.write(srv_error(err_text(e)))
                        return
                    writer.write(srv_answer(acc, False))
                    led.answered()
                finally:
                    led.end()
                if writer.transport.get_write_buffer_size() > 65536:
                    await writer.drain()
        finally:
            writer.close()
            led.closed()

    async def main():
        await asyncio.start_server(handle, sock=sock, limit=4096, backlog=65535)
        write_line("ready", info)
        srv_stop_on_eof(stdin, led, srv_ledger(led))
        await m.loop.create_future()  # until the process exits

    m.loop.run_until_complete(main())


def SERVE(tr, stdin):
    """The server role of tr.model ("serve-" + the runner model)."""
    srv_nofile()
    sock = srv_socket()
    model = tr.model[len("serve-"):]
    info = {"runtime": "CPython " + sys.version.split()[0], "executable": sys.executable,
            "pid": os.getpid(), "workers": []}
    if model == "sequential":
        srv_sequential(tr, sock, info, stdin)
    elif model == "threads":
        srv_threads(tr, sock, info, stdin)
    elif model == "processes":
        srv_processes(tr, sock, info, stdin)
    elif model in ("asyncio", "uvloop"):
        if model == "uvloop":
            import uvloop
            info["uvloop"] = uvloop.__version__
        srv_async(tr, sock, info, stdin, model == "uvloop")
    else:
        raise SystemExit("unknown server model %r" % model)
