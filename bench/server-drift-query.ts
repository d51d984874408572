/**
 * `GET /scouter/drift/custom` latency over 1 million stored values (SQLite and PostgreSQL), through the real HTTP
 * route and, for comparison, the storage call alone. Goal: <= 100 ms over 1M values.
 *
 * With `--against <git ref>` it compares this tree's server with the ref's instead (see `baseline.ts`): both load the
 * same values into databases of their own, then each timed run queries both (in alternating order); printed are both
 * figures and their ratio per run, median (min–max).
 *
 *   pnpm bench server-drift-query [--sqlite|--postgres] [--values=1000000] [--runs=15] [--against <git ref>]
 */
import { availableParallelism, loadavg } from 'node:os';
import { createStorage, PostgresStorage, SqliteStorage, type Storage } from '@scouter-ts/server';
import {
  compareAgainstRef,
  fmt,
  printTable,
  quantile,
  ratios,
  spread,
  startBackends,
  startChildServer,
  type ChildServer,
} from './server-common.js';
import { DRIFT_KEY, DRIFT_SPAN_US, driftBatches, METRICS, POSTGRES_ANALYZE } from './server-workload.js';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const VALUES = arg('values', 1_000_000);
const RUNS = arg('runs', 15);
const KEY = DRIFT_KEY;
const MAX_DATA_POINTS = 1000;
const INTERVALS = [
  ['FiveDays', 7200],
  ['TwentyFourHours', 1440],
  ['OneHour', 60],
] as const;
const MINUTE_US = 60_000_000;

/** Stores the drift data (VALUES rows over the last 4.9 days, all inside the FiveDays window). */
async function load(storage: Storage, nowMicros: number): Promise<void> {
  for (const batch of driftBatches(VALUES, nowMicros)) await storage.insertCustomRecords(batch);
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

/** One `GET /scouter/drift/custom` of the bench profile; returns the number of bins answered. */
async function getDrift(server: ChildServer, interval: string): Promise<number> {
  const url =
    `${server.baseUrl}/scouter/drift/custom?space=${KEY.space}&name=${KEY.name}&version=${KEY.version}` +
    `&time_interval=${interval}&max_data_points=${MAX_DATA_POINTS}&drift_type=Custom`;
  const res = await fetch(url, { headers: { authorization: server.authorization } });
  if (!res.ok) throw new Error(`drift query failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { metrics: Record<string, { created_at: string[] }> };
  return Object.values(body.metrics).reduce((n, m) => n + m.created_at.length, 0);
}

async function msOf(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** `--against`: this tree's server and the baseline's, side by side; returns false without the option. */
async function compareTrees(): Promise<boolean> {
  const table: Array<Array<string | number>> = [];
  const median = (xs: number[]): string => fmt(quantile(xs, 0.5), 1);
  const ref = await compareAgainstRef(process.argv, async (backend, head, base, baseRef) => {
    const nowMicros = Date.now() * 1000;
    // Loaded in turns of 100 000 values (the tree starting a turn alternates), each turn timed.
    const loads = { base: [] as number[], head: [] as number[] };
    for (let part = 0, done = false; !done; part++) {
      const order: Array<[ChildServer, number[]]> = [
        [base, loads.base],
        [head, loads.head],
      ];
      if (part % 2 === 1) order.reverse();
      for (const [server, into] of order) {
        const r = await server.send<{ seconds: number; done: boolean }>({
          op: 'load',
          values: VALUES,
          nowMicros,
          batches: 10,
        });
        into.push(r.seconds);
        done = r.done;
      }
    }
    const total = (xs: number[]): string =>
      fmt(
        xs.reduce((a, x) => a + x, 0),
        1,
      );
    console.log(
      `${backend.name}: stored ${VALUES} values in ${total(loads.base)} s (${baseRef}), ${total(loads.head)} s (this);` +
        ` per 100 000, this / ${baseRef}: ${spread(ratios(loads.head, loads.base))}`,
    );
    for (const [interval, minutes] of INTERVALS) {
      const windowUs = minutes * MINUTE_US;
      const first = [await msOf(() => getDrift(base, interval)), await msOf(() => getDrift(head, interval))];
      const binned = (server: ChildServer): Promise<number> =>
        server
          .send<{ ms: number }>({
            op: 'binned',
            sinceMicros: Date.now() * 1000 - windowUs,
            binWidthMicros: Math.round(windowUs / MAX_DATA_POINTS),
          })
          .then((r) => r.ms);
      for (let i = 0; i < 3; i++) {
        for (const server of [base, head]) {
          await getDrift(server, interval);
          await binned(server);
        }
      }
      const h = { http: [] as number[], call: [] as number[] };
      const b = { http: [] as number[], call: [] as number[] };
      for (let r = 0; r < RUNS; r++) {
        const order: Array<[ChildServer, typeof h]> = [
          [base, b],
          [head, h],
        ];
        if (r % 2 === 1) order.reverse();
        for (const [server, into] of order) {
          into.http.push(await msOf(() => getDrift(server, interval)));
          into.call.push(await binned(server));
        }
      }
      table.push([
        backend.name,
        interval,
        `${fmt(first[0]!, 0)} → ${fmt(first[1]!, 0)}`,
        `${median(b.http)} → ${median(h.http)}`,
        spread(ratios(h.http, b.http)),
        `${median(b.call)} → ${median(h.call)}`,
        spread(ratios(h.call, b.call)),
      ]);
    }
  });
  if (!ref) return false;
  console.log(
    `\nGET /scouter/drift/custom, this tree against ${ref}: max_data_points=${MAX_DATA_POINTS}, ${VALUES} values` +
      ` (${METRICS.length} metrics) in each tree's database, each tree's server in its own process;` +
      ` ${RUNS} runs after 3 warm-up runs, the two trees in alternating order; latency in ms; ratios are` +
      ' this tree / baseline per run, median (min–max), lower is better.\n',
  );
  printTable(
    [
      'backend',
      'time_interval',
      'HTTP first (baseline → this)',
      'HTTP p50 (baseline → this)',
      'HTTP ratio',
      'storage call p50 (baseline → this)',
      'storage call ratio',
    ],
    table,
  );
  return true;
}

async function main(): Promise<void> {
  if (await compareTrees()) return;
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
        if (storage instanceof PostgresStorage) await storage.pool.query(POSTGRES_ANALYZE);
        console.log(
          `${backend.name}: stored ${VALUES} values in ${fmt((performance.now() - t0) / 1000, 1)} s`,
        );
        for (const [interval, minutes] of INTERVALS) {
          let bins = 0;
          const get = async (): Promise<void> => {
            bins = await getDrift(server, interval);
          };
          // The first query after the bulk load (SQLite: may fold records not yet in the rollup), before warm-up.
          const first = await time(get, 0, 1);
          const http = await time(get);
          const windowUs = minutes * MINUTE_US;
          const direct = await time(() =>
            storage.binnedCustomMetrics({
              ...KEY,
              sinceMicros: Date.now() * 1000 - windowUs,
              binWidthMicros: Math.round(windowUs / MAX_DATA_POINTS),
            }),
          );
          const floor = await time(() => scanFloor(storage, Date.now() * 1000 - windowUs));
          const inWindow = Math.min(VALUES, Math.round((VALUES * minutes * MINUTE_US) / DRIFT_SPAN_US));
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
