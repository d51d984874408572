import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { CustomDriftProfileJson } from '@scouter-ts/core';
import {
  addSums,
  binWidthToMicros,
  floorTo,
  MAX_ROLLUP_BINS,
  MIN_RECORDS_PER_BIN,
  MIN_ROLLUP_BIN,
  planRollup,
  planWindow,
  ROLLUP_LEVELS,
  toBinnedRows,
  type RollupSegment,
  type Sums,
} from './bins.js';
import { MIGRATIONS } from './postgres-migrations.js';
import type {
  AlertQuery,
  AlertRow,
  BinnedQuery,
  BinnedRow,
  CustomRecordRow,
  InsertRecordsResult,
  JobStatus,
  NewAlertRow,
  NewProfileRow,
  ProfileKey,
  ProfileRow,
  Storage,
  StoredUser,
} from './types.js';

/** Options of `PostgresStorage`. */
export interface PostgresStorageOptions {
  /** A `postgresql://user:password@host:port/database` URI. */
  connectionString: string;
  /** Connections in the pool. Default: 10. */
  poolSize?: number;
  /** Tuning: binned queries read records directly below this many records per bin. Default: 20. */
  rollupMinRecordsPerBin?: number;
}

/** Rows per INSERT statement; a larger batch is split and written in one transaction. */
const INSERT_CHUNK = 5_000;
/** Key of the advisory lock that serialises migrations when several servers start at once. */
const MIGRATION_LOCK = 0x5c0_7e12;

/** `timestamptz` from integer epoch microseconds, exact below 2^53 µs. */
const FROM_MICROS = (param: string): string =>
  `('1970-01-01T00:00:00Z'::timestamptz + (${param})::int8 * interval '1 microsecond')`;
/** Integer epoch microseconds of a `timestamptz` (extract returns numeric, so this is exact). */
const TO_MICROS = (column: string): string => `(extract(epoch FROM ${column}) * 1000000)::int8`;

const PROFILE_COLUMNS = `uid, space, name, version, major, minor, patch, pre_tag, build_tag, drift_type, profile,
  scouter_version, active, schedule, next_run, previous_run, status, processing_started_at, created_at, updated_at`;
const ALERT_COLUMNS = `id, ${TO_MICROS('created_at')} AS created_at_us, space, name, version, entity_name, alert,
  drift_type, active, updated_at, dispatched, dispatch_attempts`;

interface UserRecord {
  username: string;
  password_hash: string;
  email: string;
  permissions: string[];
  group_permissions: string[];
  role: string;
  active: boolean;
  refresh_token: string | null;
}

interface ProfileRecord {
  uid: string;
  space: string;
  name: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  pre_tag: string | null;
  build_tag: string | null;
  drift_type: string;
  profile: CustomDriftProfileJson;
  scouter_version: string;
  active: boolean;
  schedule: string;
  next_run: Date;
  previous_run: Date;
  status: string;
  processing_started_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface AlertRecord {
  id: string;
  created_at_us: string;
  space: string;
  name: string;
  version: string;
  entity_name: string;
  alert: Record<string, string>;
  drift_type: string;
  active: boolean;
  updated_at: Date | null;
  dispatched: boolean;
  dispatch_attempts: number;
}

function toProfile(r: ProfileRecord): ProfileRow {
  return {
    uid: r.uid,
    space: r.space,
    name: r.name,
    version: r.version,
    major: r.major,
    minor: r.minor,
    patch: r.patch,
    preTag: r.pre_tag,
    buildTag: r.build_tag,
    driftType: r.drift_type,
    profile: r.profile,
    scouterVersion: r.scouter_version,
    active: r.active,
    schedule: r.schedule,
    nextRun: r.next_run,
    previousRun: r.previous_run,
    status: r.status as JobStatus,
    processingStartedAt: r.processing_started_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toAlert(r: AlertRecord): AlertRow {
  return {
    id: Number(r.id),
    createdAtMicros: Number(r.created_at_us),
    space: r.space,
    name: r.name,
    version: r.version,
    entityName: r.entity_name,
    alert: r.alert,
    driftType: r.drift_type,
    active: r.active,
    updatedAt: r.updated_at,
    dispatched: r.dispatched,
    dispatchAttempts: r.dispatch_attempts,
  };
}

/**
 * PostgreSQL storage on a `pg` Pool. `init()` creates the schema `scouter` and applies the versioned migrations
 * (under an advisory lock, so several servers may start together). Records are written with one
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` per chunk; due jobs are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several server instances never run the same job.
 */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private ended = false;
  private readonly minRecordsPerBin: number;

  /** Creates the pool; no connection is made before the first query. */
  constructor(options: PostgresStorageOptions) {
    // JIT off: the rollup queries are thousands of tiny index lookups whose row estimates are far too high, and
    // compiling them took longer (~150 ms) than running them.
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: '-c jit=off',
    });
    this.minRecordsPerBin = options.rollupMinRecordsPerBin ?? MIN_RECORDS_PER_BIN;
    // An idle client that loses its connection emits here; the next query on the pool reports the problem.
    this.pool.on('error', () => undefined);
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE SCHEMA IF NOT EXISTS scouter');
      await client.query(
        `CREATE TABLE IF NOT EXISTS scouter.schema_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = new Set(
        (await client.query<{ version: number }>('SELECT version FROM scouter.schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      const known = new Set(MIGRATIONS.map((m) => m.version));
      const unknown = [...applied].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new Error(
          `database schema scouter has migrations ${unknown.join(', ')} unknown to this server: upgrade scouter-ts`,
        );
      }
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query(m.sql);
        await client.query('INSERT INTO scouter.schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM scouter."user"');
    return rows[0]?.n ?? 0;
  }

  async insertUser(user: StoredUser): Promise<void> {
    await this.pool.query(
      `INSERT INTO scouter."user" (active, username, password_hash, permissions, group_permissions, role,
         refresh_token, email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        user.active,
        user.username,
        user.passwordHash,
        JSON.stringify(user.permissions),
        JSON.stringify(user.groupPermissions),
        user.role,
        user.refreshToken,
        user.email,
      ],
    );
  }

  async getUser(username: string): Promise<StoredUser | null> {
    const { rows } = await this.pool.query<UserRecord>('SELECT * FROM scouter."user" WHERE username = $1', [
      username,
    ]);
    const r = rows[0];
    if (!r) return null;
    return {
      username: r.username,
      passwordHash: r.password_hash,
      email: r.email,
      permissions: r.permissions,
      groupPermissions: r.group_permissions,
      role: r.role,
      active: r.active,
      refreshToken: r.refresh_token,
    };
  }

  async setRefreshToken(username: string, token: string | null): Promise<void> {
    await this.pool.query(
      'UPDATE scouter."user" SET refresh_token = $1, updated_at = now() WHERE username = $2',
      [token, username],
    );
  }

  async insertProfile(row: NewProfileRow): Promise<ProfileRow> {
    const { rows } = await this.pool.query<ProfileRecord>(
      `INSERT INTO scouter.drift_profile (uid, space, name, version, major, minor, patch, pre_tag, build_tag,
         drift_type, profile, scouter_version, active, schedule, next_run, previous_run, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'pending')
       RETURNING ${PROFILE_COLUMNS}`,
      [
        randomUUID(),
        row.space,
        row.name,
        row.version,
        row.major,
        row.minor,
        row.patch,
        row.preTag,
        row.buildTag,
        row.driftType,
        JSON.stringify(row.profile),
        row.scouterVersion,
        row.active,
        row.schedule,
        row.nextRun,
        row.previousRun,
      ],
    );
    return toProfile(rows[0]!);
  }

  async listVersions(
    space: string,
    name: string,
  ): Promise<Array<Pick<ProfileRow, 'major' | 'minor' | 'patch'>>> {
    const { rows } = await this.pool.query<Pick<ProfileRow, 'major' | 'minor' | 'patch'>>(
      'SELECT major, minor, patch FROM scouter.drift_profile WHERE space = $1 AND name = $2',
      [space, name],
    );
    return rows;
  }

  async getProfile(key: ProfileKey, driftType: string): Promise<ProfileRow | null> {
    const { rows } = await this.pool.query<ProfileRecord>(
      `SELECT ${PROFILE_COLUMNS} FROM scouter.drift_profile
       WHERE space = $1 AND name = $2 AND version = $3 AND drift_type = $4
       ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [key.space, key.name, key.version, driftType],
    );
    return rows[0] ? toProfile(rows[0]) : null;
  }

  async listProfiles(space: string, name: string, version?: string): Promise<ProfileRow[]> {
    const { rows } = await this.pool.query<ProfileRecord>(
      `SELECT ${PROFILE_COLUMNS} FROM scouter.drift_profile
       WHERE space = $1 AND name = $2 AND ($3::text IS NULL OR version = $3)
       ORDER BY created_at DESC, seq DESC`,
      [space, name, version ?? null],
    );
    return rows.map(toProfile);
  }

  async updateProfileJson(
    key: ProfileKey,
    driftType: string,
    profile: CustomDriftProfileJson,
  ): Promise<number> {
    const res = await this.pool.query(
      `UPDATE scouter.drift_profile SET profile = $1, drift_type = $2, updated_at = now()
       WHERE space = $3 AND name = $4 AND version = $5`,
      [JSON.stringify(profile), driftType, key.space, key.name, key.version],
    );
    return res.rowCount ?? 0;
  }

  async setProfileActive(key: ProfileKey, active: boolean, driftType: string | null): Promise<number> {
    const res = await this.pool.query(
      `UPDATE scouter.drift_profile SET active = $1, updated_at = now()
       WHERE space = $2 AND name = $3 AND version = $4 AND ($5::text IS NULL OR drift_type = $5)`,
      [active, key.space, key.name, key.version, driftType],
    );
    return res.rowCount ?? 0;
  }

  async deactivateOtherVersions(key: ProfileKey, driftType: string | null): Promise<number> {
    const res = await this.pool.query(
      `UPDATE scouter.drift_profile SET active = false, updated_at = now()
       WHERE space = $1 AND name = $2 AND version <> $3 AND active AND ($4::text IS NULL OR drift_type = $4)`,
      [key.space, key.name, key.version, driftType],
    );
    return res.rowCount ?? 0;
  }

  async insertCustomRecords(rows: CustomRecordRow[]): Promise<InsertRecordsResult> {
    if (rows.length === 0) return { inserted: 0, duplicates: 0 };
    if (rows.length <= INSERT_CHUNK) {
      const inserted = await this.insertRecordChunk(this.pool, rows);
      return { inserted, duplicates: rows.length - inserted };
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      let inserted = 0;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        inserted += await this.insertRecordChunk(client, rows.slice(i, i + INSERT_CHUNK));
      }
      await client.query('COMMIT');
      return { inserted, duplicates: rows.length - inserted };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async insertRecordChunk(db: pg.Pool | pg.PoolClient, rows: CustomRecordRow[]): Promise<number> {
    const n = rows.length;
    const space = new Array<string>(n);
    const name = new Array<string>(n);
    const version = new Array<string>(n);
    const metric = new Array<string>(n);
    const createdAt = new Array<number>(n);
    const value = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      space[i] = r.space;
      name[i] = r.name;
      version[i] = r.version;
      metric[i] = r.metric;
      createdAt[i] = r.createdAtMicros;
      value[i] = r.value;
    }
    // The rollup counts exactly the rows RETURNING reports as inserted (repeats skipped by ON CONFLICT are not), in
    // the same statement; buckets are upserted in key order so concurrent batches lock them in the same order.
    const res = await db.query<{ inserted: number }>({
      name: 'scouter-insert-custom-records',
      text: `WITH ins AS (
               INSERT INTO scouter.custom_drift (space, name, version, metric, created_at, value)
               SELECT s, n, v, m, ${FROM_MICROS('t')}, x
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::float8[]) AS u(s, n, v, m, t, x)
               ON CONFLICT DO NOTHING
               RETURNING space, name, version, metric, created_at, value
             ), sec AS (
               SELECT space, name, version, metric,
                 (extract(epoch FROM date_trunc('second', created_at AT TIME ZONE 'UTC')) * 1000000)::int8 AS t,
                 count(*) AS n, sum(value) AS s, sum(value * value) AS ss
               FROM ins GROUP BY space, name, version, metric, date_trunc('second', created_at AT TIME ZONE 'UTC')
             ), rollup AS (
               INSERT INTO scouter.custom_drift_rollup AS r (space, name, version, level, bucket, metric, n, s, ss)
               SELECT space, name, version, l, t - ((t % l) + l) % l AS bucket, metric, sum(n), sum(s), sum(ss)
               FROM sec CROSS JOIN unnest($7::int8[]) AS lv(l)
               GROUP BY space, name, version, l, bucket, metric
               ORDER BY space, name, version, l, bucket, metric
               ON CONFLICT (space, name, version, level, bucket, metric)
               DO UPDATE SET n = r.n + excluded.n, s = r.s + excluded.s, ss = r.ss + excluded.ss
             )
             SELECT count(*)::int AS inserted FROM ins`,
      values: [space, name, version, metric, createdAt, value, ROLLUP_LEVELS],
    });
    return res.rows[0]?.inserted ?? 0;
  }

  async binnedCustomMetrics(query: BinnedQuery): Promise<BinnedRow[]> {
    const width = binWidthToMicros(query.binWidthMicros);
    if (width >= MIN_ROLLUP_BIN) {
      const range = await this.rollupRange(query, query.sinceMicros, query.untilMicros);
      if (!range) return [];
      const bins = (floorTo(range.to - 1, width) - floorTo(range.from, width)) / width + 1;
      if (bins <= MAX_ROLLUP_BINS && range.records >= bins * this.minRecordsPerBin) {
        return toBinnedRows(await this.sumSegments(query, planRollup(range.from, range.to, width)));
      }
    }
    return this.binnedFromRecords(query, width);
  }

  /**
   * The half-open window `[from, to)` of `(after, until]` narrowed to the seconds holding records of the profile,
   * or null when it holds none.
   */
  private async rollupRange(
    key: ProfileKey,
    after: number,
    until?: number,
  ): Promise<{ from: number; to: number; records: number } | null> {
    const finest = ROLLUP_LEVELS[0]!;
    const top = ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]!;
    const from = after + 1;
    const to = until === undefined ? Number.MAX_SAFE_INTEGER : until + 1;
    const where = `FROM scouter.custom_drift_rollup WHERE space = $1 AND name = $2 AND version = $3 AND bucket < $6`;
    // `records`: about how many records the window holds (top-level buckets overlapping it), to pick the cheaper plan.
    const { rows } = await this.pool.query<{ lo: string | null; hi: string | null; records: string }>(
      `SELECT (SELECT min(bucket) ${where} AND level = $4 AND bucket >= $5) AS lo,
              (SELECT max(bucket) ${where} AND level = $4 AND bucket >= $5) AS hi,
              (SELECT coalesce(sum(n), 0) ${where} AND level = $7 AND bucket >= $8) AS records`,
      [key.space, key.name, key.version, finest, floorTo(from, finest), to, top, floorTo(from, top)],
    );
    const { lo, hi, records } = rows[0] ?? { lo: null, hi: null, records: '0' };
    if (lo === null || hi === null) return null;
    const range = {
      from: Math.max(from, Number(lo)),
      to: Math.min(to, Number(hi) + finest),
      records: Number(records),
    };
    return range.from < range.to ? range : null;
  }

  /** Sums per (bin, metric) of the plan's rollup buckets and records. */
  private async sumSegments(key: ProfileKey, plan: RollupSegment[]): Promise<Map<number, Map<string, Sums>>> {
    const level: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    const bin: number[] = [];
    const rlo: number[] = [];
    const rhi: number[] = [];
    const rbin: number[] = [];
    for (const g of plan) {
      if (g.level === 0) {
        rlo.push(g.lo);
        rhi.push(g.hi);
        rbin.push(g.bin);
      } else {
        level.push(g.level);
        lo.push(g.lo);
        hi.push(g.hi);
        bin.push(g.bin);
      }
    }
    type SumRow = [string, string, string, number, number];
    const [buckets, records] = await Promise.all([
      level.length === 0
        ? null
        : this.pool.query<SumRow>({
            text: `SELECT seg.bin, r.metric, sum(r.n), sum(r.s), sum(r.ss)
                   FROM unnest($4::int8[], $5::int8[], $6::int8[], $7::int8[]) AS seg(level, lo, hi, bin)
                   CROSS JOIN LATERAL (
                     SELECT metric, n, s, ss FROM scouter.custom_drift_rollup
                     WHERE space = $1 AND name = $2 AND version = $3 AND level = seg.level
                       AND bucket >= seg.lo AND bucket < seg.hi OFFSET 0) AS r
                   GROUP BY seg.bin, r.metric`,
            values: [key.space, key.name, key.version, level, lo, hi, bin],
            rowMode: 'array',
          }),
      rlo.length === 0
        ? null
        : this.pool.query<SumRow>({
            text: `SELECT seg.bin, c.metric, count(*), sum(c.value), sum(c.value * c.value)
                   FROM unnest($4::int8[], $5::int8[], $6::int8[]) AS seg(lo, hi, bin)
                   CROSS JOIN LATERAL (
                     SELECT metric, value FROM scouter.custom_drift
                     WHERE space = $1 AND name = $2 AND version = $3
                       AND created_at >= ${FROM_MICROS('seg.lo')} AND created_at < ${FROM_MICROS('seg.hi')}
                     OFFSET 0) AS c
                   GROUP BY seg.bin, c.metric`,
            values: [key.space, key.name, key.version, rlo, rhi, rbin],
            rowMode: 'array',
          }),
    ]);
    const acc = new Map<number, Map<string, Sums>>();
    if (buckets) addSums(acc, buckets.rows);
    if (records) addSums(acc, records.rows);
    return acc;
  }

  /** The binned query over the records themselves (bins narrower than a second, or very many bins). */
  private async binnedFromRecords(query: BinnedQuery, width: number): Promise<BinnedRow[]> {
    // Unnamed on purpose: a named statement can switch to a generic plan that ignores the window and scans everything.
    const { rows } = await this.pool.query<{
      bin: string;
      metric: string;
      avg: number;
      stddev: number | null;
    }>({
      text: `SELECT ${TO_MICROS('bin')} AS bin, metric, avg(value) AS avg, stddev_samp(value) AS stddev
             FROM (
               SELECT date_bin($4::int8 * interval '1 microsecond', created_at, '1970-01-01T00:00:00Z'::timestamptz)
                        AS bin, metric, value
               FROM scouter.custom_drift
               WHERE space = $1 AND name = $2 AND version = $3 AND created_at > ${FROM_MICROS('$5')}
                 AND ($6::int8 IS NULL OR created_at <= ${FROM_MICROS('$6')})
             ) AS binned
             GROUP BY bin, metric
             ORDER BY bin DESC, metric`,
      values: [query.space, query.name, query.version, width, query.sinceMicros, query.untilMicros ?? null],
    });
    return rows.map((r) => ({
      binStartMicros: Number(r.bin),
      metric: r.metric,
      avg: r.avg,
      stddev: r.stddev,
    }));
  }

  async customMetricMeans(
    key: ProfileKey,
    metrics: string[],
    afterMicros: number,
    untilMicros?: number,
  ): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    if (metrics.length === 0) return out;
    const range = await this.rollupRange(key, afterMicros, untilMicros);
    if (!range) return out;
    const sums = (await this.sumSegments(key, planWindow(range.from, range.to))).get(0);
    for (const metric of metrics) {
      const m = sums?.get(metric);
      if (m) out[metric] = m.s / m.n;
    }
    return out;
  }

  async deleteRecordsBefore(cutoffMicros: number): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const res = await client.query(
        `DELETE FROM scouter.custom_drift WHERE created_at < ${FROM_MICROS('$1')}`,
        [cutoffMicros],
      );
      // Every bucket starting before the cutoff goes; the ones holding the cutoff are recounted from what is left.
      await client.query('DELETE FROM scouter.custom_drift_rollup WHERE bucket < $1', [cutoffMicros]);
      for (const l of ROLLUP_LEVELS) {
        const partial = floorTo(cutoffMicros, l);
        if (partial === cutoffMicros) continue;
        await client.query(
          `INSERT INTO scouter.custom_drift_rollup (space, name, version, level, bucket, metric, n, s, ss)
           SELECT space, name, version, $1::int8, $2::int8, metric, count(*), sum(value), sum(value * value)
           FROM scouter.custom_drift
           WHERE created_at >= ${FROM_MICROS('$2')} AND created_at < ${FROM_MICROS('$3')}
           GROUP BY space, name, version, metric`,
          [l, partial, partial + l],
        );
      }
      await client.query('COMMIT');
      return res.rowCount ?? 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async claimDueJob(now: Date, staleBefore: Date): Promise<ProfileRow | null> {
    const { rows } = await this.pool.query<ProfileRecord>(
      `UPDATE scouter.drift_profile SET status = 'processing', processing_started_at = $1, updated_at = now()
       WHERE uid = (
         SELECT uid FROM scouter.drift_profile
         WHERE active AND ((status = 'pending' AND next_run <= $1)
                           OR (status = 'processing' AND processing_started_at < $2))
         ORDER BY next_run
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING ${PROFILE_COLUMNS}`,
      [now, staleBefore],
    );
    return rows[0] ? toProfile(rows[0]) : null;
  }

  async completeJob(uid: string, previousRun: Date, nextRun: Date): Promise<void> {
    await this.pool.query(
      `UPDATE scouter.drift_profile SET previous_run = $1, next_run = $2, status = 'pending',
         processing_started_at = NULL, updated_at = now() WHERE uid = $3`,
      [previousRun, nextRun, uid],
    );
  }

  async releaseJob(uid: string): Promise<void> {
    await this.pool.query(
      `UPDATE scouter.drift_profile SET status = 'pending', processing_started_at = NULL, updated_at = now()
       WHERE uid = $1`,
      [uid],
    );
  }

  async insertAlerts(rows: NewAlertRow[]): Promise<AlertRow[]> {
    if (rows.length === 0) return [];
    const res = await this.pool.query<AlertRecord>(
      `INSERT INTO scouter.drift_alert (created_at, space, name, version, entity_name, alert, drift_type)
       SELECT ${FROM_MICROS('t')}, s, n, v, e, a, d
       FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::json[], $7::text[])
         WITH ORDINALITY AS u(t, s, n, v, e, a, d, i)
       ORDER BY i
       ON CONFLICT DO NOTHING
       RETURNING ${ALERT_COLUMNS}`,
      [
        rows.map((r) => r.createdAtMicros),
        rows.map((r) => r.space),
        rows.map((r) => r.name),
        rows.map((r) => r.version),
        rows.map((r) => r.entityName),
        rows.map((r) => JSON.stringify(r.alert)),
        rows.map((r) => r.driftType),
      ],
    );
    return res.rows.map(toAlert).sort((a, b) => a.id - b.id);
  }

  async getAlerts(query: AlertQuery): Promise<AlertRow[]> {
    const { rows } = await this.pool.query<AlertRecord>(
      `SELECT ${ALERT_COLUMNS} FROM scouter.drift_alert
       WHERE space = $1 AND name = $2 AND version = $3
         AND ($4::int8 IS NULL OR created_at >= ${FROM_MICROS('$4')})
         AND (NOT $5::boolean OR active)
       ORDER BY created_at DESC, id DESC
       LIMIT $6`,
      [
        query.space,
        query.name,
        query.version,
        query.limitDatetimeMicros ?? null,
        query.activeOnly ?? false,
        query.limit ?? null,
      ],
    );
    return rows.map(toAlert);
  }

  async updateAlertActive(id: number, active: boolean): Promise<AlertRow | null> {
    const { rows } = await this.pool.query<AlertRecord>(
      `UPDATE scouter.drift_alert SET active = $2, updated_at = now() WHERE id = $1 RETURNING ${ALERT_COLUMNS}`,
      [id, active],
    );
    return rows[0] ? toAlert(rows[0]) : null;
  }

  async undispatchedAlerts(limit: number, sinceMicros: number): Promise<AlertRow[]> {
    const { rows } = await this.pool.query<AlertRecord>(
      `SELECT ${ALERT_COLUMNS} FROM scouter.drift_alert
       WHERE NOT dispatched AND created_at >= ${FROM_MICROS('$2')}
       ORDER BY created_at, id LIMIT $1`,
      [limit, sinceMicros],
    );
    return rows.map(toAlert);
  }

  async markAlertDispatch(id: number, delivered: boolean): Promise<void> {
    await this.pool.query(
      `UPDATE scouter.drift_alert SET dispatched = dispatched OR $2, dispatch_attempts = dispatch_attempts + 1
       WHERE id = $1`,
      [id, delivered],
    );
  }
}
