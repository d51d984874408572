/**
 * `GET /scouter/drift/custom` latency over 1 million stored values (SQLite and PostgreSQL), through the real HTTP
 * route and, for comparison, the storage call alone. Goal: <= 100 ms over 1M values.
 *
 *   pnpm tsx bench/server-drift-query.ts [--sqlite|--postgres] [--values=1000000] [--runs=15]
 */
import { availableParallelism, loadavg } from 'node:os';
import {
  createStorage,
  PostgresStorage,
  SqliteStorage,
  type CustomRecordRow,
  type Storage,
} from '@scouter-ts/server';
import { seededRandom } from './seeded-random.js';
import { fmt, printTable, quantile, startBackends, startChildServer } from './server-common.js';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const VALUES = arg('values', 1_000_000);
const RUNS = arg('runs', 15);
const METRICS = ['accuracy', 'latency_ms', 'mae', 'mape', 'rmse'];
const KEY = { space: 'bench', name: 'model', version: '1.0.0' };
const MINUTE_US = 60_000_000;

/** Stores VALUES rows spread evenly over the last 4.9 days (all inside the FiveDays window). */
async function load(storage: Storage, nowMicros: number): Promise<void> {
  const random = seededRandom(42);
  const perMetric = Math.ceil(VALUES / METRICS.length);
  const span = 4.9 * 24 * 60 * MINUTE_US;
  const step = Math.floor(span / perMetric);
  const start = nowMicros - span;
  let batch: CustomRecordRow[] = [];
  for (let i = 0; i < perMetric; i++) {
    for (let m = 0; m < METRICS.length; m++) {
      batch.push({
        ...KEY,
        createdAtMicros: start + i * step + m,
        metric: METRICS[m]!,
        value: 10 + random() * 5,
      });
    }
    if (batch.length >= 10_000) {
      await storage.insertCustomRecords(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await storage.insertCustomRecords(batch);
}

/** The cheapest possible pass over the same rows: count and sum in one statement, no binning. */
async function scanFloor(storage: Storage, sinceMicros: number): Promise<void> {
  if (storage instanceof SqliteStorage) {
    storage.database
      .prepare(
        `SELECT count(*), sum(value) FROM custom_drift
         WHERE space = ? AND name = ? AND version = ? AND created_at > ?`,
      )
      .get(KEY.space, KEY.name, KEY.version, sinceMicros);
  } else if (storage instanceof PostgresStorage) {
    await storage.pool.query(
      `SELECT count(*), sum(value) FROM scouter.custom_drift
       WHERE space = $1 AND name = $2 AND version = $3
         AND created_at > '1970-01-01T00:00:00Z'::timestamptz + $4::int8 * interval '1 microsecond'`,
      [KEY.space, KEY.name, KEY.version, sinceMicros],
    );
  }
}

async function time(fn: () => Promise<unknown>, warmUp = 3, runs = RUNS): Promise<number[]> {
  for (let i = 0; i < warmUp; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

async function main(): Promise<void> {
  const backends = await startBackends(process.argv);
  const rows: Array<Array<string | number>> = [];
  try {
    for (const backend of backends) {
      const uri = await backend.freshUri();
      const server = await startChildServer(uri);
      const storage = createStorage(uri);
      await storage.init();
      try {
        const nowMicros = Date.now() * 1000;
        const t0 = performance.now();
        await load(storage, nowMicros);
        console.log(
          `${backend.name}: stored ${VALUES} values in ${fmt((performance.now() - t0) / 1000, 1)} s`,
        );
        for (const [interval, minutes] of [
          ['FiveDays', 7200],
          ['TwentyFourHours', 1440],
          ['OneHour', 60],
        ] as const) {
          const maxDataPoints = 1000;
          const url =
            `${server.baseUrl}/scouter/drift/custom?space=${KEY.space}&name=${KEY.name}&version=${KEY.version}` +
            `&time_interval=${interval}&max_data_points=${maxDataPoints}&drift_type=Custom`;
          let bins = 0;
          const get = async (): Promise<void> => {
            const res = await fetch(url, { headers: { authorization: server.authorization } });
            if (!res.ok) throw new Error(`drift query failed: ${res.status} ${await res.text()}`);
            const body = (await res.json()) as { metrics: Record<string, { created_at: string[] }> };
            bins = Object.values(body.metrics).reduce((n, m) => n + m.created_at.length, 0);
          };
          // The first query after the bulk load (SQLite: may fold records not yet in the rollup), before warm-up.
          const first = await time(get, 0, 1);
          const http = await time(get);
          const windowUs = minutes * MINUTE_US;
          const direct = await time(() =>
            storage.binnedCustomMetrics({
              ...KEY,
              sinceMicros: Date.now() * 1000 - windowUs,
              binWidthMicros: Math.round(windowUs / maxDataPoints),
            }),
          );
          const floor = await time(() => scanFloor(storage, Date.now() * 1000 - windowUs));
          const inWindow = Math.min(VALUES, Math.round((VALUES * minutes) / (4.9 * 24 * 60)));
          rows.push([
            backend.name,
            interval,
            inWindow,
            bins,
            fmt(first[0]!, 1),
            fmt(quantile(http, 0.5), 1),
            fmt(quantile(http, 0.9), 1),
            fmt(quantile(direct, 0.5), 1),
            fmt(quantile(floor, 0.5), 1),
            fmt(quantile(direct, 0.5) / quantile(floor, 0.5), 1),
            interval === 'FiveDays' ? (quantile(http, 0.5) <= 100 ? 'yes' : 'no') : '',
          ]);
        }
      } finally {
        await storage.close();
        await server.close();
      }
    }
  } finally {
    for (const b of backends) await b.stop();
  }
  console.log(
    `\nGET /scouter/drift/custom, max_data_points=1000, ${VALUES} values stored (${METRICS.length} metrics)`,
  );
  console.log(
    `"HTTP first" is the first request after the load; then ${RUNS} timed runs after 3 warm-up runs; latency in ms; the server runs in its own process; load average ` +
      `${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${availableParallelism()} CPUs.`,
  );
  console.log(
    '"count+sum scan" is one unbinned aggregate over the same rows (a floor for any query reading them).\n',
  );
  printTable(
    [
      'backend',
      'time_interval',
      '≈ values in window',
      'bins returned',
      'HTTP first',
      'HTTP p50',
      'HTTP p90',
      'storage call p50',
      'count+sum scan p50',
      'storage / scan',
      'goal <= 100 ms (1M)',
    ],
    rows,
  );
}

await main();
