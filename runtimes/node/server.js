// concbench's Node.js servers: the server role of the Node models.
//
// Prepended to runner.js (see runtimes/serve.go) and entered from its main()
// for a "serve-MODEL" trial: the header and task arrays arrive on stdin as
// for a client trial (a batch load, no arrivals); the listening socket is
// fd 3, opened and listening in the Go server process, which keeps its
// address and its ready barrier. Each request `GET /task/I?nonce=N` runs
// task I's steps inside the handler with the runner's own step code (Exec:
// net, file, cpuSeed; runCpu; Atomics.wait for Block) and is answered with
// "DIGEST TID PID\n" (package workload/taskhttp). Designs:
//
//   eventloop  http.createServer on the one event loop (what people run;
//              its parser's cost is part of the model)
//   workers    cluster: P worker processes (one per CPU), each an
//              http.createServer on its own loop; the primary owns the
//              socket and hands connections round-robin (cluster's default
//              on Linux)
//
// Protocol: "ready {json}" once serving (pid, workers); when stdin closes
// the server writes its ledger "served {json}" (served, accepted,
// peak_conns, pids) and exits.
'use strict';

// NonceGate: the step code reads the request's nonce from NONCE (CPU
// seeds, File proofs); a request with another nonce than those in flight
// waits until they have ended (one trial sends one nonce: never waits).
class NonceGate {
  constructor() { this.inflight = 0; this.waiters = []; }
  async enter(nonce) {
    while (this.inflight > 0 && NONCE !== nonce) await new Promise((r) => this.waiters.push(r));
    NONCE = nonce;
    this.inflight++;
  }
  leave() {
    if (--this.inflight === 0) {
      const w = this.waiters; this.waiters = [];
      for (const r of w) r();
    }
  }
}

// serveTask runs task i's steps on the loop, as Exec.advance runs them.
async function serveTask(ex, tr, i, nonce, gate) {
  if (i >= tr.n) throw new Error(`task index ${i} out of range (${tr.n} tasks)`);
  const id = tr.ids[i];
  const steps = tr.shapes[tr.shapeOf[i]];
  await gate.enter(nonce);
  try {
    let acc = 0n, kNet = 0;
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      let out = 0n;
      try {
        switch (s[0]) {
          case SLEEP: await new Promise((r) => setTimeout(r, Math.ceil(s[1] / 1e6))); break;
          case BLOCK: Atomics.wait(ex.blocker, 0, 0, s[1] / 1e6); break; // the mistake: stalls the loop
          case CPU: out = runCpu(s[1], s[2], ex.cpuSeed(id)); break;
          case NET: out = await ex.net(s, tr.seedOff ? tr.seeds[tr.seedOff[i] + kNet] : 0n); kNet++; break;
          case FILE: out = await ex.file(id, s); break;
        }
      } catch (e) {
        throw new Error(`task ${id}: step ${k} ${stepName(s)}: ${e.message || e}`);
      }
      acc = mix(acc, out);
    }
    return acc;
  } finally {
    gate.leave();
  }
}

const taskPath = /^\/task\/(\d+)\?nonce=([0-9a-fA-F]{1,16})$/;

// serveHTTP starts an http.createServer on fd 3 serving tr's tasks; it
// resolves, once listening, to a function returning the ledger.
async function serveHTTP(tr) {
  const ex = new Exec(tr, null);
  await ex.open();
  const gate = new NonceGate();
  const led = { served: 0, accepted: 0, open: 0, peak: 0 };
  const limit = tr.conc > 0 ? tr.conc : Infinity;
  let active = 0;
  const queue = [];
  const fail = (res, msg) => {
    res.writeHead(500, { 'Content-Type': 'text/plain', Connection: 'close', 'Content-Length': Buffer.byteLength(msg) + 1 });
    res.end(msg + '\n');
  };
  const run = (i, nonce, res) => {
    active++;
    serveTask(ex, tr, i, nonce, gate).then((acc) => {
      const body = `${acc.toString(16)} ${PID} ${PID}\n`; // JS runs on the main thread: its tid is the pid
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
      res.end(body);
      led.served++;
    }, (e) => fail(res, e.message)).finally(() => {
      active--;
      const next = queue.shift();
      if (next) run(...next);
    });
  };
  const server = http.createServer((req, res) => {
    const m = taskPath.exec(req.url);
    if (req.method !== 'GET' || !m) return fail(res, `request "${req.method} ${req.url.slice(0, 64)}": want GET /task/I?nonce=N`);
    if (req.httpVersion !== '1.1') return fail(res, `request "${req.method} ${req.url.slice(0, 64)}": want HTTP/1.1`);
    const args = [Number(m[1]), BigInt('0x' + m[2]), res];
    if (active < limit) run(...args); else queue.push(args);
  });
  // Idle keep-alive connections are the C10k experiment: no timeouts.
  server.keepAliveTimeout = 0;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.timeout = 0;
  server.on('connection', (sock) => {
    led.accepted++;
    if (++led.open > led.peak) led.peak = led.open;
    sock.once('close', () => { led.open--; });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd: 3, backlog: 65535 }, resolve);
  });
  return () => ({ served: led.served, accepted: led.accepted, peak_conns: led.peak, pids: [] });
}

// stdinEnd resolves when stdin closes (the Go server stops us).
async function stdinEnd(rd) {
  try { await rd.need(() => false); } catch (e) { /* stdin closed */ }
}

// trialFrom rebuilds, in a cluster worker, what readTrial read.
function trialFrom(m) {
  const h = m.h, n = h.n;
  const tr = { h, n, model: h.model, conc: h.concurrency, env: h.env, shapes: h.shapes, seeds: m.seeds, ids: m.ids, shapeOf: m.shapeOf, cpu: [] };
  tr.seedOff = null;
  if (h.nseeds) {
    const nnet = h.shapes.map((steps) => steps.filter((s) => s[0] === NET).length);
    tr.seedOff = new Float64Array(n);
    for (let i = 0, off = 0; i < n; i++) { tr.seedOff[i] = off; off += nnet[tr.shapeOf[i]]; }
  }
  return tr;
}

// serveClusterWorker is a cluster worker: it gets the trial from the
// primary, serves, and sends its ledger back when told to stop.
function serveClusterWorker() {
  process.once('message', async (m) => {
    const ledger = await serveHTTP(trialFrom(m));
    process.on('message', (s) => {
      if (s.stop) process.send({ ledger: { ...ledger(), pid: process.pid } }, () => process.exit(0));
    });
    process.send({ listening: true });
  });
}

async function serveMain(tr, rd) {
  const info = { runtime: `Node.js ${process.version}`, executable: process.execPath, pid: process.pid, workers: [] };
  const kind = tr.model.slice('serve-'.length);
  if (kind === 'eventloop') {
    const ledger = await serveHTTP(tr);
    writeLine('ready', info);
    await stdinEnd(rd);
    writeLine('served', ledger());
    process.exit(0);
  }
  if (kind !== 'workers') throw new Error(`unknown server model ${tr.model}`);
  const cluster = require('cluster');
  // A `node -e` program has no script to fork: the workers run the same
  // source (execArgv), with a placeholder script name.
  cluster.setupPrimary({ exec: 'concbench-server-worker', execArgv: process.execArgv, serialization: 'advanced' });
  const msg = { h: tr.h, seeds: tr.seeds, ids: tr.ids, shapeOf: tr.shapeOf };
  const workers = [], exits = [];
  let stopping = false;
  for (let k = 0; k < Math.max(1, tr.h.workers || 1); k++) {
    const w = cluster.fork();
    exits.push(new Promise((resolve) => w.on('exit', (code, sig) => {
      if (stopping) return resolve();
      process.stderr.write(`node server: cluster worker ${w.process.pid} exited (${sig || code}) while serving\n`);
      process.exit(1);
    })));
    workers.push(w);
  }
  await Promise.all(workers.map((w) => new Promise((resolve) => {
    w.on('message', (m) => { if (m.listening) resolve(); });
    w.send(msg);
  })));
  info.workers = workers.map((w) => w.process.pid);
  writeLine('ready', info);
  await stdinEnd(rd);
  stopping = true;
  const ledgers = await Promise.all(workers.map((w) => new Promise((resolve) => {
    w.on('message', (m) => { if (m.ledger) resolve(m.ledger); });
    w.send({ stop: true });
  })));
  const sum = { served: 0, accepted: 0, peak_conns: 0, pids: [] };
  for (const l of ledgers) {
    sum.served += l.served; sum.accepted += l.accepted; sum.peak_conns += l.peak_conns; // at least the server's peak
    sum.pids.push(l.pid);
  }
  // Reap the workers first: their CPU time then counts in this process's
  // children, which the harness reads when it reaps this one.
  await Promise.all(exits);
  writeLine('served', sum);
  process.exit(0);
}
