// What one delivery costs the process, by thread, at the cadence the queue sends in a busy app (one coalesced body
// per second): the default delivery worker (node:http), the in-thread HttpTransport (undici), and a worker that runs
// HttpSession over undici (the worker before 2026-11-27), next to a process that only runs the same timer. Each
// variant runs in a fresh process per round, the order rotating per round (method: bench/README.md).
// Run: pnpm build && pnpm bench delivery [--rounds 5] [--seconds 20] [--interval 1000] [--records 1200]
// The measured processes run bench/delivery-child.mjs on plain node.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLoopbackSink } from '../packages/core/src/capture/testing/loopback-sink.js';

const childScript = fileURLToPath(new URL('./delivery-child.mjs', import.meta.url));
const VARIANTS = ['idle', 'worker', 'main', 'worker-undici'] as const;
type Variant = (typeof VARIANTS)[number];

interface ChildResult {
  variant: Variant;
  posts: number;
  /** Process CPU per POST, ms, and its split: the main thread, the threads the transport started, the others. */
  total: number;
  main: number;
  started: number;
  other: number;
  rssMb: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function orchestrate(rounds: number, seconds: number, intervalMs: number, records: number) {
  const sink = await startLoopbackSink({ keepRecords: false });
  const results = new Map<Variant, ChildResult[]>(VARIANTS.map((v) => [v, []]));
  const pinned = process.platform === 'linux' && os.availableParallelism() > 1;
  console.log(
    `# Delivery cost (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${records} records per body, ` +
      `one POST every ${intervalMs} ms for ${seconds} s, ${rounds} rounds, each variant a fresh process${pinned ? ' on CPU 0' : ''})\n`,
  );
  for (let round = 0; round < rounds; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
    for (const variant of order) {
      const posts = Math.max(1, Math.round((seconds * 1000) / intervalMs));
      const args = [childScript, variant, sink.url, String(posts), String(intervalMs), String(records)];
      const [cmd, cmdArgs] = pinned
        ? ['taskset', ['-c', '0', process.execPath, ...args]]
        : [process.execPath, args];
      const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const result = await new Promise<ChildResult>((resolve, reject) => {
        child.once('message', (message) => resolve(message as ChildResult));
        child.once('exit', (code) =>
          reject(new Error(`${variant} exited with code ${code} before reporting`)),
        );
      });
      results.get(variant)!.push(result);
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
    console.log(`  round ${round + 1}/${rounds} done`);
  }
  await sink.close();
  const idle = median(results.get('idle')!.map((r) => r.total));
  const main = median(results.get('main')!.map((r) => r.total));
  const fmt = (n: number) => n.toFixed(2);
  console.log(
    '\n| variant | process CPU ms per POST, median (min–max) | Δ vs idle | ratio to `main` (Δ/Δ) | main thread | threads it started | other threads | RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const variant of VARIANTS) {
    const rows = results.get(variant)!;
    const total = rows.map((r) => r.total);
    const delta = median(total) - idle;
    console.log(
      `| ${variant} | ${fmt(median(total))} (${fmt(Math.min(...total))}–${fmt(Math.max(...total))}) | ` +
        `${variant === 'idle' ? '' : fmt(delta)} | ${variant === 'idle' ? '' : (delta / (main - idle)).toFixed(2)} | ` +
        `${fmt(median(rows.map((r) => r.main)))} | ${fmt(median(rows.map((r) => r.started)))} | ` +
        `${fmt(median(rows.map((r) => r.other)))} | ${median(rows.map((r) => r.rssMb)).toFixed(0)} |`,
    );
  }
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    interval: { type: 'string', default: '1000' },
    records: { type: 'string', default: '1200' },
  },
});
if (!existsSync(fileURLToPath(new URL('../packages/core/dist/index.js', import.meta.url))))
  throw new Error('packages/core/dist is missing: run `pnpm build` first');
await orchestrate(
  Number(values.rounds),
  Number(values.seconds),
  Number(values.interval),
  Number(values.records),
);
