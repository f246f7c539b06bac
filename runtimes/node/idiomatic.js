'use strict';
// concbench's Node.js calibration: the idiomatic program for a batch.
//
// Prepended to runner.js (same wire protocol, same start-up before the
// clock) when a hidden "*-idiomatic" model runs: the plainest program a
// Node.js user writes for the batch, with no per-task bookkeeping at all:
//
//   eventloop  await Promise.all of setTimeout promises / no-op async
//              functions
//   workers    the same beside node-workers' worker_threads pool, started
//              as for the model: no-op and sleep tasks have no CPU step,
//              so it stays idle
//
// Only batches of identical no-op or sleep tasks (the noop and io-sleep
// workloads) can be written this way. The program stamps the batch, not
// the tasks: every task is reported as arriving at time zero, starting
// when the batch starts and ending when Promise.all resolves, with the
// value the program returned for it. Makespan, CPU and memory (measured
// from outside, as for every model) are the calibration's figures; its
// per-task latency is not.

// idiomaticBatch returns the batch's one shape: [sleep ms or -1, value].
function idiomaticBatch(tr) {
  if (tr.shape !== 'batch' || tr.shapes.length !== 1) {
    throw new Error('idiomatic calibration runs only a batch of identical tasks (noop or io-sleep)');
  }
  const steps = tr.shapes[0];
  // The value a runner's task returns: the digest of one step's output 0.
  if (steps.length === 1 && steps[0][0] === 0 /* NOOP */) return [-1, mix(0n, 0n)];
  if (steps.length === 1 && steps[0][0] === 1 /* SLEEP */) return [Math.ceil(steps[0][1] / 1e6), mix(0n, 0n)];
  throw new Error(`idiomatic calibration runs only noop and io-sleep tasks, not ${JSON.stringify(steps)}`);
}

// idiomaticProgram is the program itself; it resolves to the results.
async function idiomaticProgram(n, ms, v) {
  const tasks = new Array(n);
  if (ms >= 0) {
    for (let i = 0; i < n; i++) tasks[i] = new Promise((r) => setTimeout(r, ms, v));
  } else {
    const noop = async () => v;
    for (let i = 0; i < n; i++) tasks[i] = noop();
  }
  return Promise.all(tasks);
}

// idiomaticRun runs the program and fills the trial's records batch-wise.
async function idiomaticRun(tr, t0, clock) {
  const [ms, v] = idiomaticBatch(tr);
  const begin = clock();
  const res = await idiomaticProgram(tr.n, ms, v);
  const end = clock();
  tr.arrive.fill(t0);
  tr.start.fill(begin);
  tr.end.fill(end);
  for (let i = 0; i < res.length; i++) tr.result[i] = res[i];
  tr.who.fill(process.pid);
}
