import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createStorage } from './create-storage.js';
import { SqliteStorage } from './sqlite.js';
import { expectLegacyDataToGoOn, fixturePath, readFixtureJson } from './fixtures/legacy-checks.js';
import { legacySnapshot } from './fixtures/legacy-data.js';
import { describeStorageSuite, sampleProfileRow } from './storage-suite.js';

describeStorageSuite('SqliteStorage(:memory:)', async (tuning) => {
  const storage = new SqliteStorage({ filename: ':memory:', ...tuning });
  await storage.init();
  return storage;
});

describe('SqliteStorage on a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scouter-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across close and reopen, in WAL mode', async () => {
    const filename = join(dir, 'scouter.db');
    const first = new SqliteStorage({ filename });
    await first.init();
    await first.init();
    const profile = await first.insertProfile(sampleProfileRow({ active: true }));
    await first.insertCustomRecords([
      {
        createdAtMicros: 1_764_000_000_000_001,
        space: 'scouter',
        name: 'model',
        version: '0.1.0',
        metric: 'mae',
        value: 2,
      },
    ]);
    const [stored] = await first.insertAlerts([
      {
        space: 'scouter',
        name: 'model',
        version: '0.1.0',
        entityName: 'mae',
        driftType: 'Custom',
        createdAtMicros: 1_764_000_000_000_002,
        alert: { entity_name: 'mae' },
      },
    ]);
    await first.close();
    await first.close();

    const second = new SqliteStorage({ filename });
    await second.init();
    expect(await second.getProfile({ space: 'scouter', name: 'model', version: '0.1.0' }, 'Custom')).toEqual(
      profile,
    );
    expect(
      await second.customMetricMeans({ space: 'scouter', name: 'model', version: '0.1.0' }, ['mae'], 0),
    ).toEqual({ mae: 2 });
    expect(await second.getAlerts({ space: 'scouter', name: 'model', version: '0.1.0' })).toEqual([stored]);
    await expect(second.countUsers()).resolves.toBe(0);
    await second.close();
  });

  const oldRecordsTable = `CREATE TABLE custom_drift (
    space TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, created_at INTEGER NOT NULL, metric TEXT NOT NULL,
    value REAL NOT NULL, PRIMARY KEY (space, name, version, metric, created_at, value)) WITHOUT ROWID;
    CREATE INDEX custom_drift_created_at ON custom_drift (created_at)`;

  for (const oldVersion of [1, 2]) {
    it(`upgrades a schema-${oldVersion} file (records WITHOUT ROWID): records kept, rollup rebuilt`, async () => {
      const filename = join(dir, `schema-${oldVersion}.db`);
      const key = { space: 'scouter', name: 'model', version: '0.1.0' };
      const rows = Array.from({ length: 300 }, (_, i) => ({
        ...key,
        createdAtMicros: 1_764_000_000_000_000 + i * 2_345_678,
        metric: i % 3 ? 'mae' : 'mape',
        value: (i % 17) / 2,
      }));
      const old = new Database(filename);
      old.exec(oldRecordsTable);
      if (oldVersion === 2) {
        // A schema-2 rollup kept in step on insert; its content is replaced on upgrade.
        old.exec(`CREATE TABLE custom_drift_rollup (space TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
          level INTEGER NOT NULL, bucket INTEGER NOT NULL, metric TEXT NOT NULL, n INTEGER NOT NULL, s REAL NOT NULL,
          ss REAL NOT NULL, PRIMARY KEY (space, name, version, level, bucket, metric)) WITHOUT ROWID;
          INSERT INTO custom_drift_rollup VALUES ('scouter', 'model', '0.1.0', 1000000, 0, 'mae', 1, 1, 1)`);
      }
      const insert = old.prepare(
        'INSERT INTO custom_drift (space, name, version, created_at, metric, value) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const r of rows) insert.run(r.space, r.name, r.version, r.createdAtMicros, r.metric, r.value);
      old.pragma(`user_version = ${oldVersion}`);
      old.close();

      const fresh = new SqliteStorage({ filename: ':memory:', rollupMinRecordsPerBin: 0 });
      await fresh.init();
      await fresh.insertCustomRecords(rows);
      const query = { ...key, sinceMicros: 0, binWidthMicros: 86_400_000 };
      const expected = await fresh.binnedCustomMetrics(query);
      expect(expected.length).toBeGreaterThan(5);
      const means = await fresh.customMetricMeans(key, ['mae', 'mape'], 0);
      await fresh.close();

      const reopened = new SqliteStorage({ filename, rollupMinRecordsPerBin: 0 });
      await reopened.init();
      expect(reopened.database.pragma('user_version', { simple: true })).toBe(3);
      expect(reopened.database.prepare('SELECT count(*) FROM custom_drift').pluck().get()).toBe(300);
      expect(await reopened.binnedCustomMetrics(query)).toEqual(expected);
      expect(await reopened.customMetricMeans(key, ['mae', 'mape'], 0)).toEqual(means);
      // Repeats of the migrated records are still recognised.
      expect(await reopened.insertCustomRecords(rows.slice(0, 10))).toEqual({ inserted: 0, duplicates: 10 });
      await reopened.close();
    });
  }

  it('opens a schema-3 file written before the Kysely layer: the same answers, and it goes on working', async () => {
    // Written by make-fixtures.ts at the commit before SqlStorage; 100 of its records are not yet in the rollup.
    const filename = join(dir, 'legacy-schema-3.db');
    copyFileSync(fixturePath('sqlite-schema-3.db'), filename);
    const expected = readFixtureJson('sqlite-schema-3.json') as { profile: { uid: string } };
    const storage = new SqliteStorage({ filename, backgroundFold: false });
    await storage.init();
    onTestFinished(() => storage.close());
    expect(storage.database.prepare('SELECT last_id FROM custom_drift_rollup_state').pluck().get()).toBe(620);
    expect(await legacySnapshot(storage)).toEqual(expected);
    await expectLegacyDataToGoOn(storage, expected.profile.uid);
    await storage.close();
    const reopened = new SqliteStorage({ filename, backgroundFold: false });
    await reopened.init();
    onTestFinished(() => reopened.close());
    expect(reopened.database.pragma('user_version', { simple: true })).toBe(3);
    expect(reopened.database.prepare('SELECT count(*) FROM custom_drift').pluck().get()).toBe(700);
  });

  it('folds new records into the rollup lazily: on the next read, and in the background every 2 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const storage = new SqliteStorage({ filename: join(dir, 'lazy.db'), rollupMinRecordsPerBin: 0 });
    await storage.init();
    onTestFinished(() => storage.close());
    const key = { space: 'scouter', name: 'model', version: '0.1.0' };
    const state = (): unknown =>
      storage.database.prepare('SELECT last_id FROM custom_drift_rollup_state').pluck().get();
    const rolled = (): unknown =>
      storage.database
        .prepare('SELECT coalesce(sum(n), 0) FROM custom_drift_rollup WHERE level = 1000000')
        .pluck()
        .get();
    const t0 = 1_764_000_000_000_000;
    await storage.insertCustomRecords([
      { ...key, createdAtMicros: t0, metric: 'mae', value: 1 },
      { ...key, createdAtMicros: t0 + 1, metric: 'mae', value: 3 },
    ]);
    expect([state(), rolled()]).toEqual([0, 0]);
    expect(await storage.customMetricMeans(key, ['mae'], 0)).toEqual({ mae: 2 });
    expect([state(), rolled()]).toEqual([2, 2]);
    // Records after a fold and before the next read are folded by that read.
    await storage.insertCustomRecords([{ ...key, createdAtMicros: t0 + 2, metric: 'mae', value: 8 }]);
    expect(rolled()).toBe(2);
    expect(await storage.binnedCustomMetrics({ ...key, sinceMicros: 0, binWidthMicros: 60_000_000 })).toEqual(
      [{ binStartMicros: t0 - (t0 % 60_000_000), metric: 'mae', avg: 4, stddev: Math.sqrt(13) }],
    );
    expect([state(), rolled()]).toEqual([3, 3]);
    await storage.insertCustomRecords([{ ...key, createdAtMicros: t0 + 3, metric: 'mae', value: 4 }]);
    vi.advanceTimersByTime(1_999);
    expect(rolled()).toBe(3);
    vi.advanceTimersByTime(1);
    expect([state(), rolled()]).toEqual([4, 4]);
  });

  it('folds only on reads when the background fold is off', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const storage = new SqliteStorage({ filename: ':memory:', backgroundFold: false });
    await storage.init();
    onTestFinished(() => storage.close());
    const key = { space: 'scouter', name: 'model', version: '0.1.0' };
    await storage.insertCustomRecords([{ ...key, createdAtMicros: 5_000_000, metric: 'mae', value: 2 }]);
    vi.advanceTimersByTime(10_000);
    const state = (): unknown =>
      storage.database.prepare('SELECT last_id FROM custom_drift_rollup_state').pluck().get();
    expect(state()).toBe(0);
    expect(await storage.customMetricMeans(key, ['mae'], 0)).toEqual({ mae: 2 });
    expect(state()).toBe(1);
  });

  it('rejects calls before init() and after close()', async () => {
    const storage = new SqliteStorage({ filename: join(dir, 'closed.db') });
    await expect(storage.countUsers()).rejects.toThrow(/call init\(\) first/);
    await storage.init();
    await storage.close();
    await expect(storage.insertCustomRecords([])).resolves.toEqual({ inserted: 0, duplicates: 0 });
    await expect(
      storage.insertCustomRecords([
        { createdAtMicros: 1, space: 's', name: 'n', version: '1', metric: 'm', value: 1 },
      ]),
    ).rejects.toThrow(/call init\(\) first/);
  });
});

describe('createStorage', () => {
  it('maps database URIs to the right storage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scouter-uri-'));
    try {
      expect(createStorage(':memory:')).toMatchObject({ kind: 'sqlite', filename: ':memory:' });
      expect(createStorage(`sqlite:${dir}/a.db`)).toMatchObject({ kind: 'sqlite', filename: `${dir}/a.db` });
      expect(createStorage(`sqlite://${dir}/b.db`)).toMatchObject({
        kind: 'sqlite',
        filename: `${dir}/b.db`,
      });
      expect(createStorage('./scouter.db')).toMatchObject({ kind: 'sqlite', filename: './scouter.db' });
      const pg = createStorage('postgresql://u:p@127.0.0.1:1/db');
      expect(pg.kind).toBe('postgres');
      await pg.close();
      const pg2 = createStorage('postgres://u:p@127.0.0.1:1/db');
      expect(pg2.kind).toBe('postgres');
      await pg2.close();
      expect(() => createStorage('')).toThrow(/DATABASE_URI/);
      expect(() => createStorage('mysql://x')).toThrow(/mysql/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
