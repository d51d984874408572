/**
 * The scouter-server process of the server benchmarks: `server-child.ts <tree root> <database uri>`, started with
 * the tree's root as working directory, so the server (and `@scouter-ts/core`) come from that tree's sources: this
 * tree's, or a baseline's checked out by `--against`. It listens on 127.0.0.1, logs in as admin and prints
 * `{"baseUrl", "authorization", "layer"}` as one JSON line, then answers each JSON line on stdin with one JSON line:
 *
 *   {"op":"cpu"}                                            → {"cpuMicros"} CPU (user + system) used so far
 *   {"op":"insert","block","label","shape","concurrency"}   → {"seconds","cpuMicros"} one ingest block through
 *                                                             insertCustomRecords on a connection of its own
 *   {"op":"load","values","nowMicros","batches"}            → {"seconds","done"} the next `batches` batches of the
 *                                                             drift data through that connection (when done, then
 *                                                             POSTGRES_ANALYZE on PostgreSQL)
 *   {"op":"binned","sinceMicros","binWidthMicros"}          → {"ms"} one binnedCustomMetrics call of the server's storage
 *
 * It exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import type * as ServerApi from '@scouter-ts/server';
import type { CustomRecordRow, Storage } from '@scouter-ts/server';
import {
  DRIFT_KEY,
  driftBatches,
  driftRowCount,
  makeIngestBlock,
  POSTGRES_ANALYZE,
  runBatches,
  type IngestShape,
} from './server-workload.js';

type ServerModule = typeof ServerApi;

type Command =
  | { op: 'cpu' }
  | { op: 'insert'; block: number; label: string; shape: IngestShape; concurrency: number }
  | { op: 'load'; values: number; nowMicros: number; batches: number }
  | { op: 'binned'; sinceMicros: number; binWidthMicros: number };

const [root, uri] = process.argv.slice(2);
if (!root || !uri) throw new Error('usage: tsx bench/server-child.ts <tree root> <database uri>');
const server = (await import(pathToFileURL(join(root, 'packages/server/src/index.ts')).href)) as ServerModule;

const app = await server.createServer({ databaseUri: uri, logLevel: 'silent', schedulerEnabled: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const login = await fetch(`${baseUrl}/scouter/auth/login`, {
  headers: { username: 'admin', password: 'admin' },
});
if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
const { token } = (await login.json()) as { token: string };

// Writes of the benchmark go through a connection of their own; SQLite's does not fold the rollup in the background
// (the server's own connection does, as in production).
const connection: Storage = /^postgres(ql)?:\/\//.test(uri)
  ? server.createStorage(uri)
  : new server.SqliteStorage({ filename: uri, backgroundFold: false });
await connection.init();

/** The class chain of the server's storage, e.g. `SqliteStorage < SqlStorage`: shows which code a child runs. */
function layerOf(storage: Storage): string {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(storage) as object | null; p && p !== Object.prototype;) {
    names.push((p.constructor as { name: string }).name);
    p = Object.getPrototypeOf(p) as object | null;
  }
  return names.join(' < ');
}

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

let loading: Generator<CustomRecordRow[]> | undefined;
let loadedRows = 0;

async function answer(command: Command): Promise<object> {
  switch (command.op) {
    case 'cpu':
      return { cpuMicros: cpuMicros() };
    case 'insert': {
      const batches = makeIngestBlock(command.block, command.label, command.shape);
      const cpu0 = cpuMicros();
      const seconds = await runBatches(batches, command.concurrency, (b) =>
        connection.insertCustomRecords(b),
      );
      return { seconds, cpuMicros: cpuMicros() - cpu0 };
    }
    case 'load': {
      // The drift data in parts of `batches` batches, so two trees can load it in turns.
      loading ??= driftBatches(command.values, command.nowMicros);
      const t0 = performance.now();
      for (let i = 0; i < command.batches; i++) {
        const next = loading.next();
        if (next.done) break;
        await connection.insertCustomRecords(next.value);
        loadedRows += next.value.length;
      }
      const done = loadedRows >= driftRowCount(command.values);
      const seconds = (performance.now() - t0) / 1000;
      if (done && connection instanceof server.PostgresStorage) await connection.pool.query(POSTGRES_ANALYZE);
      return { seconds, done };
    }
    case 'binned': {
      const { sinceMicros, binWidthMicros } = command;
      const t0 = performance.now();
      await app.scouterServer.storage.binnedCustomMetrics({ ...DRIFT_KEY, sinceMicros, binWidthMicros });
      return { ms: performance.now() - t0 };
    }
  }
}

process.stdout.write(
  `${JSON.stringify({ baseUrl, authorization: `Bearer ${token}`, layer: layerOf(app.scouterServer.storage) })}\n`,
);
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (line.trim() === '') return;
  queue = queue.then(async () => {
    process.stdout.write(`${JSON.stringify(await answer(JSON.parse(line) as Command))}\n`);
  });
});
lines.on('close', () => {
  void queue
    .then(() => app.close())
    .then(() => connection.close())
    .then(() => process.exit(0));
});
