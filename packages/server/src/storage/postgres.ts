import pg from 'pg';
import { Kysely, PostgresDialect, sql, type Expression, type RawBuilder } from 'kysely';
import { addSums, floorTo, ROLLUP_LEVELS, type RollupSegment, type Sums } from './bins.js';
import { MIGRATIONS } from './postgres-migrations.js';
import { SqlStorage, type SqlStorageTuning } from './sql-storage.js';
import type { Bool, Int8, MicrosTime, Tables, Time } from './tables.js';
import type { BinnedQuery, BinnedRow, CustomRecordRow, InsertRecordsResult, ProfileKey } from './types.js';

/** Options of `PostgresStorage`. */
export interface PostgresStorageOptions extends SqlStorageTuning {
  /** A `postgresql://user:password@host:port/database` URI. */
  connectionString: string;
  /** Connections in the pool. Default: 10. */
  poolSize?: number;
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

/**
 * PostgreSQL storage on a `pg` Pool. `init()` creates the schema `scouter` and applies the versioned migrations
 * (under an advisory lock, so several servers may start together). Records are written with one
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` per chunk; due jobs are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several server instances never run the same job.
 */
export class PostgresStorage extends SqlStorage {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  protected readonly db: Kysely<Tables>;
  protected readonly insertionOrder = 'seq';
  protected readonly skipLocked = true;
  private ended = false;

  /** Creates the pool; no connection is made before the first query. */
  constructor(options: PostgresStorageOptions) {
    super(options);
    // JIT off: the rollup queries are thousands of tiny index lookups whose row estimates are far too high, and
    // compiling them took longer (~150 ms) than running them.
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: '-c jit=off',
    });
    // An idle client that loses its connection emits here; the next query on the pool reports the problem.
    this.pool.on('error', () => undefined);
    this.db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: this.pool }) }).withSchema('scouter');
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

  /** Sums per (bin, metric) of the plan's rollup buckets and records. */
  protected bool(value: boolean): RawBuilder<Bool> {
    return sql.lit(value);
  }

  protected time(value: Date): Time {
    return value;
  }

  protected micros(value: number): Expression<MicrosTime> {
    return sql<MicrosTime>`('1970-01-01T00:00:00Z'::timestamptz + ${value}::int8 * interval '1 microsecond')`;
  }

  protected microsOf(column: 'created_at'): RawBuilder<Int8> {
    return sql<Int8>`(extract(epoch FROM ${sql.ref(column)}) * 1000000)::int8`;
  }

  /** The rollup is written with the records, in the same statement. */
  protected catchUpRollup(): void {}

  /** All metrics' records are summed (one statement); the caller picks the ones it asked for. */
  protected async sumSegments(
    key: ProfileKey,
    plan: RollupSegment[],
  ): Promise<Map<number, Map<string, Sums>>> {
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
  protected async binnedFromRecords(query: BinnedQuery, width: number): Promise<BinnedRow[]> {
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
}
