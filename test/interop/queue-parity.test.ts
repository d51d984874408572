import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Metrics,
  MockTransport,
  ScouterClient,
  ScouterQueue,
  type CustomMetricServerRecordJson,
} from '@scouter-ts/core';
import { buildTsProfile } from './profile-spec.js';
import { VENVS, requirePython, runPython, skipMessage, type PythonEnv } from './python.js';
import { startTestServer, waitFor, type RunningServer } from './server.js';

/**
 * Scouter's queue (Rust, through Python) and ours get the same inserts: they must cut the same batches and send the
 * same per-metric means. Python's real request bodies go to our server, which must accept every one of them.
 */

const auth = { username: 'admin', password: 'admin' };
describe.each(VENVS)('scouter-ml $scouterMl', (venv) => {
  let env: PythonEnv;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    env = await requirePython(venv);
  }, 300_000);

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  // sample_size 3. Metrics missing from some inserts, names the profile does not know, an upper-case name,
  // a batch made only of unknown names, and a partial batch left for shutdown().
  const inserts: Record<string, number>[] = [
    { mae: 1, accuracy: 0.5 },
    { mae: 2 },
    { accuracy: 0.7, unknown: 1 },
    { unknown: 5 },
    { unknown: 6 },
    { unknown: 7 },
    { mae: 0.1, accuracy: 0.2 },
    { mae: 0.2, accuracy: 0.4 },
    { MAE: 0.3, accuracy: 0.1 },
    { MAE: 10 },
  ];

  type Batch = [metric: string, value: number][];
  const summarize = (records: CustomMetricServerRecordJson[]): Batch =>
    records.map((r): [string, number] => [r.metric, r.value]).sort((a, b) => a[0].localeCompare(b[0]));

  describe("queue parity with Scouter's queue", { timeout: 90_000 }, () => {
    it('the same inserts give the same batches and means; our server accepts every body Python sends', async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      server = await startTestServer({ schedulerEnabled: false });
      const profile = buildTsProfile({
        space: 'interop',
        name: 'queue-parity',
        version: '1.0.0',
        sample_size: 3,
        metrics: [
          { name: 'mae', value: 1, threshold: 'Above', threshold_value: 0.1 },
          { name: 'accuracy', value: 0.9, threshold: 'Below', threshold_value: 0.1 },
        ],
      });
      // A v0.25 queue names the profile by the uid the server assigns on registration.
      let identity: Record<string, unknown> = { space: 'interop', name: 'queue-parity', version: '1.0.0' };
      if (venv.protocol === 'v0.25') {
        const client = new ScouterClient({ serverUri: server.serverUri, ...auth, protocol: 'v0.25' });
        const registered = await client.registerProfile(profile);
        await client.close();
        identity = { uid: registered.uid, entity_id: 0 };
      }
      const path = profile.save(join(server.dir, 'parity-profile'));

      // What Scouter's queue sends: batch means, one record per metric seen, and an empty batch for the unknown-only one.
      const expected: Batch[] = [
        [
          ['accuracy', (0.5 + 0.7) / 2],
          ['mae', (1 + 2) / 2],
        ],
        [],
        [
          ['accuracy', (0.2 + 0.4 + 0.1) / 3],
          ['mae', (0.1 + 0.2 + 0.3) / 3],
        ],
        [['mae', 10]],
      ];
      // Scouter 0.25's queue also cuts a partial batch every 2 s from a background task, so a slow start of the Python
      // process can split the first batch; such a run is repeated (at most twice) on the same server.
      const running = server;
      let pyRecords: CustomMetricServerRecordJson[][] = [];
      let python: Batch[] = [];
      for (let attempt = 0; attempt < (venv.id === 'v0.25' ? 3 : 1); attempt++) {
        running.messages.length = 0;
        await runPython(venv, 'queue_send', { server_uri: running.serverUri, ...auth, path, inserts });
        // Scouter 0.25's shutdown() can return while its last requests are still being answered: let them land.
        await waitFor('the four bodies Python sent', async () => running.messages.length >= 4, {
          attempts: 40,
          intervalMs: 100,
        }).catch(() => undefined);
        expect(running.messages.map((m) => m.status)).toStrictEqual(running.messages.map(() => 200));
        pyRecords = running.messages.map((m) =>
          (m.body as { records: { Custom: CustomMetricServerRecordJson }[] }).records.map((r) => r.Custom),
        );
        python = pyRecords.map(summarize);
        if (JSON.stringify(python) === JSON.stringify(expected)) break;
      }
      expect(python).toStrictEqual(expected);
      for (const record of pyRecords.flat()) {
        expect(record).toMatchObject(identity);
        // chrono's AutoSi: nanoseconds trimmed to 9, 6 or 3 digits, or none (a 6-digit value is 1 run in 1000).
        expect(record.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3}|\.\d{6}|\.\d{9})?Z$/);
      }

      // The queue reads the record dialect from its transport's `protocol` (HttpConfig and the broker configs have one).
      const mock = Object.assign(new MockTransport(), { protocol: venv.protocol });
      const warnings: object[] = [];
      const queue = await ScouterQueue.fromPath({ a: path }, mock, {
        flushIntervalMs: 600_000,
        // One request body per batch, as Scouter sends them; coalescing is compared separately below.
        sendLingerMs: 0,
        logger: { warn: (obj) => warnings.push(obj), error: (obj) => warnings.push(obj) },
      });
      for (const values of inserts) queue.get('a').insert(new Metrics(values));
      await queue.shutdown({ timeoutMs: 5_000 });
      // Same batches and the same means (in JavaScript arithmetic); we do not send the empty batch.
      expect(mock.batches.map((b) => summarize(b.records.map((r) => r.Custom)))).toStrictEqual(
        python.filter((b) => b.length > 0),
      );
      // With the default linger the same batches arrive merged into fewer bodies, with identical records.
      const lingering = Object.assign(new MockTransport(), { protocol: venv.protocol });
      const merged = await ScouterQueue.fromPath({ a: path }, lingering, {
        flushIntervalMs: 600_000,
        logger: { warn() {}, error() {} },
      });
      for (const values of inserts) merged.get('a').insert(new Metrics(values));
      await merged.shutdown({ timeoutMs: 5_000 });
      expect(lingering.records.map((r) => [r.metric, r.value])).toStrictEqual(
        mock.records.map((r) => [r.metric, r.value]),
      );
      for (const record of mock.records) {
        expect(record).toMatchObject(identity);
        expect(record.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }
      // Unlike Scouter, every record of a batch has its own microsecond (Scouter's UNIQUE key ignores the metric).
      for (const batch of mock.batches) {
        const stamps = batch.records.map((r) => r.Custom.created_at);
        expect(new Set(stamps).size).toBe(stamps.length);
      }
    });
  });
});
