import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { SqliteStorage } from './sqlite.js';
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

  it('builds the record rollup from the stored records when opening a database written before it existed', async () => {
    const filename = join(dir, 'before-rollup.db');
    const key = { space: 'scouter', name: 'model', version: '0.1.0' };
    const storage = new SqliteStorage({ filename });
    await storage.init();
    const rows = Array.from({ length: 300 }, (_, i) => ({
      ...key,
      createdAtMicros: 1_764_000_000_000_000 + i * 2_345_678,
      metric: i % 3 ? 'mae' : 'mape',
      value: (i % 17) / 2,
    }));
    await storage.insertCustomRecords(rows);
    const query = { ...key, sinceMicros: 0, binWidthMicros: 86_400_000 };
    const expected = await storage.binnedCustomMetrics(query);
    expect(expected.length).toBeGreaterThan(5);
    storage.database.exec('DROP TABLE custom_drift_rollup');
    storage.database.pragma('user_version = 1');
    await storage.close();

    const reopened = new SqliteStorage({ filename });
    await reopened.init();
    expect(reopened.database.pragma('user_version', { simple: true })).toBe(2);
    expect(await reopened.binnedCustomMetrics(query)).toEqual(expected);
    expect(await reopened.customMetricMeans(key, ['mae', 'mape'], 0)).toEqual(
      await reopened.customMetricMeans(key, ['mae', 'mape'], -1),
    );
    await reopened.close();
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
