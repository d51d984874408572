/**
 * The tables both backends share, typed for Kysely, and the decoding of their rows into the `Storage` types. A
 * column holds what its backend stores: SQLite integers (booleans 0/1, dates in ms, record and alert times in µs) and
 * JSON text; PostgreSQL booleans, `timestamptz`, `json`/`jsonb` (parsed by `pg`) and `int8` (read as strings).
 */
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CustomDriftProfileJson } from '@scouter-ts/core';
import type { AlertMap, AlertRow, JobStatus, ProfileRow, StoredUser } from './types.js';

/** SQLite `INTEGER` 0/1 or PostgreSQL `boolean`. */
export type Bool = number | boolean;
/** SQLite epoch milliseconds or PostgreSQL `timestamptz`. */
export type Time = number | Date;
/** SQLite epoch microseconds or PostgreSQL `timestamptz`: read through `SqlStorage.microsOf`. */
export type MicrosTime = number | Date;
/** SQLite JSON text or what `pg` parsed; written as JSON text on both. */
export type Json = ColumnType<unknown, string, string>;
/** SQLite integer or PostgreSQL `int8` (a string when read). */
export type Int8 = number | string;

export interface UserTable {
  id: Generated<number>;
  created_at: Time;
  updated_at: Time;
  active: Bool;
  username: string;
  password_hash: string;
  permissions: Json;
  group_permissions: Json;
  role: string;
  refresh_token: string | null;
  email: string;
}

export interface DriftProfileTable {
  uid: string;
  created_at: Time;
  updated_at: Time;
  space: string;
  name: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  pre_tag: string | null;
  build_tag: string | null;
  drift_type: string;
  profile: Json;
  scouter_version: string;
  active: Bool;
  schedule: string;
  next_run: Time;
  previous_run: Time;
  status: string;
  processing_started_at: Time | null;
}

export interface CustomDriftTable {
  space: string;
  name: string;
  version: string;
  metric: string;
  created_at: MicrosTime;
  value: number;
}

export interface CustomDriftRollupTable {
  space: string;
  name: string;
  version: string;
  level: Int8;
  bucket: Int8;
  metric: string;
  n: Int8;
  s: number;
  ss: number;
}

export interface DriftAlertTable {
  id: Generated<Int8>;
  created_at: MicrosTime;
  space: string;
  name: string;
  version: string;
  entity_name: string;
  alert: Json;
  drift_type: string;
  active: Generated<Bool>;
  updated_at: Time | null;
  dispatched: Generated<Bool>;
  dispatch_attempts: Generated<number>;
}

/** Table names as in both schemas (PostgreSQL: in schema `scouter`, through `withSchema`). */
export interface Tables {
  user: UserTable;
  drift_profile: DriftProfileTable;
  custom_drift: CustomDriftTable;
  custom_drift_rollup: CustomDriftRollupTable;
  drift_alert: DriftAlertTable;
}

export const PROFILE_COLUMNS = [
  'uid',
  'space',
  'name',
  'version',
  'major',
  'minor',
  'patch',
  'pre_tag',
  'build_tag',
  'drift_type',
  'profile',
  'scouter_version',
  'active',
  'schedule',
  'next_run',
  'previous_run',
  'status',
  'processing_started_at',
  'created_at',
  'updated_at',
] as const;

/** Alert columns read directly; `created_at` is read as `created_at_us` through `microsOf`. */
export const ALERT_COLUMNS = [
  'id',
  'space',
  'name',
  'version',
  'entity_name',
  'alert',
  'drift_type',
  'active',
  'updated_at',
  'dispatched',
  'dispatch_attempts',
] as const;

export type ProfileRecord = Pick<Selectable<DriftProfileTable>, (typeof PROFILE_COLUMNS)[number]>;
export type AlertRecord = Pick<Selectable<DriftAlertTable>, (typeof ALERT_COLUMNS)[number]> & {
  created_at_us: Int8;
};

function toBool(v: Bool): boolean {
  return v === true || v === 1;
}

function toDate(v: Time): Date {
  return v instanceof Date ? v : new Date(v);
}

function toJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function toUser(r: Selectable<UserTable>): StoredUser {
  return {
    username: r.username,
    passwordHash: r.password_hash,
    email: r.email,
    permissions: toJson<string[]>(r.permissions),
    groupPermissions: toJson<string[]>(r.group_permissions),
    role: r.role,
    active: toBool(r.active),
    refreshToken: r.refresh_token,
  };
}

export function toProfile(r: ProfileRecord): ProfileRow {
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
    profile: toJson<CustomDriftProfileJson>(r.profile),
    scouterVersion: r.scouter_version,
    active: toBool(r.active),
    schedule: r.schedule,
    nextRun: toDate(r.next_run),
    previousRun: toDate(r.previous_run),
    status: r.status as JobStatus,
    processingStartedAt: r.processing_started_at === null ? null : toDate(r.processing_started_at),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export function toAlert(r: AlertRecord): AlertRow {
  return {
    id: Number(r.id),
    createdAtMicros: Number(r.created_at_us),
    space: r.space,
    name: r.name,
    version: r.version,
    entityName: r.entity_name,
    alert: toJson<AlertMap>(r.alert),
    driftType: r.drift_type,
    active: toBool(r.active),
    updatedAt: r.updated_at === null ? null : toDate(r.updated_at),
    dispatched: toBool(r.dispatched),
    dispatchAttempts: r.dispatch_attempts,
  };
}
