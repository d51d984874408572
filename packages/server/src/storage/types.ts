/**
 * The one storage interface of scouter-server. `SqliteStorage` (embedded default) and `PostgresStorage` implement it
 * and pass the same test suite (`storage-suite.ts`). Timestamps that must keep microseconds (record and alert
 * `created_at`) travel as integer microseconds since the Unix epoch; everything else as `Date`.
 */
import type { CustomDriftProfileJson } from '@scouter-ts/core';

/** A user as Scouter v0.13 stores it (`scouter.user`). */
export interface StoredUser {
  username: string;
  passwordHash: string;
  email: string;
  permissions: string[];
  groupPermissions: string[];
  role: string;
  active: boolean;
  refreshToken: string | null;
}

export type JobStatus = 'pending' | 'processing';

/** One row of `drift_profile`. `profile` is the bare profile JSON (no `{"Custom": …}` wrapper). */
export interface ProfileRow {
  uid: string;
  space: string;
  name: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  preTag: string | null;
  buildTag: string | null;
  driftType: string;
  profile: CustomDriftProfileJson;
  scouterVersion: string;
  active: boolean;
  schedule: string;
  nextRun: Date;
  previousRun: Date;
  status: JobStatus;
  processingStartedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewProfileRow = Omit<
  ProfileRow,
  'uid' | 'status' | 'processingStartedAt' | 'createdAt' | 'updatedAt'
>;

/** One custom-metric value as received in a `ServerRecords` envelope. */
export interface CustomRecordRow {
  createdAtMicros: number;
  space: string;
  name: string;
  version: string;
  metric: string;
  value: number;
}

export interface ProfileKey {
  space: string;
  name: string;
  version: string;
}

export interface BinnedQuery extends ProfileKey {
  /** Rows with `created_at > sinceMicros` (and `<= untilMicros` when given). */
  sinceMicros: number;
  untilMicros?: number;
  /** Bin width in microseconds; bins start at `floor(t / width) * width` (Postgres `date_bin` from the epoch). */
  binWidthMicros: number;
}

/** One (bin, metric) aggregate. `stddev` is the sample standard deviation, `null` for a single value. */
export interface BinnedRow {
  binStartMicros: number;
  metric: string;
  avg: number;
  stddev: number | null;
}

/** The alert map Scouter stores (`BTreeMap<String, String>`, values formatted as Rust `f64` Display). */
export type AlertMap = Record<string, string>;

export interface NewAlertRow extends ProfileKey {
  entityName: string;
  alert: AlertMap;
  driftType: string;
  createdAtMicros: number;
}

export interface AlertRow extends NewAlertRow {
  id: number;
  active: boolean;
  updatedAt: Date | null;
  /** Internal: whether the dispatcher delivered it (not part of Scouter's JSON). */
  dispatched: boolean;
  dispatchAttempts: number;
}

export interface AlertQuery extends ProfileKey {
  limitDatetimeMicros?: number;
  activeOnly?: boolean;
  limit?: number;
}

export interface InsertRecordsResult {
  /** Rows written now. */
  inserted: number;
  /** Rows that were already stored (same created_at, space, name, version, metric and value): idempotent retries. */
  duplicates: number;
}

export interface Storage {
  /** Creates tables / runs migrations. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'sqlite' | 'postgres';

  countUsers(): Promise<number>;
  insertUser(user: StoredUser): Promise<void>;
  getUser(username: string): Promise<StoredUser | null>;
  setRefreshToken(username: string, token: string | null): Promise<void>;

  insertProfile(row: NewProfileRow): Promise<ProfileRow>;
  /** Versions registered for (space, name), any drift type: the input of Scouter's version resolution. */
  listVersions(space: string, name: string): Promise<Array<Pick<ProfileRow, 'major' | 'minor' | 'patch'>>>;
  getProfile(key: ProfileKey, driftType: string): Promise<ProfileRow | null>;
  /** All rows for (space, name), optionally one version, newest first. */
  listProfiles(space: string, name: string, version?: string): Promise<ProfileRow[]>;
  /** Every profile of every space, ordered by space, name, then newest first (the dashboard's model list). */
  listAllProfiles(): Promise<ProfileRow[]>;
  /** `UPDATE … SET profile, drift_type` by (space, name, version); returns the number of rows changed. */
  updateProfileJson(key: ProfileKey, driftType: string, profile: CustomDriftProfileJson): Promise<number>;
  setProfileActive(key: ProfileKey, active: boolean, driftType: string | null): Promise<number>;
  /** Deactivates the other versions of (space, name) (same drift type when given). Scouter's intended behaviour. */
  deactivateOtherVersions(key: ProfileKey, driftType: string | null): Promise<number>;

  insertCustomRecords(rows: CustomRecordRow[]): Promise<InsertRecordsResult>;
  binnedCustomMetrics(query: BinnedQuery): Promise<BinnedRow[]>;
  /** Mean of `value` per metric over rows with `created_at > afterMicros` (and `<= untilMicros` when given). */
  customMetricMeans(
    key: ProfileKey,
    metrics: string[],
    afterMicros: number,
    untilMicros?: number,
  ): Promise<Record<string, number>>;
  /** Deletes custom records older than the cutoff; returns how many. */
  deleteRecordsBefore(cutoffMicros: number): Promise<number>;

  /**
   * Atomically claims at most one due job: an active profile with `next_run <= now` and status `pending`, or one stuck
   * in `processing` since before `staleBefore`. Sets it to `processing`. With Postgres: `FOR UPDATE SKIP LOCKED`, so
   * several server instances never claim the same job.
   */
  claimDueJob(now: Date, staleBefore: Date): Promise<ProfileRow | null>;
  /** Marks a claimed job done: `previous_run`, `next_run`, status back to `pending`. */
  completeJob(uid: string, previousRun: Date, nextRun: Date): Promise<void>;
  /** Puts a claimed job back to `pending` without moving its run dates (after a failure). */
  releaseJob(uid: string): Promise<void>;

  insertAlerts(rows: NewAlertRow[]): Promise<AlertRow[]>;
  getAlerts(query: AlertQuery): Promise<AlertRow[]>;
  /** Returns the updated row, or null when the id does not exist. */
  updateAlertActive(id: number, active: boolean): Promise<AlertRow | null>;
  /** Alerts not yet delivered by the dispatcher and created at or after `sinceMicros`, oldest first. */
  undispatchedAlerts(limit: number, sinceMicros: number): Promise<AlertRow[]>;
  markAlertDispatch(id: number, delivered: boolean): Promise<void>;
}
