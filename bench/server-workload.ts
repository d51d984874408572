/**
 * The data the server benchmarks store, generated the same way in the benchmark process and in every server child
 * (also a child running another tree's server, see `--against`), so both sides of a comparison store equal rows.
 * Imports no package, so a child loads only the server of the tree it measures.
 */
import type { CustomRecordRow } from '@scouter-ts/server';
import { seededRandom } from './seeded-random.js';

export const METRICS = ['accuracy', 'latency_ms', 'mae', 'mape', 'rmse'];
export const DRIFT_KEY = { space: 'bench', name: 'model', version: '1.0.0' };
const MINUTE_US = 60_000_000;
/** The drift data spans 4.9 days, so all of it is inside the FiveDays window. */
export const DRIFT_SPAN_US = 4.9 * 24 * 60 * MINUTE_US;

/** Shape of one ingest block: `records` rows in batches of `batch`, timestamps from `baseMicros`. */
export interface IngestShape {
  records: number;
  batch: number;
  baseMicros: number;
}

/** Batches of records for one ingest block; every block gets its own time range so nothing is a duplicate. */
export function makeIngestBlock(blockIndex: number, label: string, shape: IngestShape): CustomRecordRow[][] {
  const random = seededRandom(blockIndex + 1);
  const start = shape.baseMicros + blockIndex * 10_000_000_000;
  const batches: CustomRecordRow[][] = [];
  for (let b = 0; b < shape.records / shape.batch; b++) {
    const batch: CustomRecordRow[] = [];
    for (let i = 0; i < shape.batch; i++) {
      const n = b * shape.batch + i;
      batch.push({
        createdAtMicros: start + n,
        space: 'bench',
        name: `model-${label}`,
        version: '1.0.0',
        metric: METRICS[n % METRICS.length]!,
        value: random() * 100,
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Runs `send` over all batches with at most `concurrency` in flight; returns the seconds it took. */
export async function runBatches<T>(
  batches: T[],
  concurrency: number,
  send: (batch: T) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) await send(batches[next++]!);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Run after the bulk load of the drift data on PostgreSQL: until autovacuum has analysed the new rows (a minute or
 * so later) the rollup lookups are planned without statistics and take ten times longer, with any version of the
 * storage, so a comparison would measure when autovacuum happened to run.
 */
export const POSTGRES_ANALYZE = 'ANALYZE scouter.custom_drift, scouter.custom_drift_rollup';

/** How many rows `driftBatches(values, …)` yields: whole rounds of all metrics. */
export function driftRowCount(values: number): number {
  return Math.ceil(values / METRICS.length) * METRICS.length;
}

/** `values` drift rows spread evenly over the `DRIFT_SPAN_US` before `nowMicros`, in batches of 10 000. */
export function* driftBatches(values: number, nowMicros: number): Generator<CustomRecordRow[]> {
  const random = seededRandom(42);
  const perMetric = Math.ceil(values / METRICS.length);
  const step = Math.floor(DRIFT_SPAN_US / perMetric);
  const start = nowMicros - DRIFT_SPAN_US;
  let batch: CustomRecordRow[] = [];
  for (let i = 0; i < perMetric; i++) {
    for (let m = 0; m < METRICS.length; m++) {
      batch.push({
        ...DRIFT_KEY,
        createdAtMicros: start + i * step + m,
        metric: METRICS[m]!,
        value: 10 + random() * 5,
      });
    }
    if (batch.length >= 10_000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
