// insert() cost per call for 1, 4 and 8 metrics, next to an empty function call measured in the same run
// (method: bench/README.md). Run: pnpm bench insert
import os from 'node:os';
import {
  AlertThreshold,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricDriftConfig,
  ScouterQueue,
  type Transport,
} from '@scouter-ts/core';

const CALLS_PER_BATCH = 200;
const BATCHES_PER_ROUND = 100;
const ROUNDS = 30;
const WARMUP_CALLS = 200_000;

const names = Array.from({ length: 8 }, (_, i) => `metric_${i}`);
const profile = new CustomDriftProfile(
  new CustomMetricDriftConfig({ space: 'bench', name: 'insert', version: '1.0.0', sampleSize: 25 }),
  names.map((name) => new CustomMetric({ name, value: 1, alertThreshold: AlertThreshold.Outside })),
);

let published = 0;
const sink: Transport = {
  kind: 'bench-sink',
  publish: async (body) => {
    published += body.length;
  },
  close: async () => undefined,
};

const queue = await ScouterQueue.fromProfiles({ model: profile }, sink, {
  logger: { warn: (obj, msg) => console.warn(msg, obj), error: (obj, msg) => console.error(msg, obj) },
});
const model = queue.get('model');

function input(count: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < count; i++) out[names[i]!] = 0.1 * (i + 1);
  return out;
}
const one = input(1);
const fourMetrics = input(4);
const eight = input(8);

let emptyCalls = 0;
function empty(_metrics: Record<string, number>): void {
  // Intentionally empty: the baseline cost of a call with the same argument.
}

interface Variant {
  label: string;
  run: () => void;
  /** Wall-clock ns per call, one sample per batch. */
  samples: number[];
  /** Process CPU ns per call, one sample per batch: immune to this shared VM's preemption, which wall time is not. */
  cpuSamples: number[];
}

const variants: Variant[] = [
  { label: 'empty function call', run: () => empty(fourMetrics), samples: [], cpuSamples: [] },
  { label: 'insert(), 1 metric', run: () => model.insert(one), samples: [], cpuSamples: [] },
  { label: 'insert(), 4 metrics', run: () => model.insert(fourMetrics), samples: [], cpuSamples: [] },
  { label: 'insert(), 8 metrics', run: () => model.insert(eight), samples: [], cpuSamples: [] },
];

function timeBatch(variant: Variant): void {
  const run = variant.run;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS_PER_BATCH; i++) run();
  const wall = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpuStart);
  variant.samples.push(wall / CALLS_PER_BATCH);
  variant.cpuSamples.push(((cpu.user + cpu.system) * 1000) / CALLS_PER_BATCH);
}

/**
 * Delivers what the timed calls cut (untimed), as a live service does between requests. A flush, not a wait: with
 * coalescing the cut batches linger up to `sendLingerMs` (1 s), which a wait would spend idling. 200 calls are a
 * whole number of 25-insert batches, so the flush cuts no partial batch.
 */
async function drain(): Promise<void> {
  await queue.flush();
}

for (const variant of variants) {
  for (let i = 0; i < WARMUP_CALLS; i += CALLS_PER_BATCH) {
    timeBatch(variant);
    await drain();
  }
  emptyCalls += WARMUP_CALLS;
  variant.samples.length = 0;
  variant.cpuSamples.length = 0;
}

for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order every round so no variant always runs first (interleaved with its baseline).
  for (let k = 0; k < variants.length; k++) {
    const variant = variants[(round + k) % variants.length]!;
    for (let b = 0; b < BATCHES_PER_ROUND; b++) {
      timeBatch(variant);
      // Let the queue deliver what the batch cut (untimed), as a live service does between requests.
      await drain();
    }
    emptyCalls += CALLS_PER_BATCH * BATCHES_PER_ROUND;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const summarise = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const rows = variants.map((v) => ({
  label: v.label,
  wall: summarise(v.samples),
  cpu: summarise(v.cpuSamples),
}));
const base = rows[0]!;
const ns = (x: number) => x.toFixed(1).padStart(8);
const delta = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`.padStart(8);

console.log(
  `insert() per call in ns: ${ROUNDS * BATCHES_PER_ROUND} batches of ${CALLS_PER_BATCH} calls per variant, ` +
    `interleaved; node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} CPUs`,
);
console.log('| variant              | wall p50 | wall p99 | p50-empty | p99-empty |  CPU p50 |  CPU p99 |');
console.log('|----------------------|----------|----------|-----------|-----------|----------|----------|');
for (const row of rows) {
  console.log(
    `| ${row.label.padEnd(20)} | ${ns(row.wall.p50)} | ${ns(row.wall.p99)} |  ${delta(row.wall.p50 - base.wall.p50)} |  ` +
      `${delta(row.wall.p99 - base.wall.p99)} | ${ns(row.cpu.p50)} | ${ns(row.cpu.p99)} |`,
  );
}
const four = rows[2]!;
console.log(
  `\nGoal p99 <= 1000 ns for 4 metrics: wall ${four.wall.p99.toFixed(1)} ns (${four.wall.p99 <= 1000 ? 'met' : 'NOT met'}), ` +
    `CPU ${four.cpu.p99.toFixed(1)} ns (${four.cpu.p99 <= 1000 ? 'met' : 'NOT met'}).`,
);

const result = await queue.shutdown({ timeoutMs: 10_000 });
const stats = queue.stats();
// Printed so that nothing measured above can be optimised away.
console.log(
  `kept alive: inserted=${stats.inserted} recordsSent=${stats.recordsSent} bytes=${published} emptyCalls=${emptyCalls} ` +
    `dropped=${JSON.stringify(stats.dropped)} shutdown=${JSON.stringify(result)}`,
);
