/**
 * The one behaviour suite every `Storage` implementation must pass (run by `sqlite.test.ts` and `postgres.test.ts`).
 * `factory` returns a fresh, initialised, empty storage for each test.
 */
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { CustomDriftProfileJson } from '@scouter-ts/core';
import type {
  BinnedRow,
  CustomRecordRow,
  NewAlertRow,
  NewProfileRow,
  ProfileKey,
  Storage,
  StoredUser,
} from './types.js';

const T0 = 1_764_000_000_000_000; // 2025-11-24T16:00:00Z in µs
const MINUTE = 60_000_000;

/** A bare profile JSON as the reference §2.9 shows it (key order kept on purpose: storage must not reorder). */
export function sampleProfileJson(
  space = 'scouter',
  name = 'model',
  version = '0.1.0',
): CustomDriftProfileJson {
  return {
    config: {
      sample_size: 25,
      space,
      name,
      version,
      alert_config: {
        dispatch_config: { Console: { enabled: true } },
        schedule: '0 0 0 * * *',
        alert_conditions: { mae: { alert_threshold: 'Above', alert_threshold_value: 2.0 } },
      },
      drift_type: 'Custom',
    },
    metrics: { mae: 12.4 },
    scouter_version: '0.13.0',
  } as unknown as CustomDriftProfileJson;
}

export function sampleProfileRow(overrides: Partial<NewProfileRow> = {}): NewProfileRow {
  const space = overrides.space ?? 'scouter';
  const name = overrides.name ?? 'model';
  const version = overrides.version ?? '0.1.0';
  const [major, minor, patch] = version.split('.').map(Number);
  return {
    space,
    name,
    version,
    major: major ?? 0,
    minor: minor ?? 0,
    patch: patch ?? 0,
    preTag: null,
    buildTag: null,
    driftType: 'Custom',
    profile: sampleProfileJson(space, name, version),
    scouterVersion: '0.13.0',
    active: false,
    schedule: '0 0 0 * * *',
    nextRun: new Date('2025-11-25T00:00:00.000Z'),
    previousRun: new Date('2025-11-24T16:33:58.123Z'),
    ...overrides,
  };
}

const KEY: ProfileKey = { space: 'scouter', name: 'model', version: '0.1.0' };

function rec(createdAtMicros: number, metric: string, value: number, key: ProfileKey = KEY): CustomRecordRow {
  return { ...key, createdAtMicros, metric, value };
}

function alert(createdAtMicros: number, entityName: string, key: ProfileKey = KEY): NewAlertRow {
  return {
    ...key,
    entityName,
    driftType: 'Custom',
    createdAtMicros,
    alert: {
      alert_threshold: 'Above',
      alert_threshold_value: '2',
      entity_name: entityName,
      observed_metric_value: '15.5',
      training_metric_value: '13',
    },
  };
}

function sampleStddev(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

/** Small deterministic PRNG (mulberry32) so a failing random test can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The binned query computed naively: group the rows, two-pass mean and sample stddev, newest bin first. */
function bruteForceBins(rows: CustomRecordRow[], width: number): BinnedRow[] {
  const groups = new Map<string, { bin: number; metric: string; values: number[] }>();
  for (const r of rows) {
    const bin = Math.floor(r.createdAtMicros / width) * width;
    const k = `${bin}|${r.metric}`;
    const g = groups.get(k) ?? { bin, metric: r.metric, values: [] };
    g.values.push(r.value);
    groups.set(k, g);
  }
  return [...groups.values()]
    .map((g) => ({
      binStartMicros: g.bin,
      metric: g.metric,
      avg: g.values.reduce((a, b) => a + b, 0) / g.values.length,
      stddev: g.values.length > 1 ? sampleStddev(g.values) : null,
    }))
    .sort((a, b) => b.binStartMicros - a.binStartMicros || (a.metric < b.metric ? -1 : 1));
}

/** Same bins and metrics in the same order; avg and stddev equal up to floating-point summation order. */
function expectSameBins(got: BinnedRow[], want: BinnedRow[], label: string): void {
  expect(
    got.map((b) => [b.binStartMicros, b.metric, b.stddev === null]),
    label,
  ).toEqual(want.map((b) => [b.binStartMicros, b.metric, b.stddev === null]));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    expect(Math.abs(g.avg - w.avg), `${label} avg of ${w.binStartMicros} ${w.metric}`).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(w.avg)),
    );
    if (w.stddev !== null) {
      expect(Math.abs(g.stddev! - w.stddev), `${label} stddev of ${w.binStartMicros}`).toBeLessThanOrEqual(
        1e-6 * Math.max(1, w.stddev),
      );
    }
  }
}

/** Storage options the suite varies to reach every query plan. */
export interface StorageTuning {
  rollupMinRecordsPerBin?: number;
}

export function describeStorageSuite(
  name: string,
  factory: (tuning?: StorageTuning) => Promise<Storage>,
): void {
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage;

    beforeEach(async () => {
      storage = await factory();
    });
    afterEach(async () => {
      await storage.close();
    });

    describe('users', () => {
      const admin: StoredUser = {
        username: 'admin',
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$abc$def',
        email: 'admin',
        permissions: ['read:all', 'write:all'],
        groupPermissions: ['admin'],
        role: 'admin',
        active: true,
        refreshToken: null,
      };

      it('inserts, counts and reads users; sets and clears the refresh token', async () => {
        expect(await storage.countUsers()).toBe(0);
        await storage.insertUser(admin);
        await storage.insertUser({
          ...admin,
          username: 'guest',
          email: 'default',
          permissions: ['read:all', 'write:all', 'delete:all'],
          groupPermissions: ['user'],
          role: 'guest',
          active: false,
        });
        expect(await storage.countUsers()).toBe(2);
        expect(await storage.getUser('admin')).toEqual(admin);
        expect(await storage.getUser('guest')).toMatchObject({
          role: 'guest',
          active: false,
          email: 'default',
        });
        expect(await storage.getUser('nobody')).toBeNull();

        await storage.setRefreshToken('admin', 'tok-1');
        expect((await storage.getUser('admin'))?.refreshToken).toBe('tok-1');
        await storage.setRefreshToken('admin', null);
        expect((await storage.getUser('admin'))?.refreshToken).toBeNull();
      });

      it('rejects a second user with the same username', async () => {
        await storage.insertUser(admin);
        await expect(storage.insertUser({ ...admin, email: 'other' })).rejects.toThrow();
        expect(await storage.countUsers()).toBe(1);
      });
    });

    describe('profiles', () => {
      it('inserts a profile and returns the full row; the JSON comes back with the same keys in the same order', async () => {
        const input = sampleProfileRow({ active: true });
        const row = await storage.insertProfile(input);
        expect(row).toMatchObject({ ...input, status: 'pending', processingStartedAt: null });
        expect(row.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.createdAt).toBeInstanceOf(Date);
        expect(row.updatedAt).toBeInstanceOf(Date);
        expect(row.nextRun.toISOString()).toBe('2025-11-25T00:00:00.000Z');
        expect(row.previousRun.toISOString()).toBe('2025-11-24T16:33:58.123Z');

        const got = await storage.getProfile(KEY, 'Custom');
        expect(got).toEqual(row);
        expect(JSON.stringify(got?.profile)).toBe(JSON.stringify(sampleProfileJson()));
        expect(await storage.getProfile(KEY, 'Psi')).toBeNull();
        expect(await storage.getProfile({ ...KEY, version: '9.9.9' }, 'Custom')).toBeNull();
      });

      it('lists versions of (space, name) and profiles newest first, optionally one version', async () => {
        const a = await storage.insertProfile(sampleProfileRow({ version: '1.0.0' }));
        const b = await storage.insertProfile(sampleProfileRow({ version: '1.1.0' }));
        const c = await storage.insertProfile(sampleProfileRow({ version: '1.1.0', driftType: 'Psi' }));
        await storage.insertProfile(sampleProfileRow({ name: 'other', version: '5.0.0' }));

        const versions = await storage.listVersions('scouter', 'model');
        expect(versions.map((v) => `${v.major}.${v.minor}.${v.patch}`).sort()).toEqual([
          '1.0.0',
          '1.1.0',
          '1.1.0',
        ]);
        expect(await storage.listVersions('scouter', 'missing')).toEqual([]);

        const all = await storage.listProfiles('scouter', 'model');
        expect(all.map((r) => r.uid)).toEqual([c.uid, b.uid, a.uid]);
        const one = await storage.listProfiles('scouter', 'model', '1.1.0');
        expect(one.map((r) => r.uid)).toEqual([c.uid, b.uid]);
        expect(await storage.listProfiles('scouter', 'model', '7.0.0')).toEqual([]);
      });

      it('lists every profile by space and name, newest first', async () => {
        expect(await storage.listAllProfiles()).toEqual([]);
        const a = await storage.insertProfile(sampleProfileRow({ version: '1.0.0' }));
        const b = await storage.insertProfile(sampleProfileRow({ version: '1.1.0' }));
        const other = await storage.insertProfile(sampleProfileRow({ name: 'other', version: '5.0.0' }));
        const first = await storage.insertProfile(sampleProfileRow({ space: 'alpha', version: '2.0.0' }));
        const all = await storage.listAllProfiles();
        expect(all.map((r) => r.uid)).toEqual([first.uid, b.uid, a.uid, other.uid]);
        expect(all[1]).toEqual(b);
      });

      it('updates the profile JSON and drift type by (space, name, version)', async () => {
        await storage.insertProfile(sampleProfileRow());
        const updated = {
          ...sampleProfileJson(),
          metrics: { mae: 1.5, mape: 3 },
        } as unknown as CustomDriftProfileJson;
        expect(await storage.updateProfileJson(KEY, 'Custom', updated)).toBe(1);
        expect((await storage.getProfile(KEY, 'Custom'))?.profile).toEqual(updated);
        expect(await storage.updateProfileJson({ ...KEY, version: '2.0.0' }, 'Custom', updated)).toBe(0);
      });

      it('activates and deactivates, filtered by drift type when given', async () => {
        await storage.insertProfile(sampleProfileRow());
        expect(await storage.setProfileActive(KEY, true, 'Custom')).toBe(1);
        expect((await storage.getProfile(KEY, 'Custom'))?.active).toBe(true);
        expect(await storage.setProfileActive(KEY, false, 'Psi')).toBe(0);
        expect((await storage.getProfile(KEY, 'Custom'))?.active).toBe(true);
        expect(await storage.setProfileActive(KEY, false, null)).toBe(1);
        expect((await storage.getProfile(KEY, 'Custom'))?.active).toBe(false);
        expect(await storage.setProfileActive({ ...KEY, version: '3.0.0' }, true, null)).toBe(0);
      });

      it('deactivates the other versions of the same space and name only', async () => {
        await storage.insertProfile(sampleProfileRow({ version: '0.1.0', active: true }));
        await storage.insertProfile(sampleProfileRow({ version: '0.2.0', active: true }));
        await storage.insertProfile(sampleProfileRow({ version: '0.3.0', active: true, driftType: 'Psi' }));
        await storage.insertProfile(sampleProfileRow({ name: 'model2', version: '0.1.0', active: true }));
        await storage.insertProfile(sampleProfileRow({ space: 'other', version: '0.4.0', active: true }));

        const key = { ...KEY, version: '0.2.0' };
        expect(await storage.deactivateOtherVersions(key, 'Custom')).toBe(1);
        const active = async (k: ProfileKey, t = 'Custom') => (await storage.getProfile(k, t))?.active;
        expect(await active({ ...KEY, version: '0.1.0' })).toBe(false);
        expect(await active(key)).toBe(true);
        expect(await active({ ...KEY, version: '0.3.0' }, 'Psi')).toBe(true);
        expect(await active({ ...KEY, name: 'model2' })).toBe(true);
        expect(await active({ ...KEY, space: 'other', version: '0.4.0' })).toBe(true);

        expect(await storage.deactivateOtherVersions(key, null)).toBe(1);
        expect(await active({ ...KEY, version: '0.3.0' }, 'Psi')).toBe(false);
        expect(await active(key)).toBe(true);
      });
    });

    describe('records', () => {
      it('stores every record, including different metrics in the same microsecond, and counts exact repeats as duplicates', async () => {
        const batch = [
          rec(T0, 'mae', 1.5),
          rec(T0, 'mape', 2.5),
          rec(T0 + 1, 'mae', 1.5),
          rec(T0, 'mae', 1.75),
        ];
        expect(await storage.insertCustomRecords(batch)).toEqual({ inserted: 4, duplicates: 0 });
        expect(await storage.insertCustomRecords(batch)).toEqual({ inserted: 0, duplicates: 4 });
        expect(await storage.insertCustomRecords([rec(T0, 'mae', 1.5), rec(T0 + 2, 'mae', 1.5)])).toEqual({
          inserted: 1,
          duplicates: 1,
        });
        expect(await storage.insertCustomRecords([rec(T0 + 3, 'x', 1), rec(T0 + 3, 'x', 1)])).toEqual({
          inserted: 1,
          duplicates: 1,
        });
        expect(
          await storage.insertCustomRecords([rec(T0, 'mae', 1.5, { ...KEY, version: '0.2.0' })]),
        ).toEqual({
          inserted: 1,
          duplicates: 0,
        });
        expect(await storage.insertCustomRecords([])).toEqual({ inserted: 0, duplicates: 0 });

        const means = await storage.customMetricMeans(KEY, ['mae', 'mape', 'x'], T0 - 1);
        expect(means).toEqual({ mae: (1.5 + 1.5 + 1.75 + 1.5) / 4, mape: 2.5, x: 1 });
      });

      it('counts inserted and duplicate rows in large batches, including repeats inside one batch', async () => {
        const key = { space: 's', name: 'n', version: '1.0.0' };
        const rows = Array.from({ length: 200 }, (_, i) => rec(1000 + i, `m${i % 3}`, i, key));
        expect(await storage.insertCustomRecords(rows)).toEqual({ inserted: 200, duplicates: 0 });
        const mixed = [...rows.slice(0, 70), ...rows.slice(0, 5), rec(5000, 'm0', 1, key)];
        expect(await storage.insertCustomRecords(mixed)).toEqual({ inserted: 1, duplicates: 75 });
        const same = Array.from({ length: 130 }, (_, i) => rec(9000, 'm', i % 65, key));
        expect(await storage.insertCustomRecords(same)).toEqual({ inserted: 65, duplicates: 65 });
        expect(await storage.customMetricMeans(key, ['m'], 0)).toEqual({ m: 32 });
      });

      it('keeps microsecond timestamps exactly', async () => {
        const t = 1_764_002_038_123_457; // 2025-11-24T16:33:58.123457Z
        await storage.insertCustomRecords([rec(t, 'mae', 3)]);
        expect(await storage.customMetricMeans(KEY, ['mae'], t - 1)).toEqual({ mae: 3 });
        expect(await storage.customMetricMeans(KEY, ['mae'], t)).toEqual({});
        expect(await storage.customMetricMeans(KEY, ['mae'], t - 2, t - 1)).toEqual({});
        expect(await storage.customMetricMeans(KEY, ['mae'], t - 2, t)).toEqual({ mae: 3 });
        const bins = await storage.binnedCustomMetrics({ ...KEY, sinceMicros: t - 1, binWidthMicros: 1 });
        expect(bins).toEqual([{ binStartMicros: t, metric: 'mae', avg: 3, stddev: null }]);
      });

      it('computes means per metric with (after, until] bounds, only for the asked metrics and this profile', async () => {
        await storage.insertCustomRecords([
          rec(T0, 'mae', 100),
          rec(T0 + 10, 'mae', 2),
          rec(T0 + 20, 'mae', 4),
          rec(T0 + 30, 'mae', 1000),
          rec(T0 + 10, 'mape', 7),
          rec(T0 + 15, 'other', 9),
          rec(T0 + 15, 'mae', 50, { ...KEY, name: 'model2' }),
        ]);
        expect(await storage.customMetricMeans(KEY, ['mae', 'mape', 'missing'], T0, T0 + 20)).toEqual({
          mae: 3,
          mape: 7,
        });
        expect(await storage.customMetricMeans(KEY, ['mae'], T0)).toEqual({ mae: (2 + 4 + 1000) / 3 });
        expect(await storage.customMetricMeans(KEY, [], T0)).toEqual({});
      });

      it('bins from the epoch per metric with avg and sample stddev, newest bin first', async () => {
        const width = 5 * MINUTE;
        const bin0 = Math.floor(T0 / width) * width;
        const maeOld = [1, 2, 4];
        const maeNew = [10, 12];
        await storage.insertCustomRecords([
          rec(bin0 + 1, 'mae', maeOld[0]!),
          rec(bin0 + MINUTE, 'mae', maeOld[1]!),
          rec(bin0 + width - 1, 'mae', maeOld[2]!),
          rec(bin0 + width, 'mae', maeNew[0]!),
          rec(bin0 + width + 2 * MINUTE, 'mae', maeNew[1]!),
          rec(bin0 + width + 3, 'mape', 0.5),
          rec(bin0 + 3 * width, 'mape', 0.25),
          rec(bin0 + 3 * width + 1, 'mape', 0.25),
          rec(bin0 + MINUTE, 'mae', 99, { ...KEY, version: '0.2.0' }),
        ]);
        const bins = await storage.binnedCustomMetrics({ ...KEY, sinceMicros: bin0, binWidthMicros: width });
        expect(bins).toHaveLength(4);
        expect(bins[0]).toEqual({ binStartMicros: bin0 + 3 * width, metric: 'mape', avg: 0.25, stddev: 0 });
        expect(bins[1]).toMatchObject({ binStartMicros: bin0 + width, metric: 'mae', avg: 11 });
        expect(bins[1]!.stddev).toBeCloseTo(sampleStddev(maeNew), 12);
        expect(bins[2]).toEqual({ binStartMicros: bin0 + width, metric: 'mape', avg: 0.5, stddev: null });
        expect(bins[3]).toMatchObject({ binStartMicros: bin0, metric: 'mae' });
        expect(bins[3]!.avg).toBeCloseTo(7 / 3, 12);
        expect(bins[3]!.stddev).toBeCloseTo(sampleStddev(maeOld), 12);

        const bounded = await storage.binnedCustomMetrics({
          ...KEY,
          sinceMicros: bin0 + MINUTE,
          untilMicros: bin0 + width,
          binWidthMicros: width,
        });
        expect(bounded).toEqual([
          { binStartMicros: bin0 + width, metric: 'mae', avg: 10, stddev: null },
          { binStartMicros: bin0, metric: 'mae', avg: 4, stddev: null },
        ]);

        await storage.insertCustomRecords([rec(bin0 + 5, '', 3, { ...KEY, name: 'blank' })]);
        expect(
          await storage.binnedCustomMetrics({
            ...KEY,
            name: 'blank',
            sinceMicros: bin0,
            binWidthMicros: width,
          }),
        ).toEqual([{ binStartMicros: bin0, metric: '', avg: 3, stddev: null }]);

        expect(
          await storage.binnedCustomMetrics({ ...KEY, sinceMicros: bin0 + 4 * width, binWidthMicros: width }),
        ).toEqual([]);
        expect(
          await storage.binnedCustomMetrics({
            ...KEY,
            name: 'nobody',
            sinceMicros: 0,
            binWidthMicros: width,
          }),
        ).toEqual([]);
      });

      it('gives the same bins whatever the number of bins (wide windows, tiny widths)', async () => {
        const rows: CustomRecordRow[] = [];
        for (let i = 0; i < 200; i++) rows.push(rec(T0 + i * 1_000_003, i % 2 ? 'a' : 'b', (i * 7) % 13));
        await storage.insertCustomRecords(rows);
        const fine = await storage.binnedCustomMetrics({ ...KEY, sinceMicros: 0, binWidthMicros: 10 });
        expect(fine).toHaveLength(200);
        expect(fine[0]).toEqual({
          binStartMicros: Math.floor((T0 + 199 * 1_000_003) / 10) * 10,
          metric: 'a',
          avg: (199 * 7) % 13,
          stddev: null,
        });
        const coarse = await storage.binnedCustomMetrics({
          ...KEY,
          sinceMicros: 0,
          binWidthMicros: 3_600_000_000,
        });
        expect(coarse.map((b) => b.metric).sort()).toEqual(['a', 'b']);
        const bValues = rows.filter((r) => r.metric === 'b').map((r) => r.value);
        const bBin = coarse.find((b) => b.metric === 'b')!;
        expect(bBin.avg).toBeCloseTo(bValues.reduce((x, y) => x + y, 0) / bValues.length, 10);
        expect(bBin.stddev).toBeCloseTo(sampleStddev(bValues), 10);
      });

      it('deletes records older than the cutoff (retention) and keeps the rest', async () => {
        await storage.insertCustomRecords([
          rec(T0 - 2 * MINUTE, 'mae', 1),
          rec(T0 - 1, 'mape', 1),
          rec(T0, 'mae', 5),
          rec(T0 + MINUTE, 'mae', 7, { ...KEY, space: 'other' }),
        ]);
        expect(await storage.deleteRecordsBefore(T0)).toBe(2);
        expect(await storage.deleteRecordsBefore(T0)).toBe(0);
        expect(await storage.customMetricMeans(KEY, ['mae', 'mape'], 0)).toEqual({ mae: 5 });
        expect(await storage.customMetricMeans({ ...KEY, space: 'other' }, ['mae'], 0)).toEqual({ mae: 7 });
        expect(await storage.insertCustomRecords([rec(T0 - 1, 'mape', 1)])).toEqual({
          inserted: 1,
          duplicates: 0,
        });
      });

      it('answers binned queries and means from the rollup exactly as a brute-force pass over the records', async () => {
        const random = seeded(7);
        const epoch = Math.floor(T0 / 1_296_000_000) * 1_296_000_000;
        const span = 5_400_000_000;
        const widths = [86_400_000, 432_000_000, 7_000_000, 1_000_000, 500_000, 3_600_000_000];
        const pickTime = (): number => {
          const t = epoch + Math.floor(random() * span);
          const r = random();
          if (r < 0.2) return t;
          // Cluster around second, bin and window edges: the places where the rollup hands over to the records.
          const edge = r < 0.5 ? 1_000_000 : widths[Math.floor(random() * widths.length)]!;
          return t - (((t % edge) + edge) % edge) + Math.floor(random() * 5) - 2;
        };
        const other = { ...KEY, version: '9.9.9' };
        const stored = new Map<string, CustomRecordRow>();
        const keyOf = (r: CustomRecordRow): string =>
          JSON.stringify([r.space, r.name, r.version, r.createdAtMicros, r.metric, r.value]);
        // The default plan choice, the rollup forced for every bin, and the records read directly.
        const stores = [
          storage,
          await factory({ rollupMinRecordsPerBin: 0 }),
          await factory({ rollupMinRecordsPerBin: Number.POSITIVE_INFINITY }),
        ];
        onTestFinished(async () => {
          await stores[1]!.close();
          await stores[2]!.close();
        });
        const insertChecked = async (batch: CustomRecordRow[]): Promise<void> => {
          const before = stored.size;
          for (const r of batch) stored.set(keyOf(r), r);
          const inserted = stored.size - before;
          for (const store of stores) {
            expect(await store.insertCustomRecords(batch)).toEqual({
              inserted,
              duplicates: batch.length - inserted,
            });
          }
        };
        const all: CustomRecordRow[] = [];
        for (let b = 0; b < 6; b++) {
          const batch: CustomRecordRow[] = [];
          for (let i = 0; i < 400; i++) {
            const r = rec(pickTime(), random() < 0.5 ? 'mae' : 'mape', Math.round(random() * 1e6) / 1e3);
            batch.push(random() < 0.1 ? { ...r, ...other } : r);
          }
          // Repeats inside the batch and of earlier batches (client retries) must not be counted twice; every other
          // batch has none (a storage may take a faster path then).
          for (let i = 0; i < 40 && b % 2 === 1; i++) batch.push(batch[Math.floor(random() * batch.length)]!);
          for (let i = 0; i < 40 && b % 2 === 1; i++) batch.push(all[Math.floor(random() * all.length)]!);
          all.push(...batch);
          await insertChecked(batch);
        }

        const times = [...stored.values()].map((r) => r.createdAtMicros);
        const pickEdge = (): number => {
          const r = random();
          if (r < 0.4) return times[Math.floor(random() * times.length)]! + Math.floor(random() * 3) - 1;
          if (r < 0.6) return epoch + Math.floor((random() * span) / 1_000_000) * 1_000_000;
          return epoch + Math.floor(random() * span);
        };
        const check = async (): Promise<void> => {
          const rows = [...stored.values()].filter(
            (r) => r.space === KEY.space && r.name === KEY.name && r.version === KEY.version,
          );
          const windows: Array<[number, number | undefined]> = [
            [0, undefined],
            [epoch - 1, undefined],
          ];
          for (let i = 0; i < 2; i++) {
            const a = pickEdge();
            const b = pickEdge();
            windows.push([Math.min(a, b), Math.max(a, b)], [a, undefined]);
          }
          for (const [since, until] of windows) {
            const inWindow = rows.filter(
              (r) => r.createdAtMicros > since && (until === undefined || r.createdAtMicros <= until),
            );
            for (const [index, store] of stores.entries()) {
              for (const width of widths) {
                const got = await store.binnedCustomMetrics({
                  ...KEY,
                  sinceMicros: since,
                  untilMicros: until,
                  binWidthMicros: width,
                });
                expectSameBins(
                  got,
                  bruteForceBins(inWindow, width),
                  `store ${index}, width ${width}, (${since}, ${until}]`,
                );
              }
              const means = await store.customMetricMeans(KEY, ['mae', 'mape', 'none'], since, until);
              const expected = bruteForceBins(inWindow, Number.MAX_SAFE_INTEGER);
              expect(Object.keys(means).sort()).toEqual(expected.map((b) => b.metric).sort());
              for (const b of expected) expect(means[b.metric]).toBeCloseTo(b.avg, 9);
            }
          }
        };
        await check();

        for (const cutoff of [epoch + 1_000_000_000 + 123_457, epoch + 1_296_000_000]) {
          const gone = [...stored.entries()].filter(([, r]) => r.createdAtMicros < cutoff);
          for (const store of stores) expect(await store.deleteRecordsBefore(cutoff)).toBe(gone.length);
          for (const [k] of gone) stored.delete(k);
          await check();
          // Records arriving late for the retained part of the cut bucket, and again for the deleted part.
          await insertChecked([
            rec(cutoff, 'mae', 1.5),
            rec(cutoff + 1, 'mape', 2.5),
            rec(cutoff - 1, 'mae', 3.5),
            ...gone.slice(0, 20).map(([, r]) => r),
          ]);
          await check();
        }
      }, 60_000);
    });

    describe('drift jobs', () => {
      const now = new Date('2025-11-25T00:00:05.000Z');
      const stale = new Date('2025-11-24T23:50:05.000Z');

      it('claims the due active pending job with the oldest next_run, once', async () => {
        await storage.insertProfile(
          sampleProfileRow({ version: '0.1.0', active: false, nextRun: new Date(0) }),
        );
        const later = await storage.insertProfile(
          sampleProfileRow({ version: '0.2.0', active: true, nextRun: new Date('2025-11-25T00:00:01Z') }),
        );
        const first = await storage.insertProfile(
          sampleProfileRow({ version: '0.3.0', active: true, nextRun: new Date('2025-11-24T00:00:00Z') }),
        );
        await storage.insertProfile(
          sampleProfileRow({ version: '0.4.0', active: true, nextRun: new Date('2025-11-25T00:00:06Z') }),
        );
        const atNow = await storage.insertProfile(
          sampleProfileRow({ version: '0.5.0', active: true, nextRun: now }),
        );

        const c1 = await storage.claimDueJob(now, stale);
        expect(c1).toMatchObject({ uid: first.uid, status: 'processing' });
        expect(c1?.processingStartedAt?.getTime()).toBe(now.getTime());
        expect((await storage.getProfile({ ...KEY, version: '0.3.0' }, 'Custom'))?.status).toBe('processing');
        const c2 = await storage.claimDueJob(now, stale);
        expect(c2?.uid).toBe(later.uid);
        const c3 = await storage.claimDueJob(now, stale);
        expect(c3?.uid).toBe(atNow.uid);
        expect(await storage.claimDueJob(now, stale)).toBeNull();
      });

      it('completes a job (run dates move, back to pending) and releases a job (dates kept)', async () => {
        const row = await storage.insertProfile(
          sampleProfileRow({ active: true, nextRun: new Date('2025-11-25T00:00:00Z') }),
        );
        expect((await storage.claimDueJob(now, stale))?.uid).toBe(row.uid);
        await storage.releaseJob(row.uid);
        let got = await storage.getProfile(KEY, 'Custom');
        expect(got).toMatchObject({
          status: 'pending',
          processingStartedAt: null,
          nextRun: row.nextRun,
          previousRun: row.previousRun,
        });

        expect((await storage.claimDueJob(now, stale))?.uid).toBe(row.uid);
        const next = new Date('2025-11-26T00:00:00Z');
        await storage.completeJob(row.uid, row.nextRun, next);
        got = await storage.getProfile(KEY, 'Custom');
        expect(got).toMatchObject({
          status: 'pending',
          processingStartedAt: null,
          previousRun: row.nextRun,
          nextRun: next,
        });
        expect(await storage.claimDueJob(now, stale)).toBeNull();
        expect((await storage.claimDueJob(next, stale))?.uid).toBe(row.uid);
      });

      it('reclaims a job stuck in processing since before staleBefore', async () => {
        const row = await storage.insertProfile(
          sampleProfileRow({ active: true, nextRun: new Date('2025-11-24T00:00:00Z') }),
        );
        const t1 = new Date('2025-11-24T23:40:00Z');
        expect((await storage.claimDueJob(t1, new Date(t1.getTime() - 600_000)))?.uid).toBe(row.uid);
        expect(
          await storage.claimDueJob(new Date('2025-11-24T23:45:00Z'), new Date('2025-11-24T23:35:00Z')),
        ).toBeNull();
        const again = await storage.claimDueJob(now, stale);
        expect(again).toMatchObject({ uid: row.uid, status: 'processing' });
        expect(again?.processingStartedAt?.getTime()).toBe(now.getTime());
      });
    });

    describe('alerts', () => {
      it('inserts alerts and returns the stored rows with ids, active, not dispatched', async () => {
        const rows = await storage.insertAlerts([alert(T0, 'mae'), alert(T0, 'mape')]);
        expect(rows).toHaveLength(2);
        expect(rows[0]).toEqual({
          ...alert(T0, 'mae'),
          id: rows[0]!.id,
          active: true,
          updatedAt: null,
          dispatched: false,
          dispatchAttempts: 0,
        });
        expect(rows[1]!.entityName).toBe('mape');
        expect(rows[1]!.id).toBeGreaterThan(rows[0]!.id);
        expect(JSON.stringify(rows[0]!.alert)).toBe(JSON.stringify(alert(T0, 'mae').alert));
        expect(await storage.insertAlerts([])).toEqual([]);
      });

      it('filters by profile, time and active, orders newest first, limits', async () => {
        const [a1] = await storage.insertAlerts([alert(T0, 'mae')]);
        const [a2, a3] = await storage.insertAlerts([alert(T0 + 10, 'mae'), alert(T0 + 20, 'mape')]);
        await storage.insertAlerts([alert(T0 + 30, 'mae', { ...KEY, version: '0.2.0' })]);
        const ids = async (q: Partial<Parameters<Storage['getAlerts']>[0]>) =>
          (await storage.getAlerts({ ...KEY, ...q })).map((r) => r.id);
        expect(await ids({})).toEqual([a3!.id, a2!.id, a1!.id]);
        expect(await ids({ limit: 2 })).toEqual([a3!.id, a2!.id]);
        expect(await ids({ limitDatetimeMicros: T0 + 10 })).toEqual([a3!.id, a2!.id]);
        expect((await storage.getAlerts({ ...KEY, limit: 1 }))[0]?.createdAtMicros).toBe(T0 + 20);

        const updated = await storage.updateAlertActive(a2!.id, false);
        expect(updated).toMatchObject({ id: a2!.id, active: false });
        expect(updated?.updatedAt).toBeInstanceOf(Date);
        expect(await ids({ activeOnly: true })).toEqual([a3!.id, a1!.id]);
        expect(await ids({ activeOnly: false })).toEqual([a3!.id, a2!.id, a1!.id]);
        expect(await storage.updateAlertActive(999_999, true)).toBeNull();
        expect((await storage.updateAlertActive(a2!.id, true))?.active).toBe(true);
      });

      it('lists undispatched alerts since a time, oldest first, and records dispatch attempts', async () => {
        const [a, b, c] = await storage.insertAlerts([
          alert(T0 + 2, 'a'),
          alert(T0, 'b'),
          alert(T0 + 1, 'c'),
        ]);
        expect((await storage.undispatchedAlerts(10, T0)).map((r) => r.id)).toEqual([b!.id, c!.id, a!.id]);
        expect((await storage.undispatchedAlerts(1, T0)).map((r) => r.id)).toEqual([b!.id]);
        expect((await storage.undispatchedAlerts(10, T0 + 1)).map((r) => r.id)).toEqual([c!.id, a!.id]);
        expect(await storage.undispatchedAlerts(10, T0 + 3)).toEqual([]);

        await storage.markAlertDispatch(b!.id, true);
        await storage.markAlertDispatch(c!.id, false);
        await storage.markAlertDispatch(c!.id, false);
        const pending = await storage.undispatchedAlerts(10, T0);
        expect(pending.map((r) => [r.id, r.dispatchAttempts])).toEqual([
          [c!.id, 2],
          [a!.id, 0],
        ]);
        const [stored] = (await storage.getAlerts({ ...KEY })).filter((r) => r.id === b!.id);
        expect(stored).toMatchObject({ dispatched: true, dispatchAttempts: 1 });
      });
    });
  });
}
