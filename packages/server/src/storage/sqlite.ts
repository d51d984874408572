import Database from 'better-sqlite3';
import { Kysely, sql, SqliteDialect, type Expression, type RawBuilder } from 'kysely';
import type { BinnedQuery, BinnedRow, CustomRecordRow, InsertRecordsResult, ProfileKey } from './types.js';
import {
  addSums,
  floorTo,
  rollupDeltas,
  ROLLUP_LEVELS,
  toBinnedRow as sumsToBinnedRow,
  type RollupSegment,
  type Sums,
} from './bins.js';
import { SqlStorage, type SqlStorageTuning } from './sql-storage.js';
import type { Bool, Int8, MicrosTime, Tables, Time } from './tables.js';

/** Options of `SqliteStorage`. */
export interface SqliteStorageOptions extends SqlStorageTuning {
  /** Database file path, or `:memory:` for a private in-memory database. */
  filename: string;
  /**
   * Fold new records into the rollup in the background (every 2 s). Default: true. Without it the rollup is still
   * brought up to date before each read; benchmarks turn it off on connections that only insert.
   */
  backgroundFold?: boolean;
}

const SCHEMA_VERSION = 3;
/** Records folded into the rollup per step (one short write transaction each, some tens of ms). */
const FOLD_STEP = 20_000;
/** Background fold period (ms). */
const FOLD_INTERVAL_MS = 2_000;
/** Longest a background tick folds before yielding to the event loop (it continues on the next turn). */
const FOLD_TICK_MS = 50;
/** Records per multi-row INSERT (fewer statement runs than one per row; 384 parameters). */
const RECORD_CHUNK = 64;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS "user" (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  permissions TEXT NOT NULL,
  group_permissions TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user',
  refresh_token TEXT,
  email TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS drift_profile (
  uid TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  space TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  major INTEGER NOT NULL,
  minor INTEGER NOT NULL,
  patch INTEGER NOT NULL,
  pre_tag TEXT,
  build_tag TEXT,
  drift_type TEXT NOT NULL,
  profile TEXT NOT NULL,
  scouter_version TEXT NOT NULL,
  active INTEGER NOT NULL,
  schedule TEXT NOT NULL,
  next_run INTEGER NOT NULL,
  previous_run INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  processing_started_at INTEGER
);
CREATE INDEX IF NOT EXISTS drift_profile_key ON drift_profile (space, name, version);
CREATE INDEX IF NOT EXISTS drift_profile_due ON drift_profile (next_run) WHERE active = 1;
CREATE TABLE IF NOT EXISTS custom_drift (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  space TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  UNIQUE (space, name, version, metric, created_at, value)
);
CREATE INDEX IF NOT EXISTS custom_drift_created_at ON custom_drift (created_at);
CREATE TABLE IF NOT EXISTS custom_drift_rollup_state (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  last_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS custom_drift_rollup (
  space TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  metric TEXT NOT NULL,
  n INTEGER NOT NULL,
  s REAL NOT NULL,
  ss REAL NOT NULL,
  PRIMARY KEY (space, name, version, level, bucket, metric)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drift_alert (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  space TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  entity_name TEXT NOT NULL,
  alert TEXT NOT NULL,
  drift_type TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER,
  dispatched INTEGER NOT NULL DEFAULT 0,
  dispatch_attempts INTEGER NOT NULL DEFAULT 0,
  UNIQUE (space, name, version, created_at, entity_name)
);
CREATE INDEX IF NOT EXISTS drift_alert_undispatched ON drift_alert (created_at, id) WHERE dispatched = 0;
`;

type Statement = Database.Statement<unknown[]>;

/**
 * Binning strategy: one index range scan per (metric, bin) avoids sorting every row, which wins when bins are full;
 * with many bins or few rows per bin one GROUP BY over the rows is cheaper. The newest bins are sampled to choose.
 */
const MAX_RANGE_SCANS = 20_000;
const SAMPLE_BINS = 32;
const MIN_ROWS_PER_SCAN = 32;

/** Rollup sums of the records with `lo <= created_at < hi`, per level (SQL fragment, `@l` = level). */
const ROLLUP_REBUILD = `INSERT INTO custom_drift_rollup (space, name, version, level, bucket, metric, n, s, ss)
  SELECT space, name, version, @l, created_at - (((created_at % @l) + @l) % @l) AS b, metric, count(*), sum(value),
    sum(value * value)
  FROM custom_drift WHERE created_at >= @lo AND created_at < @hi
  GROUP BY space, name, version, b, metric`;

function floorToBin(micros: number, width: number): number {
  return floorTo(micros, width);
}

function toBinnedRow(
  bin: number,
  metric: string,
  n: number,
  s: number,
  ss: number,
): BinnedRow & { n: number } {
  return { ...sumsToBinnedRow(bin, metric, n, s, ss), n };
}

/** Kysely's statements kept prepared, like the native ones: at most this many shapes, then the cache starts over. */
const QUERY_CACHE = 256;

/**
 * Embedded storage on better-sqlite3: WAL journal, `synchronous=NORMAL`, one transaction per batch. Most queries are
 * the shared Kysely ones of `SqlStorage` (their statements cached, as Kysely's SQLite driver prepares each query
 * anew); the record insert, the rollup fold and sums, binning from the records and retention are prepared
 * better-sqlite3 statements, synchronous, so no other call runs inside their transactions. Record timestamps are
 * integer microseconds; other dates integer milliseconds; JSON as TEXT.
 */
export class SqliteStorage extends SqlStorage {
  readonly kind = 'sqlite' as const;
  readonly filename: string;
  protected readonly insertionOrder = 'rowid';
  protected readonly skipLocked = false;
  private readonly backgroundFold: boolean;
  private sqlite: Database.Database | null = null;
  private kysely: Kysely<Tables> | null = null;
  private readonly statements = new Map<string, Statement>();
  private insertRecordsTx: ((rows: CustomRecordRow[]) => number) | null = null;
  /** Folds one step of not-yet-folded records into the rollup; true when more remain. */
  private foldStepTx: (() => boolean) | null = null;
  private foldTimer: NodeJS.Timeout | null = null;

  /** Opens nothing yet; `init()` opens the file and creates the tables. */
  constructor(options: SqliteStorageOptions) {
    super(options);
    this.filename = options.filename;
    this.backgroundFold = options.backgroundFold ?? true;
  }

  init(): Promise<void> {
    if (this.sqlite) return Promise.resolve();
    const db = new Database(this.filename);
    try {
      if (this.filename !== ':memory:' && this.filename !== '') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(
          `SQLite database ${this.filename} has schema version ${version}, newer than this server (${SCHEMA_VERSION}); upgrade scouter-ts`,
        );
      }
      db.transaction(() => {
        const columns = db.pragma('table_info(custom_drift)') as Array<{ name: string }>;
        const keyedRecords = columns.length > 0 && !columns.some((c) => c.name === 'id');
        if (keyedRecords) {
          // Schema 1 and 2 kept records WITHOUT ROWID; the lazy rollup needs an increasing id to know what it holds.
          db.exec(
            'ALTER TABLE custom_drift RENAME TO custom_drift_keyed; DROP INDEX IF EXISTS custom_drift_created_at',
          );
        }
        db.exec(SCHEMA);
        if (keyedRecords) {
          db.exec(`INSERT INTO custom_drift (space, name, version, created_at, metric, value)
                   SELECT space, name, version, created_at, metric, value FROM custom_drift_keyed ORDER BY created_at;
                   DROP TABLE custom_drift_keyed`);
        }
        if (version < 3) {
          // Databases written before the rollup existed, or with one kept in step on insert: build it from the records.
          db.exec('DELETE FROM custom_drift_rollup');
          const rebuild = db.prepare(ROLLUP_REBUILD);
          for (const l of ROLLUP_LEVELS)
            rebuild.run({ l, lo: Number.MIN_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER });
          db.exec(`INSERT OR REPLACE INTO custom_drift_rollup_state (id, last_id)
                   SELECT 0, coalesce(max(id), 0) FROM custom_drift`);
        }
        db.exec('INSERT OR IGNORE INTO custom_drift_rollup_state (id, last_id) VALUES (0, 0)');
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } catch (err) {
      db.close();
      throw err;
    }
    this.sqlite = db;
    const cached = new Map<string, Statement>();
    this.kysely = new Kysely<Tables>({
      dialect: new SqliteDialect({
        database: {
          close: () => db.close(),
          prepare: (text: string) => {
            let stmt = cached.get(text);
            if (!stmt) {
              if (cached.size >= QUERY_CACHE) cached.clear();
              stmt = db.prepare(text);
              cached.set(text, stmt);
            }
            return stmt;
          },
        },
      }),
    });
    const recordSql =
      'INSERT OR IGNORE INTO custom_drift (space, name, version, created_at, metric, value) VALUES ';
    const chunkSql = recordSql + new Array<string>(RECORD_CHUNK).fill('(?, ?, ?, ?, ?, ?)').join(', ');
    const plainOne = this.prepare(`${recordSql}(?, ?, ?, ?, ?, ?)`);
    const plainChunk = this.prepare(chunkSql);
    const chunkArgs = new Array<unknown>(RECORD_CHUNK * 6);
    const fillChunk = (rows: CustomRecordRow[], i: number): unknown[] => {
      for (let j = 0; j < RECORD_CHUNK; j++) {
        const r = rows[i + j]!;
        const o = j * 6;
        chunkArgs[o] = r.space;
        chunkArgs[o + 1] = r.name;
        chunkArgs[o + 2] = r.version;
        chunkArgs[o + 3] = r.createdAtMicros;
        chunkArgs[o + 4] = r.metric;
        chunkArgs[o + 5] = r.value;
      }
      return chunkArgs;
    };
    // Plain inserts only: the rollup catches up lazily (`foldRollup`) from the record ids past its watermark.
    this.insertRecordsTx = db.transaction((rows: CustomRecordRow[]) => {
      let inserted = 0;
      let i = 0;
      for (; i + RECORD_CHUNK <= rows.length; i += RECORD_CHUNK) {
        inserted += plainChunk.run(fillChunk(rows, i)).changes;
      }
      for (; i < rows.length; i++) {
        const r = rows[i]!;
        inserted += plainOne.run(r.space, r.name, r.version, r.createdAtMicros, r.metric, r.value).changes;
      }
      return inserted;
    });
    const lastId = db.prepare('SELECT last_id FROM custom_drift_rollup_state WHERE id = 0').pluck();
    // A bare max(id) is one seek; wrapped in coalesce() SQLite would scan the table.
    const maxId = db.prepare('SELECT max(id) FROM custom_drift').pluck();
    const readRange = db
      .prepare(
        'SELECT space, name, version, created_at, metric, value FROM custom_drift WHERE id > ? AND id <= ?',
      )
      .raw();
    const addRollup = db.prepare(
      `INSERT INTO custom_drift_rollup (space, name, version, level, bucket, metric, n, s, ss)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (space, name, version, level, bucket, metric)
       DO UPDATE SET n = n + excluded.n, s = s + excluded.s, ss = ss + excluded.ss`,
    );
    type Stored = [string, string, string, number, string, number];
    const setLastId = db.prepare('UPDATE custom_drift_rollup_state SET last_id = ? WHERE id = 0');
    const foldStep = db.transaction((): boolean => {
      const lo = lastId.get() as number;
      const top = (maxId.get() as number | null) ?? 0;
      if (top <= lo) return false;
      const hi = Math.min(top, lo + FOLD_STEP);
      const rows = (readRange.all(lo, hi) as Stored[]).map(
        ([space, name, version, createdAtMicros, metric, value]): CustomRecordRow => ({
          space,
          name,
          version,
          createdAtMicros,
          metric,
          value,
        }),
      );
      for (const d of rollupDeltas(rows)) {
        addRollup.run(d.space, d.name, d.version, d.level, d.bucket, d.metric, d.n, d.s, d.ss);
      }
      setLastId.run(hi);
      return hi < top;
    });
    // IMMEDIATE: another connection folding at the same time waits instead of failing on commit.
    this.foldStepTx = () => foldStep.immediate();
    if (this.backgroundFold) this.scheduleFold(FOLD_INTERVAL_MS);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.foldTimer) clearTimeout(this.foldTimer);
    this.foldTimer = null;
    this.foldStepTx = null;
    if (this.sqlite) {
      this.sqlite.close();
      this.sqlite = null;
      this.kysely = null;
      this.statements.clear();
      this.insertRecordsTx = null;
    }
    return Promise.resolve();
  }

  /** The underlying better-sqlite3 connection (maintenance, benchmarks); throws before `init()`. */
  get database(): Database.Database {
    return this.conn;
  }

  private get conn(): Database.Database {
    if (!this.sqlite) throw new Error('SqliteStorage is not open: call init() first');
    return this.sqlite;
  }

  protected get db(): Kysely<Tables> {
    if (!this.kysely) throw new Error('SqliteStorage is not open: call init() first');
    return this.kysely;
  }

  protected bool(value: boolean): RawBuilder<Bool> {
    return sql.lit(value ? 1 : 0);
  }

  protected time(value: Date): Time {
    return value.getTime();
  }

  protected micros(value: number): Expression<MicrosTime> {
    return sql.val(value);
  }

  protected microsOf(column: 'created_at'): RawBuilder<Int8> {
    return sql.ref(column);
  }

  protected catchUpRollup(): void {
    this.foldRollup();
  }

  private prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.conn.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Background upkeep: folds for at most FOLD_TICK_MS, again on the next turn while a backlog remains. */
  private scheduleFold(delayMs: number): void {
    this.foldTimer = setTimeout(() => {
      const step = this.foldStepTx;
      if (!step) return;
      let more = false;
      try {
        const start = performance.now();
        do more = step();
        while (more && performance.now() - start < FOLD_TICK_MS);
      } catch {
        // A busy database: the next query or tick folds instead.
        more = false;
      }
      this.scheduleFold(more ? 0 : FOLD_INTERVAL_MS);
    }, delayMs);
    this.foldTimer.unref();
  }

  /**
   * Brings the rollup up to date with every stored record, in steps of `FOLD_STEP` records (one transaction each).
   * Called before every read of the rollup; the background timer keeps the backlog small.
   */
  foldRollup(): void {
    const step = this.foldStepTx;
    if (!step) throw new Error('SqliteStorage is not open: call init() first');
    // Each step folds FOLD_STEP ids or reaches the newest one; the bound only guards against endless concurrent writes.
    for (let i = 0; i < 1_000_000 && step(); i++);
  }

  /** Runs `fn` synchronously and turns a thrown error into a rejected promise, so callers see one async contract. */
  private run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve) => resolve(fn()));
  }

  insertCustomRecords(rows: CustomRecordRow[]): Promise<InsertRecordsResult> {
    return this.run(() => {
      if (rows.length === 0) return { inserted: 0, duplicates: 0 };
      const tx = this.insertRecordsTx;
      if (!tx) throw new Error('SqliteStorage is not open: call init() first');
      const inserted = tx(rows);
      return { inserted, duplicates: rows.length - inserted };
    });
  }

  protected sumSegments(
    key: ProfileKey,
    plan: RollupSegment[],
    metrics: string[] | null,
  ): Promise<Map<number, Map<string, Sums>>> {
    return this.run(() => this.sumSegmentsNow(key, plan, metrics ?? this.distinctMetrics(key)));
  }

  private sumSegmentsNow(
    key: ProfileKey,
    plan: RollupSegment[],
    metrics: string[],
  ): Map<number, Map<string, Sums>> {
    const buckets: Array<[number, number, number, number]> = [];
    const records: Array<[number, number, number]> = [];
    for (const g of plan) {
      if (g.level === 0) records.push([g.lo, g.hi, g.bin]);
      else buckets.push([g.level, g.lo, g.hi, g.bin]);
    }
    const acc = new Map<number, Map<string, Sums>>();
    if (buckets.length > 0) {
      const rows = this.prepare(
        `WITH seg AS MATERIALIZED (
           SELECT value ->> 0 AS level, value ->> 1 AS lo, value ->> 2 AS hi, value ->> 3 AS bin
           FROM json_each(@segments))
         SELECT seg.bin, r.metric, sum(r.n), sum(r.s), sum(r.ss)
         FROM seg CROSS JOIN custom_drift_rollup AS r
         WHERE r.space = @space AND r.name = @name AND r.version = @version AND r.level = seg.level
           AND r.bucket >= seg.lo AND r.bucket < seg.hi
         GROUP BY seg.bin, r.metric`,
      )
        .raw()
        .all({
          space: key.space,
          name: key.name,
          version: key.version,
          segments: JSON.stringify(buckets),
        }) as Array<[number, string, number, number, number]>;
      addSums(acc, rows);
    }
    if (records.length > 0 && metrics.length > 0) {
      const rows = this.prepare(
        `WITH seg AS MATERIALIZED (
           SELECT value ->> 0 AS lo, value ->> 1 AS hi, value ->> 2 AS bin FROM json_each(@segments))
         SELECT seg.bin, m.value, count(*), sum(c.value), sum(c.value * c.value)
         FROM seg CROSS JOIN json_each(@metrics) AS m
         CROSS JOIN custom_drift AS c
         WHERE c.space = @space AND c.name = @name AND c.version = @version AND c.metric = m.value
           AND c.created_at >= seg.lo AND c.created_at < seg.hi
         GROUP BY seg.bin, m.value`,
      )
        .raw()
        .all({
          space: key.space,
          name: key.name,
          version: key.version,
          segments: JSON.stringify(records),
          metrics: JSON.stringify(metrics),
        }) as Array<[number, string, number, number, number]>;
      addSums(acc, rows);
    }
    return acc;
  }

  /** The binned query over the records themselves (bins narrower than a second, or very many bins). */
  protected binnedFromRecords(query: BinnedQuery, width: number): Promise<BinnedRow[]> {
    return this.run(() => {
      const since = query.sinceMicros;
      const until = query.untilMicros ?? Number.MAX_SAFE_INTEGER;
      const key = [query.space, query.name, query.version] as const;
      const spans: Array<{ metric: string; first: number; last: number }> = [];
      let binCount = 0;
      for (const metric of this.distinctMetrics(query)) {
        const span = this.prepare(
          `SELECT min(created_at), max(created_at) FROM custom_drift
           WHERE space = ? AND name = ? AND version = ? AND metric = ? AND created_at > ? AND created_at <= ?`,
        )
          .raw()
          .get(...key, metric, since, until) as [number | null, number | null];
        if (span[0] === null || span[1] === null) continue;
        const first = floorToBin(span[0], width);
        const last = floorToBin(span[1], width);
        spans.push({ metric, first, last });
        binCount += (last - first) / width + 1;
      }
      const out: Array<BinnedRow & { n: number }> = [];
      const stats = this.prepare(
        `SELECT count(*), sum(value), sum(value * value) FROM custom_drift
         WHERE space = ? AND name = ? AND version = ? AND metric = ? AND created_at > ? AND created_at <= ?`,
      ).raw();
      const scanBin = (metric: string, bin: number): [number, number, number] =>
        stats.get(...key, metric, Math.max(bin - 1, since), Math.min(bin + width - 1, until)) as [
          number,
          number,
          number,
        ];
      let rangeScans = binCount <= MAX_RANGE_SCANS && spans.length > 0;
      if (rangeScans) {
        const { metric, first, last } = spans[0]!;
        let sampled = 0;
        let rowsSeen = 0;
        for (let bin = last; bin >= first && sampled < SAMPLE_BINS; bin -= width, sampled++) {
          rowsSeen += scanBin(metric, bin)[0];
        }
        rangeScans = rowsSeen >= sampled * MIN_ROWS_PER_SCAN;
      }
      if (!rangeScans) {
        out.push(
          ...this.binnedByGroup(
            query,
            spans.map((span) => span.metric),
            width,
            since,
            until,
          ),
        );
      } else {
        for (const { metric, first, last } of spans) {
          for (let bin = last; bin >= first; bin -= width) {
            const [n, s, ss] = scanBin(metric, bin);
            if (n > 0) out.push(toBinnedRow(bin, metric, n, s, ss));
          }
        }
      }
      out.sort(
        (a, b) =>
          b.binStartMicros - a.binStartMicros || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0),
      );
      return out.map(({ binStartMicros, metric, avg, stddev }) => ({ binStartMicros, metric, avg, stddev }));
    });
  }

  /** Loose index scan: one index seek per distinct metric instead of reading every row. */
  private distinctMetrics(key: ProfileKey): string[] {
    const next = this.prepare(
      'SELECT min(metric) FROM custom_drift WHERE space = ? AND name = ? AND version = ? AND metric > ?',
    ).pluck();
    const first = this.prepare(
      'SELECT min(metric) FROM custom_drift WHERE space = ? AND name = ? AND version = ?',
    ).pluck();
    const metrics: string[] = [];
    let metric = first.get(key.space, key.name, key.version) as string | null;
    while (metric !== null) {
      metrics.push(metric);
      metric = next.get(key.space, key.name, key.version, metric) as string | null;
    }
    return metrics;
  }

  /** One GROUP BY per metric, each reading only that metric's rows in the window (primary-key range). */
  private binnedByGroup(
    key: ProfileKey,
    metrics: string[],
    width: number,
    since: number,
    until: number,
  ): Array<BinnedRow & { n: number }> {
    const stmt = this.prepare(
      `SELECT created_at - (((created_at % @w) + @w) % @w) AS bin, count(*), sum(value), sum(value * value)
       FROM custom_drift
       WHERE space = @space AND name = @name AND version = @version AND metric = @metric
         AND created_at > @since AND created_at <= @until
       GROUP BY bin`,
    ).raw();
    const out: Array<BinnedRow & { n: number }> = [];
    for (const metric of metrics) {
      const rows = stmt.all({
        w: width,
        space: key.space,
        name: key.name,
        version: key.version,
        metric,
        since,
        until,
      });
      for (const [bin, n, s, ss] of rows as Array<[number, number, number, number]>) {
        out.push(toBinnedRow(bin, metric, n, s, ss));
      }
    }
    return out;
  }

  deleteRecordsBefore(cutoffMicros: number): Promise<number> {
    return this.run(() =>
      this.conn.transaction(() => {
        // Every record in the rollup first: the recount of the cut buckets below reads all remaining records.
        this.foldRollup();
        const deleted = this.prepare('DELETE FROM custom_drift WHERE created_at < ?').run(
          cutoffMicros,
        ).changes;
        // Every bucket starting before the cutoff goes; the ones holding the cutoff are recounted from what is left.
        this.prepare('DELETE FROM custom_drift_rollup WHERE bucket < ?').run(cutoffMicros);
        const rebuild = this.prepare(ROLLUP_REBUILD);
        for (const l of ROLLUP_LEVELS) {
          const partial = floorTo(cutoffMicros, l);
          if (partial < cutoffMicros) rebuild.run({ l, lo: partial, hi: partial + l });
        }
        return deleted;
      })(),
    );
  }
}
