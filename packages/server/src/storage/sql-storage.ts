import { randomUUID } from 'node:crypto';
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { CustomDriftProfileJson } from '@scouter-ts/core';
import {
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
import {
  ALERT_COLUMNS,
  PROFILE_COLUMNS,
  toAlert,
  toProfile,
  toUser,
  type Bool,
  type Int8,
  type MicrosTime,
  type Tables,
  type Time,
} from './tables.js';
import type {
  AlertQuery,
  AlertRow,
  BinnedQuery,
  BinnedRow,
  CustomRecordRow,
  InsertRecordsResult,
  NewAlertRow,
  NewProfileRow,
  ProfileKey,
  ProfileRow,
  Storage,
  StoredUser,
} from './types.js';

/** Alerts per INSERT statement (7 parameters each, under SQLite's and PostgreSQL's parameter limits). */
const ALERT_CHUNK = 1_000;

/** Options both backends take. */
export interface SqlStorageTuning {
  /** Tuning: binned queries read records directly below this many records per bin. Default: 20. */
  rollupMinRecordsPerBin?: number;
}

/** A window `[from, to)` narrowed to the seconds holding records, and about how many records it holds. */
export interface RollupRange {
  from: number;
  to: number;
  records: number;
}

/**
 * The `Storage` both backends share, written once on Kysely. A subclass says how its backend stores values
 * (booleans, dates, microsecond times, the insertion order of profiles, whether claims lock with `SKIP LOCKED`) and
 * implements only what really differs in SQL: schema and migrations, the record insert with its rollup upkeep, the
 * rollup sums, binning straight from the records, and retention.
 */
export abstract class SqlStorage implements Storage {
  abstract readonly kind: 'sqlite' | 'postgres';
  protected readonly minRecordsPerBin: number;

  constructor(tuning: SqlStorageTuning) {
    this.minRecordsPerBin = tuning.rollupMinRecordsPerBin ?? MIN_RECORDS_PER_BIN;
  }

  abstract init(): Promise<void>;
  abstract close(): Promise<void>;
  abstract insertCustomRecords(rows: CustomRecordRow[]): Promise<InsertRecordsResult>;
  abstract deleteRecordsBefore(cutoffMicros: number): Promise<number>;

  /** The query builder on the open database; throws before `init()` where the backend needs it. */
  protected abstract get db(): Kysely<Tables>;
  /** A boolean as a literal (SQLite `1`/`0`, so its partial indexes on `active = 1` still apply). */
  protected abstract bool(value: boolean): RawBuilder<Bool>;
  /** A date as the backend stores it. */
  protected abstract time(value: Date): Time;
  /** Epoch microseconds as the backend stores record and alert times. */
  protected abstract micros(value: number): Expression<MicrosTime>;
  /** Epoch microseconds of a record or alert time column. */
  protected abstract microsOf(column: 'created_at'): RawBuilder<Int8>;
  /** The column that orders profiles of the same `created_at` by insertion. */
  protected abstract readonly insertionOrder: 'rowid' | 'seq';
  /** Whether the claim of a due job locks its row `FOR UPDATE SKIP LOCKED` (several servers on one database). */
  protected abstract readonly skipLocked: boolean;
  /** Brings the rollup up to date with the stored records before it is read (SQLite folds lazily). */
  protected abstract catchUpRollup(): void;
  /**
   * Sums per (bin, metric) of the plan's rollup buckets and records. `metrics`: the metrics whose records to read,
   * or null for all of them.
   */
  protected abstract sumSegments(
    key: ProfileKey,
    plan: RollupSegment[],
    metrics: string[] | null,
  ): Promise<Map<number, Map<string, Sums>>>;
  /** The binned query over the records themselves (bins narrower than a second, or very many bins). */
  protected abstract binnedFromRecords(query: BinnedQuery, width: number): Promise<BinnedRow[]>;

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('user')
      .select((eb) => eb.fn.countAll<Int8>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertUser(user: StoredUser): Promise<void> {
    const now = this.time(new Date());
    await this.db
      .insertInto('user')
      .values({
        created_at: now,
        updated_at: now,
        active: this.bool(user.active),
        username: user.username,
        password_hash: user.passwordHash,
        permissions: JSON.stringify(user.permissions),
        group_permissions: JSON.stringify(user.groupPermissions),
        role: user.role,
        refresh_token: user.refreshToken,
        email: user.email,
      })
      .execute();
  }

  async getUser(username: string): Promise<StoredUser | null> {
    const r = await this.db
      .selectFrom('user')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async setRefreshToken(username: string, token: string | null): Promise<void> {
    await this.db
      .updateTable('user')
      .set({ refresh_token: token, updated_at: this.time(new Date()) })
      .where('username', '=', username)
      .execute();
  }

  async insertProfile(row: NewProfileRow): Promise<ProfileRow> {
    const now = this.time(new Date());
    const r = await this.db
      .insertInto('drift_profile')
      .values({
        uid: randomUUID(),
        created_at: now,
        updated_at: now,
        space: row.space,
        name: row.name,
        version: row.version,
        major: row.major,
        minor: row.minor,
        patch: row.patch,
        pre_tag: row.preTag,
        build_tag: row.buildTag,
        drift_type: row.driftType,
        profile: JSON.stringify(row.profile),
        scouter_version: row.scouterVersion,
        active: this.bool(row.active),
        schedule: row.schedule,
        next_run: this.time(row.nextRun),
        previous_run: this.time(row.previousRun),
        status: 'pending',
      })
      .returning(PROFILE_COLUMNS)
      .executeTakeFirstOrThrow();
    return toProfile(r);
  }

  async listVersions(
    space: string,
    name: string,
  ): Promise<Array<Pick<ProfileRow, 'major' | 'minor' | 'patch'>>> {
    return this.db
      .selectFrom('drift_profile')
      .select(['major', 'minor', 'patch'])
      .where('space', '=', space)
      .where('name', '=', name)
      .execute();
  }

  async getProfile(key: ProfileKey, driftType: string): Promise<ProfileRow | null> {
    const r = await this.profiles(key.space, key.name, key.version)
      .where('drift_type', '=', driftType)
      .limit(1)
      .executeTakeFirst();
    return r ? toProfile(r) : null;
  }

  async listProfiles(space: string, name: string, version?: string): Promise<ProfileRow[]> {
    return (await this.profiles(space, name, version).execute()).map(toProfile);
  }

  async listAllProfiles(): Promise<ProfileRow[]> {
    const rows = await this.db
      .selectFrom('drift_profile')
      .select(PROFILE_COLUMNS)
      .orderBy('space')
      .orderBy('name')
      .orderBy('created_at', 'desc')
      .orderBy(sql.ref(this.insertionOrder), 'desc')
      .execute();
    return rows.map(toProfile);
  }

  /** Profiles of (space, name), optionally one version, newest first. */
  private profiles(space: string, name: string, version: string | undefined) {
    return this.db
      .selectFrom('drift_profile')
      .select(PROFILE_COLUMNS)
      .where('space', '=', space)
      .where('name', '=', name)
      .$if(version !== undefined, (qb) => qb.where('version', '=', version!))
      .orderBy('created_at', 'desc')
      .orderBy(sql.ref(this.insertionOrder), 'desc');
  }

  async updateProfileJson(
    key: ProfileKey,
    driftType: string,
    profile: CustomDriftProfileJson,
  ): Promise<number> {
    const res = await this.db
      .updateTable('drift_profile')
      .set({ profile: JSON.stringify(profile), drift_type: driftType, updated_at: this.time(new Date()) })
      .where('space', '=', key.space)
      .where('name', '=', key.name)
      .where('version', '=', key.version)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  setProfileActive(key: ProfileKey, active: boolean, driftType: string | null): Promise<number> {
    return this.setActive(key, driftType, active, false);
  }

  deactivateOtherVersions(key: ProfileKey, driftType: string | null): Promise<number> {
    return this.setActive(key, driftType, false, true);
  }

  /** Sets `active` on the version of `key` or, with `others`, on the other versions still active. */
  private async setActive(
    key: ProfileKey,
    driftType: string | null,
    active: boolean,
    others: boolean,
  ): Promise<number> {
    const res = await this.db
      .updateTable('drift_profile')
      .set({ active: this.bool(active), updated_at: this.time(new Date()) })
      .where('space', '=', key.space)
      .where('name', '=', key.name)
      .where('version', others ? '<>' : '=', key.version)
      .$if(others, (qb) => qb.where('active', '=', this.bool(true)))
      .$if(driftType !== null, (qb) => qb.where('drift_type', '=', driftType!))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async binnedCustomMetrics(query: BinnedQuery): Promise<BinnedRow[]> {
    const width = binWidthToMicros(query.binWidthMicros);
    if (width >= MIN_ROLLUP_BIN) {
      const range = await this.rollupRange(query, query.sinceMicros, query.untilMicros);
      if (!range) return [];
      const bins = (floorTo(range.to - 1, width) - floorTo(range.from, width)) / width + 1;
      if (bins <= MAX_ROLLUP_BINS && range.records >= bins * this.minRecordsPerBin) {
        return toBinnedRows(await this.sumSegments(query, planRollup(range.from, range.to, width), null));
      }
    }
    return this.binnedFromRecords(query, width);
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
    const sums = (await this.sumSegments(key, planWindow(range.from, range.to), metrics)).get(0);
    for (const metric of metrics) {
      const m = sums?.get(metric);
      if (m) out[metric] = m.s / m.n;
    }
    return out;
  }

  /**
   * The half-open window `[from, to)` of `(after, until]` narrowed to the seconds holding records of the profile,
   * or null when it holds none. `records` counts the top-level buckets overlapping it, to pick the cheaper plan.
   * One statement of three scalar subqueries: each is a lone min(), max() or sum() that an index answers.
   */
  private async rollupRange(key: ProfileKey, after: number, until?: number): Promise<RollupRange | null> {
    this.catchUpRollup();
    const finest = ROLLUP_LEVELS[0]!;
    const top = ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1]!;
    const from = after + 1;
    const to = until === undefined ? Number.MAX_SAFE_INTEGER : until + 1;
    const buckets = (level: number) =>
      this.db
        .selectFrom('custom_drift_rollup')
        .where('space', '=', key.space)
        .where('name', '=', key.name)
        .where('version', '=', key.version)
        .where('level', '=', level)
        .where('bucket', '>=', floorTo(from, level))
        .where('bucket', '<', to);
    const row = await this.db
      .selectNoFrom([
        buckets(finest)
          .select((eb) => eb.fn.min<Int8 | null>('bucket').as('b'))
          .as('lo'),
        buckets(finest)
          .select((eb) => eb.fn.max<Int8 | null>('bucket').as('b'))
          .as('hi'),
        buckets(top)
          .select((eb) => eb.fn.coalesce(eb.fn.sum<Int8 | null>('n'), sql.lit(0)).as('n'))
          .as('records'),
      ])
      .executeTakeFirstOrThrow();
    if (row.lo === null || row.hi === null) return null;
    const range = {
      from: Math.max(from, Number(row.lo)),
      to: Math.min(to, Number(row.hi) + finest),
      records: Number(row.records),
    };
    return range.from < range.to ? range : null;
  }

  async claimDueJob(now: Date, staleBefore: Date): Promise<ProfileRow | null> {
    const t = this.time(now);
    const r = await this.db
      .updateTable('drift_profile')
      .set({ status: 'processing', processing_started_at: t, updated_at: t })
      .where('uid', '=', (eb) =>
        eb
          .selectFrom('drift_profile')
          .select('uid')
          .where('active', '=', this.bool(true))
          .where((w) =>
            w.or([
              w.and([w('status', '=', 'pending'), w('next_run', '<=', t)]),
              w.and([
                w('status', '=', 'processing'),
                w('processing_started_at', '<', this.time(staleBefore)),
              ]),
            ]),
          )
          .orderBy('next_run')
          .limit(1)
          .$if(this.skipLocked, (qb) => qb.forUpdate().skipLocked()),
      )
      .returning(PROFILE_COLUMNS)
      .executeTakeFirst();
    return r ? toProfile(r) : null;
  }

  async completeJob(uid: string, previousRun: Date, nextRun: Date): Promise<void> {
    await this.db
      .updateTable('drift_profile')
      .set({
        previous_run: this.time(previousRun),
        next_run: this.time(nextRun),
        status: 'pending',
        processing_started_at: null,
        updated_at: this.time(new Date()),
      })
      .where('uid', '=', uid)
      .execute();
  }

  async releaseJob(uid: string): Promise<void> {
    await this.db
      .updateTable('drift_profile')
      .set({ status: 'pending', processing_started_at: null, updated_at: this.time(new Date()) })
      .where('uid', '=', uid)
      .execute();
  }

  /**
   * One `INSERT … ON CONFLICT DO NOTHING RETURNING` per chunk, without a transaction around the chunks: a failed
   * call may have stored some chunks, and calling it again stores the rest (repeats are skipped by the unique key).
   */
  async insertAlerts(rows: NewAlertRow[]): Promise<AlertRow[]> {
    const out: AlertRow[] = [];
    for (let i = 0; i < rows.length; i += ALERT_CHUNK) {
      const stored = await this.db
        .insertInto('drift_alert')
        .values(
          rows.slice(i, i + ALERT_CHUNK).map((r) => ({
            created_at: this.micros(r.createdAtMicros),
            space: r.space,
            name: r.name,
            version: r.version,
            entity_name: r.entityName,
            alert: JSON.stringify(r.alert),
            drift_type: r.driftType,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .returning([...ALERT_COLUMNS, this.microsOf('created_at').as('created_at_us')])
        .execute();
      out.push(...stored.map(toAlert));
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async getAlerts(query: AlertQuery): Promise<AlertRow[]> {
    const rows = await this.alerts()
      .where('space', '=', query.space)
      .where('name', '=', query.name)
      .where('version', '=', query.version)
      .$if(query.limitDatetimeMicros !== undefined, (qb) =>
        qb.where('created_at', '>=', this.micros(query.limitDatetimeMicros!)),
      )
      .$if(query.activeOnly === true, (qb) => qb.where('active', '=', this.bool(true)))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .$if(query.limit !== undefined, (qb) => qb.limit(query.limit!))
      .execute();
    return rows.map(toAlert);
  }

  async updateAlertActive(id: number, active: boolean): Promise<AlertRow | null> {
    const r = await this.db
      .updateTable('drift_alert')
      .set({ active: this.bool(active), updated_at: this.time(new Date()) })
      .where('id', '=', id)
      .returning([...ALERT_COLUMNS, this.microsOf('created_at').as('created_at_us')])
      .executeTakeFirst();
    return r ? toAlert(r) : null;
  }

  async undispatchedAlerts(limit: number, sinceMicros: number): Promise<AlertRow[]> {
    const rows = await this.alerts()
      .where('dispatched', '=', this.bool(false))
      .where('created_at', '>=', this.micros(sinceMicros))
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toAlert);
  }

  async markAlertDispatch(id: number, delivered: boolean): Promise<void> {
    await this.db
      .updateTable('drift_alert')
      .set((eb) => ({ dispatch_attempts: eb('dispatch_attempts', '+', 1) }))
      .$if(delivered, (qb) => qb.set({ dispatched: this.bool(true) }))
      .where('id', '=', id)
      .execute();
  }

  private alerts() {
    return this.db
      .selectFrom('drift_alert')
      .select([...ALERT_COLUMNS, this.microsOf('created_at').as('created_at_us')]);
  }
}
