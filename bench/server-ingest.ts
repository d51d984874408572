/**
 * Ingest throughput of `POST /scouter/message` (real HTTP route, auth, validation, storage) against a raw batched
 * insert into the same database and table, measured interleaved in the same run: raw | http | raw | http | raw …
 * Each http block is compared with the mean of the raw blocks beside it. Goal: ingest >= 50 % of raw.
 *
 * Raw baseline: SQLite = better-sqlite3 prepared INSERT OR IGNORE run per row inside one transaction per batch (second
 * connection to the same file); PostgreSQL = one `pg` multi-row INSERT … VALUES … ON CONFLICT DO NOTHING per batch.
 *
 * With `--against <git ref>` it compares this tree's server with the ref's instead (see `baseline.ts`): both run in
 * child processes on databases of their own, and each pair of blocks runs both trees (in alternating order) through
 * the storage call and the HTTP route; printed are both figures and their ratio per pair, median (min–max).
 *
 *   pnpm bench server-ingest [--sqlite|--postgres] [--batch=500] [--records=20000] [--pairs=6] [--concurrency=4]
 *     [--against <git ref>]
 */
import { formatTimestampMicros } from '@scouter-ts/core';
import { createStorage, PostgresStorage, SqliteStorage, type CustomRecordRow } from '@scouter-ts/server';
import {
  compareAgainstRef,
  fmt,
  printTable,
  quantile,
  ratios,
  spread,
  serverRecordsBody,
  startBackends,
  startChildServer,
  type ChildServer,
} from './server-common.js';
import { makeIngestBlock, runBatches, type IngestShape } from './server-workload.js';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const BATCH = arg('batch', 500);
const RECORDS = arg('records', 20_000);
const PAIRS = arg('pairs', 6);
const CONCURRENCY = arg('concurrency', 4);

const SHAPE: IngestShape = { records: RECORDS, batch: BATCH, baseMicros: (Date.now() - 86_400_000) * 1000 };
const makeBlock = (blockIndex: number, label: string): CustomRecordRow[][] =>
  makeIngestBlock(blockIndex, label, SHAPE);

interface RawInserter {
  insert(batch: CustomRecordRow[]): Promise<void>;
  close(): Promise<void>;
}

/** better-sqlite3 on its own connection: one prepared single-row INSERT per record inside one transaction per batch. */
async function sqliteRaw(filename: string): Promise<RawInserter> {
  // No background rollup fold in the bench process: its CPU would count against the raw baseline.
  const connection = new SqliteStorage({ filename, backgroundFold: false });
  await connection.init();
  const db = connection.database;
  const stmt = db.prepare(
    'INSERT OR IGNORE INTO custom_drift (space, name, version, created_at, metric, value) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const tx = db.transaction((rows: CustomRecordRow[]) => {
    for (const r of rows) stmt.run(r.space, r.name, r.version, r.createdAtMicros, r.metric, r.value);
  });
  return {
    insert: (batch) => Promise.resolve(tx(batch)),
    close: () => connection.close(),
  };
}

/** A `pg` pool of its own: one multi-row INSERT … VALUES … ON CONFLICT DO NOTHING per batch. */
async function postgresRaw(connectionString: string): Promise<RawInserter> {
  const connection = new PostgresStorage({ connectionString, poolSize: CONCURRENCY });
  await connection.init();
  const pool = connection.pool;
  return {
    async insert(batch) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (const r of batch) {
        const p = values.length;
        tuples.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`);
        values.push(r.space, r.name, r.version, r.metric, formatTimestampMicros(r.createdAtMicros), r.value);
      }
      await pool.query(
        `INSERT INTO scouter.custom_drift (space, name, version, metric, created_at, value) VALUES ${tuples.join(', ')}
         ON CONFLICT DO NOTHING`,
        values,
      );
    },
    close: () => connection.close(),
  };
}

/** Records per second of one block sent with at most CONCURRENCY in flight. */
async function runBlock<T>(batches: T[], send: (batch: T) => Promise<unknown>): Promise<number> {
  return (batches.length * BATCH) / (await runBatches(batches, CONCURRENCY, send));
}

async function postMessage(server: ChildServer, body: string): Promise<void> {
  const res = await fetch(`${server.baseUrl}/scouter/message`, {
    method: 'POST',
    headers: { authorization: server.authorization, 'content-type': 'application/json' },
    body,
  });
  if (res.status !== 200) throw new Error(`POST /scouter/message: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

interface TreeFigures {
  storageRates: number[];
  httpRates: number[];
  httpCpu: number[];
}

/** One pair of blocks of one tree: a storage block on its own connection, then an HTTP block. */
async function treeBlocks(server: ChildServer, block: number, into?: TreeFigures): Promise<void> {
  const stored = await server.send<{ seconds: number }>({
    op: 'insert',
    block,
    label: 'storage',
    shape: SHAPE,
    concurrency: CONCURRENCY,
  });
  const bodies = makeBlock(block, 'http').map(serverRecordsBody);
  const cpu0 = await server.cpuMicros();
  const http = await runBlock(bodies, (b) => postMessage(server, b));
  const cpu = ((await server.cpuMicros()) - cpu0) / RECORDS;
  into?.storageRates.push(RECORDS / stored.seconds);
  into?.httpRates.push(http);
  into?.httpCpu.push(cpu);
}

/** `--against`: this tree's server and the baseline's, side by side; returns false without the option. */
async function compareTrees(): Promise<boolean> {
  const table: Array<Array<string | number>> = [];
  const ref = await compareAgainstRef(process.argv, async (backend, head, base) => {
    await treeBlocks(base, 0);
    await treeBlocks(head, 0);
    const h: TreeFigures = { storageRates: [], httpRates: [], httpCpu: [] };
    const b: TreeFigures = { storageRates: [], httpRates: [], httpCpu: [] };
    for (let p = 1; p <= PAIRS; p++) {
      const order: Array<[ChildServer, TreeFigures]> = [
        [base, b],
        [head, h],
      ];
      if (p % 2 === 0) order.reverse();
      for (const [server, into] of order) await treeBlocks(server, p, into);
    }
    const median = (xs: number[], digits = 0): string => fmt(quantile(xs, 0.5), digits);
    table.push([
      backend.name,
      `${median(b.storageRates)} → ${median(h.storageRates)}`,
      spread(ratios(h.storageRates, b.storageRates)),
      `${median(b.httpRates)} → ${median(h.httpRates)}`,
      spread(ratios(h.httpRates, b.httpRates)),
      `${median(b.httpCpu, 1)} → ${median(h.httpCpu, 1)}`,
      spread(ratios(h.httpCpu, b.httpCpu)),
    ]);
  });
  if (!ref) return false;
  console.log(
    `\nIngest, this tree against ${ref}: ${RECORDS} records per block in batches of ${BATCH}, ${CONCURRENCY} in flight,` +
      ` ${PAIRS} pairs (the two trees in alternating order), each tree's server in its own process and database.` +
      ' Ratios are this tree / baseline per pair, median (min–max); rec/s higher is better, CPU lower is better.\n',
  );
  printTable(
    [
      'backend',
      'insertCustomRecords rec/s (baseline → this)',
      'storage ratio',
      'POST /scouter/message rec/s (baseline → this)',
      'HTTP ratio',
      'server CPU µs/rec (baseline → this)',
      'CPU ratio',
    ],
    table,
  );
  return true;
}

async function main(): Promise<void> {
  if (await compareTrees()) return;
  const backends = await startBackends(process.argv);
  const table: Array<Array<string | number>> = [];
  try {
    for (const backend of backends) {
      const uri = await backend.freshUri();
      const server = await startChildServer(uri);
      const storage =
        backend.name === 'sqlite'
          ? new SqliteStorage({ filename: uri, backgroundFold: false })
          : createStorage(uri);
      await storage.init();
      const raw = backend.name === 'sqlite' ? await sqliteRaw(uri) : await postgresRaw(uri);
      try {
        let block = 0;
        const httpBlocks: number[] = [];
        const rawCpu: number[] = [];
        const httpCpu: number[] = [];
        const rawRun = async (): Promise<number> => {
          const batches = makeBlock(block++, 'raw');
          const cpu0 = process.cpuUsage();
          const rate = await runBlock(batches, (b) => raw.insert(b));
          const cpu = process.cpuUsage(cpu0);
          rawCpu.push((cpu.user + cpu.system) / RECORDS);
          return rate;
        };
        const storageRun = (): Promise<number> =>
          runBlock(makeBlock(block++, 'storage'), (b) => storage.insertCustomRecords(b));
        const httpRun = async (): Promise<number> => {
          httpBlocks.push(block);
          const bodies = makeBlock(block++, 'http').map(serverRecordsBody);
          const cpu0 = await server.cpuMicros();
          const rate = await runBlock(bodies, (b) => postMessage(server, b));
          httpCpu.push(((await server.cpuMicros()) - cpu0) / RECORDS);
          return rate;
        };
        await rawRun();
        await storageRun();
        await httpRun();
        rawCpu.length = 0;
        httpCpu.length = 0;
        const rawRates: number[] = [await rawRun()];
        const storageRatios: number[] = [];
        const httpRatios: number[] = [];
        const httpRates: number[] = [];
        for (let p = 0; p < PAIRS; p++) {
          const st = await storageRun();
          const ht = await httpRun();
          rawRates.push(await rawRun());
          const around = (rawRates[p]! + rawRates[p + 1]!) / 2;
          httpRates.push(ht);
          storageRatios.push(st / around);
          httpRatios.push(ht / around);
        }
        let missing = 0;
        for (const index of httpBlocks) {
          for (const batch of makeBlock(index, 'http'))
            missing += (await storage.insertCustomRecords(batch)).inserted;
        }
        if (missing !== 0) throw new Error(`${missing} records sent over HTTP were not stored`);
        table.push([
          backend.name,
          fmt(quantile(rawRates, 0.5), 0),
          fmt(quantile(storageRatios, 0.5)),
          fmt(quantile(httpRates, 0.5), 0),
          fmt(quantile(httpRatios, 0.5)),
          `${fmt(Math.min(...httpRatios))}–${fmt(Math.max(...httpRatios))}`,
          fmt(quantile(rawCpu, 0.5), 1),
          fmt(quantile(httpCpu, 0.5), 1),
          fmt(quantile(rawCpu, 0.5) / quantile(httpCpu, 0.5)),
          quantile(httpRatios, 0.5) >= 0.5 ? 'yes' : 'no',
          `${httpBlocks.length * RECORDS}/${httpBlocks.length * RECORDS}`,
        ]);
      } finally {
        await raw.close();
        await storage.close();
        await server.close();
      }
    }
  } finally {
    for (const b of backends) await b.stop();
  }
  console.log(
    `\nIngest: ${RECORDS} records per block in batches of ${BATCH}, ${CONCURRENCY} requests in flight, ${PAIRS} paired` +
      ' blocks (raw | storage | http | raw); ratios against the mean of the two raw blocks around them.' +
      ' The server runs in its own process; request bodies are serialised before timing.\n',
  );
  printTable(
    [
      'backend',
      'raw insert rec/s',
      'storage.insertCustomRecords / raw',
      'POST /scouter/message rec/s',
      'HTTP / raw (median)',
      'HTTP / raw min–max',
      'raw CPU µs/rec',
      'server CPU µs/rec',
      'raw / server CPU',
      'goal >= 0.5 (rec/s)',
      'stored/sent over HTTP',
    ],
    table,
  );
}

await main();
