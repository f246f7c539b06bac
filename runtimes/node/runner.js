// concbench's Node.js runner: the Node models, standard library only.
//
// The Go harness starts this file (embedded in the concbench binary) with
// `node -e`, writes the trial to stdin and reads per-task records back on
// stdout, with the same wire protocol as runtimes/python/runner.py (see
// there). One runner runs one trial of one model:
//
//   eventloop  one Node.js event loop: Sleep = setTimeout, Block =
//              Atomics.wait on a SharedArrayBuffer (a synchronous wait that
//              stalls the loop), CPU = crypto sha256 inline on the loop,
//              Net = http with a keep-alive Agent, File = fs.promises
//              (libuv's thread pool)
//   workers    the same, but CPU steps go to a worker_threads pool (one
//              thread per CPU, one step at a time per thread)
//
// Timers: libuv timers have millisecond granularity and are measured from
// the loop's cached time, so a setTimeout may fire up to 1 ms early; the
// model declares that timer slack to the harness.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const { Worker } = require('worker_threads');

const MASK = 0xffffffffffffffffn;
const NOOP = 0, SLEEP = 1, CPU = 2, BLOCK = 3, NET = 4, FILE = 5;
const KIND_NAMES = ['noop', 'sleep', 'cpu', 'block', 'net', 'file'];
const LONE_NOOP = -2; // Exec.loneSleep of a shape that is one no-op step
const now = process.hrtime.bigint;
let NONCE = 0n; // the trial's nonce, from the "go" line
const PID = process.pid;

// ---------------------------------------------------------------- kernels
// (also evaluated inside worker threads: keep them self-contained)

function taskSeed(id) {
  return (BigInt(id) * 0x2545f4914f6cdd1dn + 1n) & 0xffffffffffffffffn;
}

function sha(units, seed) {
  const M = 0xffffffffffffffffn;
  const c = require('crypto');
  const buf = Buffer.alloc(1024);
  const base = (seed * 0x9e3779b97f4a7c15n) & M;
  for (let i = 0; i < 1024; i += 8) buf.writeBigUInt64LE((base + BigInt(i)) & M, i);
  const one = c.hash ? (b) => c.hash('sha256', b, 'buffer') : (b) => c.createHash('sha256').update(b).digest();
  for (let u = 0; u < units; u++) one(buf).copy(buf, 0, 0, 32);
  return buf.readBigUInt64LE(0);
}

function spin(units, seed) {
  const x = seed | 1n;
  let lo = Number(x & 0xffffffffn) >>> 0;
  let hi = Number(x >> 32n) >>> 0;
  let nlo, nhi;
  for (let r = units * 4096; r > 0; r--) {
    nhi = ((hi << 13) | (lo >>> 19)) >>> 0; nlo = (lo << 13) >>> 0; // x ^= x << 13
    hi = (hi ^ nhi) >>> 0; lo = (lo ^ nlo) >>> 0;
    nlo = ((lo >>> 7) | (hi << 25)) >>> 0; nhi = hi >>> 7; // x ^= x >> 7
    hi = (hi ^ nhi) >>> 0; lo = (lo ^ nlo) >>> 0;
    nhi = ((hi << 17) | (lo >>> 15)) >>> 0; nlo = (lo << 17) >>> 0; // x ^= x << 17
    hi = (hi ^ nhi) >>> 0; lo = (lo ^ nlo) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function runCpu(kernel, units, seed) {
  return kernel === 1 ? spin(units, seed) : sha(units, seed);
}

function mix(acc, out) {
  return ((acc ^ out) * 0x100000001b3n + 0x9e3779b97f4a7c15n) & MASK;
}

function stepName(s) {
  switch (s[0]) {
    case SLEEP: case BLOCK: return `${KIND_NAMES[s[0]]}(${s[1]}ns)`;
    case CPU: return `cpu(${s[1] === 1 ? 'spin' : 'sha256'} x${s[2]})`;
    case NET: return `net(${s[1]}, ${s[2]}B)`;
    case FILE: return `file(${s[2]}B @${s[1]})`;
  }
  return KIND_NAMES[s[0]] || `kind(${s[0]})`;
}

class StepError extends Error {
  constructor(step, msg) { super(msg); this.step = step; }
}

// ---------------------------------------------------------------- input

// Reader buffers stdin and hands out lines and exact byte counts.
class Reader {
  constructor(stream) {
    this.chunks = []; this.len = 0; this.ended = false; this.wake = null;
    stream.on('data', (c) => { this.chunks.push(c); this.len += c.length; this.poke(); });
    stream.on('end', () => { this.ended = true; this.poke(); });
  }
  poke() { const w = this.wake; this.wake = null; if (w) w(); }
  async need(pred) {
    while (!pred()) {
      if (this.ended) throw new Error('stdin closed early');
      await new Promise((r) => { this.wake = r; });
    }
  }
  flat() { if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)]; return this.chunks[0] || Buffer.alloc(0); }
  async line() {
    await this.need(() => this.flat().indexOf(10) >= 0);
    const b = this.flat(); const i = b.indexOf(10);
    this.take(i + 1);
    return b.subarray(0, i).toString();
  }
  async bytes(n) {
    await this.need(() => this.len >= n);
    const b = this.flat();
    this.take(n);
    return Buffer.from(b.subarray(0, n)); // a copy: aligned for typed arrays
  }
  take(n) { const b = this.flat(); this.chunks = [b.subarray(n)]; this.len -= n; }
}

async function readTrial(rd) {
  const h = JSON.parse(await rd.line());
  const n = h.n;
  const arr = async (T, count) => {
    const b = await rd.bytes(count * T.BYTES_PER_ELEMENT);
    return new T(b.buffer, b.byteOffset, count);
  };
  const tr = {
    h, n, model: h.model, conc: h.concurrency, shape: h.load, clients: h.clients || 0, env: h.env,
    shapes: h.shapes,
  };
  tr.arrivals = tr.shape === 'open' ? await arr(BigInt64Array, n) : null;
  tr.seeds = await arr(BigUint64Array, h.nseeds);
  tr.ids = await arr(Uint32Array, n);
  tr.shapeOf = await arr(Uint32Array, n);
  tr.nnet = h.shapes.map((steps) => steps.filter((s) => s[0] === NET).length);
  tr.seedOff = null;
  if (h.nseeds) {
    tr.seedOff = new Float64Array(n);
    let off = 0;
    for (let i = 0; i < n; i++) { tr.seedOff[i] = off; off += tr.nnet[tr.shapeOf[i]]; }
  }
  // Per-task record slots, allocated before the clock: 0 = did not happen.
  tr.arrive = new BigInt64Array(n);
  tr.start = new BigInt64Array(n);
  tr.end = new BigInt64Array(n);
  tr.result = new BigUint64Array(n);
  tr.who = new Int32Array(n);
  tr.cpu = [];
  tr.failed = null;
  return tr;
}

// ---------------------------------------------------------------- steps

// query is the Net step's request path; the server derives the body from seed.
function query(step, seed) {
  return `/io?delay=${step[1]}&size=${step[2]}&seed=${seed}`;
}

class Exec {
  constructor(tr, pool) {
    const env = tr.env;
    this.tr = tr;
    this.pool = pool;
    this.host = env.host || ''; this.port = env.port || 0;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, env.conns || 1) });
    this.files = (env.files || []).map((p) => fs.openSync(p, 'r'));
    this.handles = null;
    this.blocker = new Int32Array(new SharedArrayBuffer(4));
    this.at = new Uint32Array(tr.n); // each waiting task's step
    this.load = null;
    this.slept = (i) => this.resume(i, 0n);
    this.settled = (i) => this.end(i);
    // Shapes that are one Sleep step (io-sleep): its milliseconds; one
    // no-op step (noop): LONE_NOOP; else -1. Such a task's digest (a
    // Sleep's or no-op's output is 0) is computed once.
    this.loneSleep = tr.shapes.map((st) => (st.length !== 1 ? -1 : st[0][0] === SLEEP ? Math.ceil(st[0][1] / 1e6) : st[0][0] === NOOP ? LONE_NOOP : -1));
    this.loneDigest = mix(0n, 0n);
    this.sleptLone = (i) => { this.tr.result[i] = this.loneDigest; this.end(i); };
  }
  async open() {
    // fs.promises FileHandles, opened before the clock.
    this.handles = await Promise.all((this.tr.env.files || []).map((p) => fs.promises.open(p, 'r')));
  }
  net(step, seed) {
    if (!this.host) return Promise.reject(new Error('net step needs the latency server, but the trial has none'));
    return new Promise((resolve, reject) => {
      const req = http.get({ host: this.host, port: this.port, path: query(step, seed), agent: this.agent }, (res) => {
        const h = crypto.createHash('sha256');
        let len = 0; const errBody = [];
        res.on('data', (c) => { len += c.length; if (res.statusCode === 200) h.update(c); else errBody.push(c); });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`server answered ${res.statusCode}: ${Buffer.concat(errBody).toString().trim().slice(0, 200)}`));
          if (len !== step[2]) return reject(new Error(`short body: ${len} of ${step[2]} bytes`));
          resolve(h.digest().readBigUInt64LE(0));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }
  async file(id, step) {
    if (!this.handles || this.handles.length === 0) throw new Error('file step needs data files, but the trial has none');
    const fh = this.handles[id % this.handles.length];
    const buf = Buffer.allocUnsafe(step[2]);
    const { bytesRead } = await fh.read(buf, 0, step[2], step[1]);
    if (bytesRead !== step[2]) throw new Error(`short read: ${bytesRead} of ${step[2]} bytes at offset ${step[1]} (file too small)`);
    const nb = Buffer.alloc(8); nb.writeBigUInt64LE(NONCE); // workload.FileProof
    return crypto.createHash('sha256').update(nb).update(buf).digest().readBigUInt64LE(0);
  }
  // cpuSeed is the CPU kernel seed of task id (inline or in the pool).
  cpuSeed(id) {
    return taskSeed(id) ^ NONCE; // workload.CPUSeed
  }
  // cpu runs a CPU step inline on the loop.
  cpu(id, step) {
    const t0 = now();
    const out = runCpu(step[1], step[2], this.cpuSeed(id));
    this.tr.cpu.push(t0, now());
    return out;
  }
  // task starts task i. A task is a chain of promises, one per waiting
  // step (a setTimeout promise for Sleep, as a Node.js program awaits a
  // timer), continued by .then: the same objects per task as the
  // idiomatic `Promise.all(tasks.map(...))`, without an async function's
  // frame. Between steps the task's digest so far waits in result[i] and
  // its step index in at[i].
  task(i) {
    const tr = this.tr;
    tr.start[i] = now();
    tr.who[i] = PID;
    const ms = this.loneSleep[tr.shapeOf[i]];
    if (ms >= 0) {
      // One Sleep step: its timer promise ends the task (advance's work
      // without its loop, park and resume).
      new Promise((r) => setTimeout(r, ms, i)).then(this.sleptLone);
      return;
    }
    if (ms === LONE_NOOP) {
      // One no-op step: its digest, then it settles (below).
      tr.result[i] = this.loneDigest;
      Promise.resolve(i).then(this.settled);
      return;
    }
    if (this.advance(i, 0, 0n)) {
      // A task that never waited still settles as a promise, as an async
      // function's does: it ends in a microtask, after the code that
      // started it.
      Promise.resolve(i).then(this.settled);
    }
  }
  // advance runs task i from step k with digest acc until a step waits
  // (its promise continues the task; false) or every step has run (true;
  // the digest is in result[i]).
  advance(i, k, acc) {
    const tr = this.tr;
    const steps = tr.shapes[tr.shapeOf[i]];
    for (; k < steps.length; k++) {
      const s = steps[k];
      let out = 0n;
      try {
        switch (s[0]) {
          case SLEEP:
            this.park(i, k, acc);
            new Promise((r) => setTimeout(r, Math.ceil(s[1] / 1e6), i)).then(this.slept);
            return false;
          case BLOCK:
            Atomics.wait(this.blocker, 0, 0, s[1] / 1e6); // the mistake: stalls the loop
            break;
          case CPU:
            if (this.pool) {
              this.park(i, k, acc);
              this.pool.run(s[1], s[2], this.cpuSeed(tr.ids[i])).then((r) => {
                tr.cpu.push(r.t0, r.t1);
                this.resume(i, r.out);
              }, (e) => this.fail(i, k, e));
              return false;
            }
            out = this.cpu(tr.ids[i], s);
            break;
          case NET:
            this.park(i, k, acc);
            this.net(s, tr.seedOff ? tr.seeds[tr.seedOff[i] + netIndex(steps, k)] : 0n)
              .then((o) => this.resume(i, o), (e) => this.fail(i, k, e));
            return false;
          case FILE:
            this.park(i, k, acc);
            this.file(tr.ids[i], s).then((o) => this.resume(i, o), (e) => this.fail(i, k, e));
            return false;
        }
      } catch (e) {
        this.fail(i, k, e);
        return false;
      }
      acc = mix(acc, out);
    }
    tr.result[i] = acc;
    return true;
  }
  // end stamps task i's end once its last step has run.
  end(i) {
    this.tr.end[i] = now();
    this.load.finished(i);
  }
  park(i, k, acc) { this.at[i] = k; this.tr.result[i] = acc; }
  // resume continues task i after its waiting step produced out.
  resume(i, out) { if (this.advance(i, this.at[i] + 1, mix(this.tr.result[i], out))) this.end(i); }
  fail(i, k, e) {
    const s = this.tr.shapes[this.tr.shapeOf[i]][k];
    this.load.failed(i, new StepError(k, `step ${k} ${stepName(s)}: ${e.message || e}`));
  }
}

// netIndex is how many Net steps come before step k.
function netIndex(steps, k) {
  let n = 0;
  for (let j = 0; j < k; j++) if (steps[j][0] === NET) n++;
  return n;
}

// Pool is a worker_threads pool running CPU steps, one at a time each.
class Pool {
  constructor(p) {
    const src = [taskSeed, sha, spin, runCpu].map((f) => f.toString()).join('\n') + `
      const { parentPort, workerData } = require('worker_threads');
      parentPort.on('message', (m) => {
        const t0 = process.hrtime.bigint();
        if (m.meet) {
          // CONCBENCH_MEET (tests): this first measured step waits, inside
          // its interval, until every worker has begun its own, so the
          // steps overlap by construction (bounded: 10 s).
          const c = new Int32Array(workerData.meet);
          Atomics.add(c, 0, 1); Atomics.notify(c, 0);
          const end = Date.now() + 10000;
          for (let v = Atomics.load(c, 0); v < workerData.p && Date.now() < end; v = Atomics.load(c, 0)) Atomics.wait(c, 0, v, 50);
        }
        const out = runCpu(m.kernel, m.units, m.seed);
        parentPort.postMessage({ out, t0, t1: process.hrtime.bigint() });
      });`;
    this.idle = []; this.queue = []; this.workers = [];
    // CONCBENCH_MEET=1 (tests only): see the worker's message handler.
    this.meet = process.env.CONCBENCH_MEET === '1' ? new SharedArrayBuffer(4) : null;
    for (let k = 0; k < p; k++) {
      const w = new Worker(src, { eval: true, workerData: { meet: this.meet, p } });
      w.on('message', (m) => { const job = w.job; w.job = null; this.release(w); job.resolve(m); });
      w.on('error', (e) => { if (w.job) w.job.reject(e); });
      this.workers.push(w); this.idle.push(w);
    }
  }
  async ready() {
    // One round trip per worker, so every thread is up before the clock.
    await Promise.all(this.workers.map(() => this.run(0, 1, 1n)));
    this.live = true; // the next message to each worker is its first measured step
  }
  run(kernel, units, seed) {
    return new Promise((resolve, reject) => {
      const job = { msg: { kernel, units, seed }, resolve, reject };
      const w = this.idle.pop();
      if (w) this.send(w, job); else this.queue.push(job);
    });
  }
  send(w, job) {
    if (this.meet && this.live && !w.met) { w.met = true; job.msg.meet = true; }
    w.job = job; w.postMessage(job.msg);
  }
  release(w) { const job = this.queue.shift(); if (job) this.send(w, job); else this.idle.push(w); }
  close() { for (const w of this.workers) w.terminate(); }
}

// ---------------------------------------------------------------- loads

// Load releases the tasks by the load shape and counts them out; run
// resolves when every task has ended or one has failed.
class Load {
  constructor(tr, ex, t0) {
    this.tr = tr; this.ex = ex; this.t0 = t0;
    this.left = tr.n; this.next = 0; this.active = 0;
    this.limit = tr.conc > 0 ? tr.conc : Infinity;
    this.waiting = []; this.wHead = 0;
    this.resolveAll = null;
    ex.load = this;
  }
  run() {
    const tr = this.tr, n = tr.n, t0 = this.t0;
    const all = new Promise((r) => { this.resolveAll = r; });
    if (n === 0) return Promise.resolve();
    if (tr.shape === 'closed') {
      // The C clients start with the trial (arrival = time zero).
      const c = Math.min(tr.clients, n);
      for (this.next = 0; this.next < c; this.next++) { tr.arrive[this.next] = t0; this.launch(this.next); }
    } else if (tr.shape === 'open') {
      this.feedOpen();
    } else {
      tr.arrive.fill(t0); // a batch arrives at time zero
      if (this.limit === Infinity) {
        // No concurrency limit: every task starts now.
        const ex = this.ex;
        this.active = n;
        for (let i = 0; i < n && !tr.failed; i++) ex.task(i);
      } else {
        for (let i = 0; i < n && !tr.failed; i++) this.launch(i);
      }
    }
    return all;
  }
  async feedOpen() {
    const tr = this.tr;
    for (let i = 0; i < tr.n; i++) {
      const at = this.t0 + tr.arrivals[i];
      tr.arrive[i] = at;
      // A libuv timer may fire early: never release before the
      // intended arrival.
      for (let d = at - now(); d > 0n; d = at - now()) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(Number(d) / 1e6))));
      }
      if (tr.failed) return;
      this.launch(i);
    }
  }
  launch(i) {
    if (this.active < this.limit) { this.active++; this.ex.task(i); } else this.waiting.push(i);
  }
  finished(i) {
    const tr = this.tr;
    this.active--;
    if (this.wHead < this.waiting.length && !tr.failed) { this.active++; this.ex.task(this.waiting[this.wHead++]); }
    if (--this.left === 0) return this.resolveAll();
    if (tr.shape === 'closed' && this.next < tr.n && !tr.failed) {
      const k = this.next++;
      tr.arrive[k] = tr.end[i];
      this.launch(k);
    }
  }
  failed(i, e) {
    const tr = this.tr;
    if (!tr.failed) tr.failed = { task: i, step: e.step === undefined ? -1 : e.step, error: e.message || String(e) };
    this.resolveAll();
  }
}

// ---------------------------------------------------------------- main

// writeAll writes b to stdout synchronously. Node may have made the pipe
// non-blocking (worker_threads set up stdio), so a full pipe is waited out.
function writeAll(b) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let off = 0; off < b.length;) {
    try {
      off += fs.writeSync(1, b, off, b.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

function writeLine(kind, obj) {
  writeAll(Buffer.from(`${kind} ${JSON.stringify(obj)}\n`));
}

function fault(where) {
  const spec = process.env.CONCBENCH_RUNNER_FAULT || '';
  if (!spec.startsWith(where + ':')) return;
  const mode = spec.slice(where.length + 1);
  if (mode === 'die') process.kill(process.pid, 'SIGKILL');
  if (mode === 'garbage') writeAll(Buffer.from('Uncaught TypeError: not really\n'));
  if (mode === 'garbage' || mode === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3600e3);
}

function writeArray(a) {
  writeAll(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

async function main() {
  process.on('SIGINT', () => {}); // the Go parent stops us
  if (require('cluster').isWorker) return serveClusterWorker(); // the server role (server.js, prepended to this file)
  const rd = new Reader(process.stdin);
  const tr = await readTrial(rd);
  if (tr.model.startsWith('serve-')) return serveMain(tr, rd);
  let pool = null;
  const idiomatic = tr.model.startsWith('idiomatic-');
  if (idiomatic) idiomaticBatch(tr); // the calibration (idiomatic.js, prepended to this file)
  if (tr.model === 'workers' || tr.model === 'idiomatic-workers') {
    pool = new Pool(Math.max(1, tr.h.workers || 1));
    await pool.ready();
  } else if (tr.model !== 'eventloop' && tr.model !== 'idiomatic-eventloop') {
    throw new Error(`unknown model ${tr.model}`);
  }
  const ex = new Exec(tr, pool);
  await ex.open();
  writeLine('ready', { runtime: `Node.js ${process.version}`, executable: process.execPath, pid: process.pid, workers: [] });
  fault('ready');
  const go = (await rd.line()).split(' ');
  if (go.length !== 3 || go[0] !== 'go') throw new Error(`expected 'go T0 NONCE', got ${go}`);
  const t0 = BigInt(go[1]);
  NONCE = BigInt(go[2]);
  fault('run');
  if (idiomatic) await idiomaticRun(tr, t0, now);
  else await new Load(tr, ex, t0).run();
  if (tr.failed) {
    writeLine('fail', tr.failed);
    process.exit(1);
  }
  const cpu = BigInt64Array.from(tr.cpu);
  writeLine('done', { n: tr.n, ncpu: cpu.length / 2, inner: false });
  for (const a of [tr.arrive, tr.start, tr.end, tr.result, tr.who, cpu]) writeArray(a);
  process.exit(0);
}

main().catch((e) => {
  // The stack, then the message as the last line (the harness quotes it).
  process.stderr.write(`${e && e.stack ? e.stack : e}\nnode runner: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
