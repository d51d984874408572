import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { CustomDriftProfileJson } from '@scouter-ts/core';
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
import {
  addSums,
  binWidthToMicros,
  floorTo,
  MAX_ROLLUP_BINS,
  MIN_RECORDS_PER_BIN,
  MIN_ROLLUP_BIN,
  planRollup,
  planWindow,
  rollupDeltas,
  ROLLUP_LEVELS,
  toBinnedRow as sumsToBinnedRow,
  toBinnedRows,
  type RollupSegment,
  type Sums,
} from './bins.js';

/** Options of `SqliteStorage`. */
export interface SqliteStorageOptions {
  /** Database file path, or `:memory:` for a private in-memory database. */
  filename: string;
  /** Tuning: binned queries read records directly below this many records per bin. Default: 20. */
  rollupMinRecordsPerBin?: number;
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

interface UserRecord {
  username: string;
  password_hash: string;
  email: string;
  permissions: string;
  group_permissions: string;
  role: string;
  active: number;
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
  profile: string;
  scouter_version: string;
  active: number;
  schedule: string;
  next_run: number;
  previous_run: number;
  status: string;
  processing_started_at: number | null;
  created_at: number;
  updated_at: number;
}

interface AlertRecord {
  id: number;
  created_at: number;
  space: string;
  name: string;
  version: string;
  entity_name: string;
  alert: string;
  drift_type: string;
  active: number;
  updated_at: number | null;
  dispatched: number;
  dispatch_attempts: number;
}

function toUser(r: UserRecord): StoredUser {
  return {
    username: r.username,
    passwordHash: r.password_hash,
    email: r.email,
    permissions: JSON.parse(r.permissions) as string[],
    groupPermissions: JSON.parse(r.group_permissions) as string[],
    role: r.role,
    active: r.active === 1,
    refreshToken: r.refresh_token,
  };
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
    profile: JSON.parse(r.profile) as CustomDriftProfileJson,
    scouterVersion: r.scouter_version,
    active: r.active === 1,
    schedule: r.schedule,
    nextRun: new Date(r.next_run),
    previousRun: new Date(r.previous_run),
    status: r.status as JobStatus,
    processingStartedAt: r.processing_started_at === null ? null : new Date(r.processing_started_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function toAlert(r: AlertRecord): AlertRow {
  return {
    id: r.id,
    createdAtMicros: r.created_at,
    space: r.space,
    name: r.name,
    version: r.version,
    entityName: r.entity_name,
    alert: JSON.parse(r.alert) as Record<string, string>,
    driftType: r.drift_type,
    active: r.active === 1,
    updatedAt: r.updated_at === null ? null : new Date(r.updated_at),
    dispatched: r.dispatched === 1,
    dispatchAttempts: r.dispatch_attempts,
  };
}

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

/**
 * Embedded storage on better-sqlite3: WAL journal, `synchronous=NORMAL`, prepared statements, one transaction per
 * batch. Record timestamps are integer microseconds; other dates integer milliseconds; JSON as TEXT.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly filename: string;
  private readonly minRecordsPerBin: number;
  private readonly backgroundFold: boolean;
  private db: Database.Database | null = null;
  private readonly statements = new Map<string, Statement>();
  private insertRecordsTx: ((rows: CustomRecordRow[]) => number) | null = null;
  private insertAlertsTx: ((rows: NewAlertRow[]) => AlertRow[]) | null = null;
  /** Folds one step of not-yet-folded records into the rollup; true when more remain. */
  private foldStepTx: (() => boolean) | null = null;
  private foldTimer: NodeJS.Timeout | null = null;

  /** Opens nothing yet; `init()` opens the file and creates the tables. */
  constructor(options: SqliteStorageOptions) {
    this.filename = options.filename;
    this.minRecordsPerBin = options.rollupMinRecordsPerBin ?? MIN_RECORDS_PER_BIN;
    this.backgroundFold = options.backgroundFold ?? true;
  }

  init(): Promise<void> {
    if (this.db) return Promise.resolve();
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
    this.db = db;
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
    const insertAlert = this.prepare(
      `INSERT OR IGNORE INTO drift_alert (created_at, space, name, version, entity_name, alert, drift_type)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.insertAlertsTx = db.transaction((rows: NewAlertRow[]) => {
      const out: AlertRow[] = [];
      for (const r of rows) {
        const rec = insertAlert.get(
          r.createdAtMicros,
          r.space,
          r.name,
          r.version,
          r.entityName,
          JSON.stringify(r.alert),
          r.driftType,
        ) as AlertRecord | undefined;
        if (rec) out.push(toAlert(rec));
      }
      return out;
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.foldTimer) clearTimeout(this.foldTimer);
    this.foldTimer = null;
    this.foldStepTx = null;
    if (this.db) {
      this.db.close();
      this.db = null;
      this.statements.clear();
      this.insertRecordsTx = null;
      this.insertAlertsTx = null;
    }
    return Promise.resolve();
  }

  /** The underlying better-sqlite3 connection (maintenance, benchmarks); throws before `init()`. */
  get database(): Database.Database {
    return this.conn;
  }

  private get conn(): Database.Database {
    if (!this.db) throw new Error('SqliteStorage is not open: call init() first');
    return this.db;
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

  countUsers(): Promise<number> {
    return this.run(() => (this.prepare('SELECT count(*) AS n FROM "user"').get() as { n: number }).n);
  }

  insertUser(user: StoredUser): Promise<void> {
    return this.run(() => {
      const now = Date.now();
      this.prepare(
        `INSERT INTO "user" (created_at, updated_at, active, username, password_hash, permissions, group_permissions, role, refresh_token, email)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        now,
        now,
        user.active ? 1 : 0,
        user.username,
        user.passwordHash,
        JSON.stringify(user.permissions),
        JSON.stringify(user.groupPermissions),
        user.role,
        user.refreshToken,
        user.email,
      );
    });
  }

  getUser(username: string): Promise<StoredUser | null> {
    return this.run(() => {
      const r = this.prepare('SELECT * FROM "user" WHERE username = ?').get(username) as
        UserRecord | undefined;
      return r ? toUser(r) : null;
    });
  }

  setRefreshToken(username: string, token: string | null): Promise<void> {
    return this.run(() => {
      this.prepare('UPDATE "user" SET refresh_token = ?, updated_at = ? WHERE username = ?').run(
        token,
        Date.now(),
        username,
      );
    });
  }

  insertProfile(row: NewProfileRow): Promise<ProfileRow> {
    return this.run(() => {
      const now = Date.now();
      const rec = this.prepare(
        `INSERT INTO drift_profile (uid, created_at, updated_at, space, name, version, major, minor, patch, pre_tag,
           build_tag, drift_type, profile, scouter_version, active, schedule, next_run, previous_run, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending') RETURNING *`,
      ).get(
        randomUUID(),
        now,
        now,
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
        row.active ? 1 : 0,
        row.schedule,
        row.nextRun.getTime(),
        row.previousRun.getTime(),
      ) as ProfileRecord;
      return toProfile(rec);
    });
  }

  listVersions(space: string, name: string): Promise<Array<Pick<ProfileRow, 'major' | 'minor' | 'patch'>>> {
    return this.run(
      () =>
        this.prepare('SELECT major, minor, patch FROM drift_profile WHERE space = ? AND name = ?').all(
          space,
          name,
        ) as Array<Pick<ProfileRow, 'major' | 'minor' | 'patch'>>,
    );
  }

  getProfile(key: ProfileKey, driftType: string): Promise<ProfileRow | null> {
    return this.run(() => {
      const r = this.prepare(
        `SELECT * FROM drift_profile WHERE space = ? AND name = ? AND version = ? AND drift_type = ?
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      ).get(key.space, key.name, key.version, driftType) as ProfileRecord | undefined;
      return r ? toProfile(r) : null;
    });
  }

  listProfiles(space: string, name: string, version?: string): Promise<ProfileRow[]> {
    return this.run(() => {
      const rows = (
        version === undefined
          ? this.prepare(
              'SELECT * FROM drift_profile WHERE space = ? AND name = ? ORDER BY created_at DESC, rowid DESC',
            ).all(space, name)
          : this.prepare(
              `SELECT * FROM drift_profile WHERE space = ? AND name = ? AND version = ?
               ORDER BY created_at DESC, rowid DESC`,
            ).all(space, name, version)
      ) as ProfileRecord[];
      return rows.map(toProfile);
    });
  }

  updateProfileJson(key: ProfileKey, driftType: string, profile: CustomDriftProfileJson): Promise<number> {
    return this.run(
      () =>
        this.prepare(
          `UPDATE drift_profile SET profile = ?, drift_type = ?, updated_at = ?
           WHERE space = ? AND name = ? AND version = ?`,
        ).run(JSON.stringify(profile), driftType, Date.now(), key.space, key.name, key.version).changes,
    );
  }

  setProfileActive(key: ProfileKey, active: boolean, driftType: string | null): Promise<number> {
    return this.run(
      () =>
        this.prepare(
          `UPDATE drift_profile SET active = ?, updated_at = ?
           WHERE space = ? AND name = ? AND version = ? AND (? IS NULL OR drift_type = ?)`,
        ).run(active ? 1 : 0, Date.now(), key.space, key.name, key.version, driftType, driftType).changes,
    );
  }

  deactivateOtherVersions(key: ProfileKey, driftType: string | null): Promise<number> {
    return this.run(
      () =>
        this.prepare(
          `UPDATE drift_profile SET active = 0, updated_at = ?
           WHERE space = ? AND name = ? AND version <> ? AND active = 1 AND (? IS NULL OR drift_type = ?)`,
        ).run(Date.now(), key.space, key.name, key.version, driftType, driftType).changes,
    );
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

  binnedCustomMetrics(query: BinnedQuery): Promise<BinnedRow[]> {
    return this.run(() => {
      const width = binWidthToMicros(query.binWidthMicros);
      if (width >= MIN_ROLLUP_BIN) {
        this.foldRollup();
        const range = this.rollupRange(query, query.sinceMicros, query.untilMicros);
        if (!range) return [];
        const bins = (floorTo(range.to - 1, width) - floorTo(range.from, width)) / width + 1;
        if (bins <= MAX_ROLLUP_BINS && this.recordsIn(query, range) >= bins * this.minRecordsPerBin) {
          const acc = this.sumSegments(
            query,
            planRollup(range.from, range.to, width),
            this.distinctMetrics(query),
          );
          return toBinnedRows(acc);
        }
      }
      return this.binnedFromRecords(query, width);
    });
  }

  /**
   * The half-open window `[from, to)` of `(after, until]` narrowed to the seconds holding records of the profile,
   * or null when it holds none.
   */
  private rollupRange(key: ProfileKey, after: number, until?: number): { from: number; to: number } | null {
    const finest = ROLLUP_LEVELS[0]!;
    const from = after + 1;
    const to = until === undefined ? Number.MAX_SAFE_INTEGER : until + 1;
    // Two statements: SQLite answers a lone min() or max() with one index seek, both together with a scan.
    const bound = (fn: 'min' | 'max'): number | null =>
      this.prepare(
        `SELECT ${fn}(bucket) FROM custom_drift_rollup
         WHERE space = ? AND name = ? AND version = ? AND level = ? AND bucket >= ? AND bucket < ?`,
      )
        .pluck()
        .get(key.space, key.name, key.version, finest, floorTo(from, finest), to) as number | null;
    const lo = bound('min');
    const hi = bound('max');
    if (lo === null || hi === null) return null;
    const range = { from: Math.max(from, lo), to: Math.min(to, hi + finest) };
    return range.from < range.to ? range : null;
  }

  /** About how many records the window holds (whole top-level buckets overlapping it): picks the cheaper plan. */
  private recordsIn(key: ProfileKey, range: { from: number; to: number }): number {
    const top = ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]!;
    return this.prepare(
      `SELECT coalesce(sum(n), 0) FROM custom_drift_rollup
       WHERE space = ? AND name = ? AND version = ? AND level = ? AND bucket >= ? AND bucket < ?`,
    )
      .pluck()
      .get(key.space, key.name, key.version, top, floorTo(range.from, top), range.to) as number;
  }

  /** Sums per (bin, metric) of the plan's rollup buckets and records (records only of `metrics`). */
  private sumSegments(
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
  private binnedFromRecords(query: BinnedQuery, width: number): BinnedRow[] {
    {
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
    }
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

  customMetricMeans(
    key: ProfileKey,
    metrics: string[],
    afterMicros: number,
    untilMicros?: number,
  ): Promise<Record<string, number>> {
    return this.run(() => {
      const out: Record<string, number> = {};
      if (metrics.length === 0) return out;
      this.foldRollup();
      const range = this.rollupRange(key, afterMicros, untilMicros);
      if (!range) return out;
      const sums = this.sumSegments(key, planWindow(range.from, range.to), metrics).get(0);
      for (const metric of metrics) {
        const m = sums?.get(metric);
        if (m) out[metric] = m.s / m.n;
      }
      return out;
    });
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

  claimDueJob(now: Date, staleBefore: Date): Promise<ProfileRow | null> {
    return this.run(() => {
      const t = now.getTime();
      const r = this.prepare(
        `UPDATE drift_profile SET status = 'processing', processing_started_at = @now, updated_at = @now
         WHERE uid = (
           SELECT uid FROM drift_profile
           WHERE active = 1 AND ((status = 'pending' AND next_run <= @now)
                                 OR (status = 'processing' AND processing_started_at < @stale))
           ORDER BY next_run LIMIT 1)
         RETURNING *`,
      ).get({ now: t, stale: staleBefore.getTime() }) as ProfileRecord | undefined;
      return r ? toProfile(r) : null;
    });
  }

  completeJob(uid: string, previousRun: Date, nextRun: Date): Promise<void> {
    return this.run(() => {
      this.prepare(
        `UPDATE drift_profile SET previous_run = ?, next_run = ?, status = 'pending', processing_started_at = NULL,
           updated_at = ? WHERE uid = ?`,
      ).run(previousRun.getTime(), nextRun.getTime(), Date.now(), uid);
    });
  }

  releaseJob(uid: string): Promise<void> {
    return this.run(() => {
      this.prepare(
        `UPDATE drift_profile SET status = 'pending', processing_started_at = NULL, updated_at = ? WHERE uid = ?`,
      ).run(Date.now(), uid);
    });
  }

  insertAlerts(rows: NewAlertRow[]): Promise<AlertRow[]> {
    return this.run(() => {
      if (rows.length === 0) return [];
      const tx = this.insertAlertsTx;
      if (!tx) throw new Error('SqliteStorage is not open: call init() first');
      return tx(rows);
    });
  }

  getAlerts(query: AlertQuery): Promise<AlertRow[]> {
    return this.run(() => {
      const rows = this.prepare(
        `SELECT * FROM drift_alert
         WHERE space = @space AND name = @name AND version = @version AND created_at >= @since
           AND (@activeOnly = 0 OR active = 1)
         ORDER BY created_at DESC, id DESC LIMIT @limit`,
      ).all({
        space: query.space,
        name: query.name,
        version: query.version,
        since: query.limitDatetimeMicros ?? Number.MIN_SAFE_INTEGER,
        activeOnly: query.activeOnly ? 1 : 0,
        limit: query.limit ?? -1,
      }) as AlertRecord[];
      return rows.map(toAlert);
    });
  }

  updateAlertActive(id: number, active: boolean): Promise<AlertRow | null> {
    return this.run(() => {
      const r = this.prepare(
        'UPDATE drift_alert SET active = ?, updated_at = ? WHERE id = ? RETURNING *',
      ).get(active ? 1 : 0, Date.now(), id) as AlertRecord | undefined;
      return r ? toAlert(r) : null;
    });
  }

  undispatchedAlerts(limit: number, sinceMicros: number): Promise<AlertRow[]> {
    return this.run(() =>
      (
        this.prepare(
          'SELECT * FROM drift_alert WHERE dispatched = 0 AND created_at >= ? ORDER BY created_at, id LIMIT ?',
        ).all(sinceMicros, limit) as AlertRecord[]
      ).map(toAlert),
    );
  }

  markAlertDispatch(id: number, delivered: boolean): Promise<void> {
    return this.run(() => {
      this.prepare(
        `UPDATE drift_alert SET dispatched = CASE WHEN ? = 1 THEN 1 ELSE dispatched END,
           dispatch_attempts = dispatch_attempts + 1 WHERE id = ?`,
      ).run(delivered ? 1 : 0, id);
    });
  }
}
