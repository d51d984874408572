import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { SqliteStorage } from './sqlite.js';
import { describeStorageSuite, sampleProfileRow } from './storage-suite.js';

describeStorageSuite('SqliteStorage(:memory:)', async () => {
  const storage = new SqliteStorage({ filename: ':memory:' });
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
