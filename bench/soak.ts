// `pnpm bench soak [--down-minutes 10] [--framework express|fastify] [--concurrency 16] [--max-buffered-records
// 50000]`: the soak (not CI). An
// inference service process (test/reliability/service-child.ts: the adapter, a one-metric profile with sampleSize 1,
// so every request is one record) under closed-loop load on loopback, sending to a real scouter-server process;
// the server is up for 15 s, down for --down-minutes, then up again until the queue drained. Every 5 s it prints the
// service's RSS, the request latency (the overhead a user sees), the request rate and the queue's counters; at the
// end it checks RSS stayed flat once the buffer was full, latency did not grow, and delivery drained.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  AlertThreshold,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  type QueueStats,
} from '@scouter-ts/core';
import { killAll, serverProcess, serviceProcess } from '../test/reliability/processes.js';

const { values } = parseArgs({
  options: {
    'down-minutes': { type: 'string', default: '10' },
    framework: { type: 'string', default: 'express' },
    concurrency: { type: 'string', default: '16' },
    'max-buffered-records': { type: 'string', default: '50000' },
  },
});
const downMs = Number(values['down-minutes']) * 60_000;
const framework = values.framework === 'fastify' ? 'fastify' : 'express';
const concurrency = Number(values.concurrency);
const UP_MS = 15_000;
const DRAIN_LIMIT_MS = 120_000;
const SAMPLE_MS = 5_000;
const MAX_BUFFERED_RECORDS = Number(values['max-buffered-records']);

const dir = mkdtempSync(join(tmpdir(), 'scouter-soak-'));
const profile = Drifter.createDriftProfile(
  [
    new CustomMetric({
      name: 'seq',
      value: 0,
      alertThreshold: AlertThreshold.Above,
      alertThresholdValue: 1e12,
    }),
  ],
  new CustomMetricDriftConfig({
    space: 'soak',
    name: framework,
    version: '1.0.0',
    sampleSize: 1,
    alertConfig: new CustomMetricAlertConfig({}),
  }),
).save(join(dir, 'profile.json'));
const server = await serverProcess(join(dir, 'scouter.db'));
await server.start();
const service = await serviceProcess(framework, {
  profile,
  scouterUri: `http://127.0.0.1:${server.port}`,
  queueOptions: { maxBufferedRecords: MAX_BUFFERED_RECORDS, retryMaxMs: 5_000, maxRetries: 1_000_000 },
});

let latencies: number[] = [];
let seq = 0;
let errors = 0;
let running = true;
const worker = async () => {
  while (running) {
    const started = performance.now();
    try {
      const res = await fetch(`${service.url}/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seq: ++seq }),
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - started);
  }
};
const load = Promise.all(Array.from({ length: concurrency }, worker));

interface Sample {
  t: number;
  phase: string;
  rssMb: number;
  reqPerS: number;
  p50: number;
  p99: number;
  stats: QueueStats;
}
const samples: Sample[] = [];
const t0 = Date.now();
const quantile = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
let phase = 'up';
async function sample(): Promise<Sample> {
  const batch = latencies.sort((a, b) => a - b);
  latencies = [];
  const memory = (await (await fetch(`${service.url}/__memory`)).json()) as { rss: number };
  const s: Sample = {
    t: Math.round((Date.now() - t0) / 1000),
    phase,
    rssMb: Math.round(memory.rss / 1e5) / 10,
    reqPerS: Math.round(batch.length / (SAMPLE_MS / 1000)),
    p50: Math.round(quantile(batch, 0.5) * 100) / 100,
    p99: Math.round(quantile(batch, 0.99) * 100) / 100,
    stats: await service.stats(),
  };
  samples.push(s);
  const st = s.stats;
  console.log(
    `${String(s.t).padStart(5)} s  ${s.phase.padEnd(5)} rss ${String(s.rssMb).padStart(6)} MB  ${String(s.reqPerS).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  ` +
      `inserted ${st.inserted}  sent ${st.recordsSent}  buffered ${st.bufferedRecords}  dropped(full) ${st.dropped.bufferFull}  retries ${st.retries}`,
  );
  return s;
}

const end = async (code: number) => {
  running = false;
  await load;
  killAll();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};

console.log(
  `soak: ${framework}, ${concurrency} concurrent requests, server up ${UP_MS / 1000} s, down ${downMs / 60_000} min, then up until drained (maxBufferedRecords ${MAX_BUFFERED_RECORDS})`,
);
const upUntil = t0 + UP_MS;
while (Date.now() < upUntil) {
  await sleep(SAMPLE_MS);
  await sample();
}
phase = 'down';
await server.stop('SIGTERM');
const downUntil = Date.now() + downMs;
while (Date.now() < downUntil) {
  await sleep(SAMPLE_MS);
  await sample();
}
phase = 'back';
await server.start();
const backAt = Date.now();
let drained: Sample | undefined;
while (Date.now() - backAt < DRAIN_LIMIT_MS) {
  await sleep(SAMPLE_MS);
  const s = await sample();
  // Under continued load the buffer never empties; drained = back to a steady state well under the cap.
  if (s.stats.bufferedRecords < MAX_BUFFERED_RECORDS / 10) {
    drained = s;
    break;
  }
}
running = false;
await load;
const final = await service.stats();

const down = samples.filter((s) => s.phase === 'down');
const full = down.filter((s) => s.stats.dropped.bufferFull > 0);
const up = samples.filter((s) => s.phase === 'up');
const rss = full.map((s) => s.rssMb);
const rssGrowth = rss.length > 1 ? (rss[rss.length - 1] as number) - (rss[0] as number) : 0;
const p99 = (xs: Sample[]) => xs.map((s) => s.p99).sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const accounted =
  final.recordsSent +
  final.bufferedRecords +
  (Object.values(final.dropped) as number[]).reduce((a, b) => a + b, 0);
console.log(
  [
    '',
    `soak summary (${framework}, down ${downMs / 60_000} min)`,
    `- RSS once the buffer was full: ${rss[0] ?? '-'} -> ${rss[rss.length - 1] ?? '-'} MB (growth ${Math.round(rssGrowth * 10) / 10} MB over ${full.length} samples); peak ${Math.max(...samples.map((s) => s.rssMb))} MB`,
    `- request latency p99 (median of samples): up ${p99(up)} ms, down ${p99(down)} ms, back ${p99(samples.filter((s) => s.phase === 'back'))} ms; failed requests ${errors}`,
    `- delivery: ${drained ? `drained ${Math.round((drained.t * 1000 - (backAt - t0)) / 1000)} s after the server came back` : `NOT drained within ${DRAIN_LIMIT_MS / 1000} s`}`,
    `- counters: inserted ${final.inserted}, sent ${final.recordsSent}, buffered ${final.bufferedRecords}, dropped ${JSON.stringify(final.dropped)}; inserted = sent + buffered + dropped: ${accounted === final.inserted}`,
  ].join('\n'),
);
await end(drained && accounted === final.inserted && errors === 0 ? 0 : 1);
