// One variant of bench/delivery.ts, run by plain node (no tsx, whose loaded compiler would dominate an idle
// process's heap and its collections): @scouter-ts/core from its built dist/, as an application loads it.
// Usage (from bench/delivery.ts): node bench/delivery-child.mjs <variant> <sinkUrl> <posts> <intervalMs> <records>
import { readFileSync, readdirSync } from 'node:fs';
import { HttpTransport, WorkerHttpTransport } from '@scouter-ts/core';

const [variant, url, postsArg, intervalArg, recordsArg] = process.argv.slice(2);
const posts = Number(postsArg);
const intervalMs = Number(intervalArg);
const records = Number(recordsArg);

/** CPU ns so far of every thread of this process, by thread id. */
function threadCpu() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** `{"records":[…]}` with `records` custom-metric records, as the queue coalesces them. */
function body(count) {
  const record = (i) =>
    `{"Custom":{"created_at":"2026-11-27T05:00:00.${String(100000 + i).slice(1)}0Z","space":"bench","name":"model","version":"1.0.0","metric":"${i % 2 === 0 ? 'mae' : 'confidence'}","value":${(i % 97) / 97}}}`;
  return `{"records":[${Array.from({ length: count }, (_, i) => record(i)).join(',')}]}`;
}

/** The worker entry as it was before 2026-11-27: `HttpSession` (zod, undici) inside the worker. */
function undiciWorkerScript() {
  const source = `import { parentPort, workerData } from 'node:worker_threads';
import { HttpSession } from ${JSON.stringify(import.meta.resolve('@scouter-ts/core'))};
const session = new HttpSession(workerData);
parentPort.on('message', (m) => {
  if (m.type === 'close') return void session.close().finally(() => parentPort.close());
  session.send('POST', 'message', { body: m.body }).then(
    () => parentPort.postMessage({ id: m.id }),
    (err) => parentPort.postMessage({ id: m.id, error: { name: 'Error', message: String(err), retryable: true } }),
  );
});
parentPort.postMessage({ ready: true });`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

const before = new Set(threadCpu().keys());
const config = { serverUri: url, username: 'admin', password: 'admin' };
let transport;
if (variant === 'main') transport = new HttpTransport(config);
else if (variant === 'worker' || variant === 'worker-undici') {
  transport = new WorkerHttpTransport(
    config,
    variant === 'worker-undici' ? { script: undiciWorkerScript() } : {},
  );
  if (!(await transport.whenReady())) throw new Error(`${variant}: the delivery worker did not start`);
} else if (variant !== 'idle') throw new Error(`unknown variant ${variant}`);

const text = body(records);
const tick = () => new Promise((resolve) => setTimeout(resolve, intervalMs));
// Warm-up: login, connections, first compilation; then the timer and the POSTs only.
for (let i = 0; i < 3; i++) {
  await transport?.publish(text);
  await tick();
}
const cpu0 = threadCpu();
for (let i = 0; i < posts; i++) {
  await transport?.publish(text);
  await tick();
}
const cpu1 = threadCpu();
const split = { total: 0, main: 0, started: 0, other: 0 };
for (const [tid, ns] of cpu1) {
  const ms = (ns - (cpu0.get(tid) ?? 0)) / 1e6 / posts;
  split.total += ms;
  if (tid === String(process.pid)) split.main += ms;
  else if (!before.has(tid)) split.started += ms;
  else split.other += ms;
}
const rssMb = process.memoryUsage().rss / 1e6;
await transport?.close();
process.send({ variant, posts, ...split, rssMb });
