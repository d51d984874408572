import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '../testing/postgres.js';
import { expectLegacyDataToGoOn, fixturePath, readFixtureJson } from './fixtures/legacy-checks.js';
import { legacySnapshot } from './fixtures/legacy-data.js';
import { PostgresStorage } from './postgres.js';
import { SqliteStorage } from './sqlite.js';
import { describeStorageSuite, sampleProfileRow, type StorageTuning } from './storage-suite.js';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping PostgreSQL storage tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('PostgresStorage', () => {
  let server: TestPostgres;
  const opened: PostgresStorage[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await server?.stop();
  });

  async function open(connectionString?: string, tuning?: StorageTuning): Promise<PostgresStorage> {
    const storage = new PostgresStorage({
      connectionString: connectionString ?? (await server.createDatabase()),
      poolSize: 4,
      ...tuning,
    });
    opened.push(storage);
    await storage.init();
    return storage;
  }

  describeStorageSuite('PostgresStorage', (tuning) => open(undefined, tuning));

  it('runs migrations once, also when several instances start together, and keeps data across reconnects', async () => {
    const uri = await server.createDatabase();
    const [a, b, c] = await Promise.all([open(uri), open(uri), open(uri)]);
    const { rows } = await a.pool.query(
      'SELECT version, name FROM scouter.schema_migrations ORDER BY version',
    );
    expect(rows).toEqual([
      { version: 1, name: 'initial schema' },
      { version: 2, name: 'custom_drift rollup' },
    ]);
    const profile = await b.insertProfile(sampleProfileRow({ active: true }));
    const t = 1_764_002_038_123_457;
    await c.insertCustomRecords([
      { createdAtMicros: t, space: 'scouter', name: 'model', version: '0.1.0', metric: 'mae', value: 0.1 },
    ]);
    await Promise.all([a.close(), b.close(), c.close()]);

    const again = await open(uri);
    expect(await again.getProfile({ space: 'scouter', name: 'model', version: '0.1.0' }, 'Custom')).toEqual(
      profile,
    );
    const bins = await again.binnedCustomMetrics({
      space: 'scouter',
      name: 'model',
      version: '0.1.0',
      sinceMicros: 0,
      binWidthMicros: 1,
    });
    expect(bins).toEqual([{ binStartMicros: t, metric: 'mae', avg: 0.1, stddev: null }]);
  });

  it('builds the record rollup in migration 2 and counts records written concurrently by two servers once', async () => {
    const uri = await server.createDatabase();
    const [a, b] = await Promise.all([open(uri), open(uri)]);
    const key = { space: 'scouter', name: 'model', version: '0.1.0' };
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      ...key,
      createdAtMicros: 1_764_000_000_000_000 + i * 1_234_567,
      metric: i % 3 ? 'mae' : 'mape',
      value: (i % 17) / 2,
    }));
    const results = await Promise.all([
      a.insertCustomRecords(rows.slice(0, 2000)),
      b.insertCustomRecords(rows.slice(1000)),
      a.insertCustomRecords(rows.slice(500, 2500)),
    ]);
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(rows.length);
    const query = { ...key, sinceMicros: 0, binWidthMicros: 86_400_000 };
    const reference = new SqliteStorage({ filename: ':memory:' });
    await reference.init();
    await reference.insertCustomRecords(rows);
    const expected = await reference.binnedCustomMetrics(query);
    await reference.close();
    expect(await a.binnedCustomMetrics(query)).toEqual(expected);

    await a.pool.query('DROP TABLE scouter.custom_drift_rollup');
    await a.pool.query('DELETE FROM scouter.schema_migrations WHERE version = 2');
    await Promise.all([a.close(), b.close()]);
    const again = await open(uri);
    expect(await again.binnedCustomMetrics(query)).toEqual(expected);
  });

  it('opens a schema written before the Kysely layer (migrations 1–2): the same answers, and it goes on working', async () => {
    // A pg_dump made by make-fixtures.ts at the commit before SqlStorage.
    const uri = await server.createDatabase();
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    try {
      await client.query(readFileSync(fixturePath('postgres-migration-2.sql'), 'utf8'));
    } finally {
      await client.end();
    }
    const expected = readFixtureJson('postgres-migration-2.json') as { profile: { uid: string } };
    const storage = await open(uri);
    expect(await legacySnapshot(storage)).toEqual(expected);
    await expectLegacyDataToGoOn(storage, expected.profile.uid);
    const { rows } = await storage.pool.query(
      'SELECT version FROM scouter.schema_migrations ORDER BY version',
    );
    expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
    const { rows: counted } = await storage.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM scouter.custom_drift',
    );
    expect(counted).toEqual([{ n: 700 }]);
  });

  it('never gives the same job to two storages claiming concurrently', async () => {
    const uri = await server.createDatabase();
    const [a, b] = await Promise.all([open(uri), open(uri)]);
    const jobs = 12;
    const uids = new Set<string>();
    for (let i = 0; i < jobs; i++) {
      const row = await a.insertProfile(
        sampleProfileRow({ version: `1.${i}.0`, active: true, nextRun: new Date(0) }),
      );
      uids.add(row.uid);
    }
    const now = new Date();
    const stale = new Date(now.getTime() - 600_000);
    const claimAll = async (s: PostgresStorage): Promise<string[]> => {
      const got: string[] = [];
      for (let i = 0; i < jobs; i++) {
        const rows = await Promise.all([s.claimDueJob(now, stale), s.claimDueJob(now, stale)]);
        for (const r of rows) if (r) got.push(r.uid);
      }
      return got;
    };
    const [fromA, fromB] = await Promise.all([claimAll(a), claimAll(b)]);
    const claimed = [...fromA, ...fromB];
    expect(claimed.sort()).toEqual([...uids].sort());
    expect(await a.claimDueJob(now, stale)).toBeNull();
  });
});
