import { z } from 'zod';
import { parseOptions } from '../options.js';
import { formatTimestampMicros, tryParseTimestampMicros } from '../wire/timestamps.js';
import { InvalidOptionsError } from '../errors.js';
import { formatRustF64 } from '../profile/rust-f64.js';
import { timeIntervalJson } from '../wire/schemas.js';
import { timeIntervalV025Json } from '../wire/schemas-v025.js';
import type {
  AlertV025Json,
  DriftAlertPaginationRequestJson,
  DriftRequestV025Query,
} from '../wire/schemas-v025.js';
import type {
  AlertJson,
  BinnedMetricsJson,
  DriftAlertRequestQuery,
  DriftRequestQuery,
  GetProfileRequestQuery,
  ListProfilesRequestJson,
  ProfileStatusRequestJson,
  UpdateAlertStatusJson,
} from '../wire/schemas.js';

/**
 * Typed requests of `ScouterClient`, mirroring Python's `DriftRequest`, `ProfileStatusRequest`, `GetProfileRequest`
 * and `DriftAlertRequest` with camelCase fields. Each is validated with zod and turned into the exact wire form
 * (snake_case, Scouter's field order).
 */

const nonEmpty = (example: string) =>
  z
    .string({ error: () => `must be a string, e.g. "${example}"` })
    .min(1, `must not be empty, e.g. "${example}"`);

const identity = {
  /** Model space. */
  space: nonEmpty('scouter'),
  /** Model name. */
  name: nonEmpty('model'),
  /** Model version as registered (the version `registerProfile` wrote back into the profile). */
  version: nonEmpty('1.0.0'),
};

const customOnly = z.literal('Custom', {
  error: () => 'must be "Custom" (only custom profiles are supported)',
});

const dateInput = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const micros =
    value instanceof Date
      ? Number.isNaN(value.getTime())
        ? null
        : value.getTime() * 1000
      : tryParseTimestampMicros(value);
  if (micros === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a valid Date or an RFC 3339 string with an offset' });
    return z.NEVER;
  }
  return micros;
});

/** Options of `ScouterClient.getProfile` / `downloadProfile` (Python `GetProfileRequest`). */
export const getProfileRequestSchema = z.object({
  ...identity,
  /** Drift type; only `'Custom'`. Default `'Custom'`. */
  driftType: customOnly.default('Custom'),
});
/** Input of `getProfile` / `downloadProfile`. */
export type GetProfileRequest = z.input<typeof getProfileRequestSchema>;

/** Options of `ScouterClient.updateProfileStatus` (Python `ProfileStatusRequest`). */
export const profileStatusRequestSchema = z.object({
  ...identity,
  /** Whether the profile should be checked for drift. Default false. */
  active: z.boolean().default(false),
  /** Drift type filter; `null` matches any. Default `'Custom'`. */
  driftType: customOnly.nullable().default('Custom'),
  /** Also deactivate the model's other versions (when activating). Default false. */
  deactivateOthers: z.boolean().default(false),
});
/** Input of `updateProfileStatus`. */
export type ProfileStatusRequest = z.input<typeof profileStatusRequestSchema>;

/** Options of `ScouterClient.listProfiles` (`POST /scouter/profiles`). */
export const listProfilesRequestSchema = z.object(identity);
/** Input of `listProfiles`. */
export type ListProfilesRequest = z.input<typeof listProfilesRequestSchema>;

/** Options of `ScouterClient.getBinnedDrift` (Python `DriftRequest`). */
export const driftRequestSchema = z
  .object({
    ...identity,
    /**
     * Window to read, a `TimeInterval` name such as `TimeInterval.OneHour` (v0.13's names; with protocol v0.25 one of
     * `FifteenMinutes, ThirtyMinutes, OneHour, FourHours, SixHours, TwelveHours, TwentyFourHours, SevenDays, Custom`).
     * Required.
     */
    timeInterval: z.union([timeIntervalJson, timeIntervalV025Json]),
    /** Entity uid (protocol v0.25 only); default: read from the stored profile (`GET /scouter/profile`). */
    uid: z.string().min(1, 'must be a non-empty uid').optional(),
    /** Number of bins the window is divided into (bin width = interval / maxDataPoints). Required. */
    maxDataPoints: z
      .number()
      .int('must be a whole number')
      .positive('must be >= 1 (0 makes Scouter fail with 500)'),
    /** Drift type; only `'Custom'`. Default `'Custom'`. */
    driftType: customOnly.default('Custom'),
    /** Start of a custom range (with `endDatetime`). Default none. */
    beginDatetime: dateInput.optional(),
    /** End of a custom range (with `beginDatetime`). Default none. */
    endDatetime: dateInput.optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.beginDatetime === undefined) !== (value.endDatetime === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [value.beginDatetime === undefined ? 'beginDatetime' : 'endDatetime'],
        message: 'beginDatetime and endDatetime must be given together',
      });
    } else if (
      value.beginDatetime !== undefined &&
      value.endDatetime !== undefined &&
      value.beginDatetime >= value.endDatetime
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['beginDatetime'],
        message: 'Start time must be before end time',
      });
    }
  });
/** Input of `getBinnedDrift`. */
export type DriftRequest = z.input<typeof driftRequestSchema>;

/** Options of `ScouterClient.getAlerts` (Python `DriftAlertRequest`). */
export const driftAlertRequestSchema = z.object({
  ...identity,
  /** `true` returns only active alerts; `false` returns all (sent as `active=false`, as Python). Default false. */
  active: z.boolean().default(false),
  /** Only alerts created at or after this time. Default none. */
  limitDatetime: dateInput.optional(),
  /** At most this many alerts (newest first). Default none (all). */
  limit: z.number().int('must be a whole number').positive('must be >= 1').optional(),
});
/** Input of `getAlerts`. */
export type DriftAlertRequest = z.input<typeof driftAlertRequestSchema>;

/** Options of `ScouterClient.updateAlertStatus` (`PUT /scouter/alerts`). */
export const updateAlertStatusSchema = z.object({
  /** Alert id (from `getAlerts`). */
  id: z.number().int('must be an integer alert id'),
  /** New state: `false` acknowledges/deactivates the alert. */
  active: z.boolean(),
  /** Space of the alert's model (required by Scouter, unused). */
  space: nonEmpty('scouter'),
});
/** Input of `updateAlertStatus`. */
export type UpdateAlertStatus = z.input<typeof updateAlertStatusSchema>;

/** `GET /scouter/profile` query, in serde_qs order. */
export function toGetProfileQuery(request: GetProfileRequest): GetProfileRequestQuery {
  const r = parseOptions(getProfileRequestSchema, request, 'GetProfileRequest');
  return { name: r.name, space: r.space, version: r.version, drift_type: r.driftType };
}

/** `PUT /scouter/profile/status` body, in Scouter's field order. */
export function toProfileStatusBody(request: ProfileStatusRequest): ProfileStatusRequestJson {
  const r = parseOptions(profileStatusRequestSchema, request, 'ProfileStatusRequest');
  return {
    name: r.name,
    space: r.space,
    version: r.version,
    active: r.active,
    drift_type: r.driftType,
    deactivate_others: r.deactivateOthers,
  };
}

/** `POST /scouter/profiles` body. */
export function toListProfilesBody(request: ListProfilesRequest): ListProfilesRequestJson {
  const r = parseOptions(listProfilesRequestSchema, request, 'ListProfilesRequest');
  return { space: r.space, name: r.name, version: r.version };
}

function intervalFor<T extends string>(interval: string, names: readonly T[], protocol: string): T {
  if ((names as readonly string[]).includes(interval)) return interval as T;
  throw new InvalidOptionsError(
    `DriftRequest timeInterval ${JSON.stringify(interval)} does not exist in Scouter ${protocol}: use one of ${names.join(', ')}`,
  );
}

/** `GET /scouter/drift/custom` query, in serde_qs order; the custom range only when given. */
export function toDriftQuery(request: DriftRequest): DriftRequestQuery {
  const r = parseOptions(driftRequestSchema, request, 'DriftRequest');
  const query: DriftRequestQuery = {
    space: r.space,
    name: r.name,
    version: r.version,
    time_interval: intervalFor(r.timeInterval, timeIntervalJson.options, 'v0.13'),
    max_data_points: r.maxDataPoints,
    drift_type: r.driftType,
  };
  if (r.beginDatetime !== undefined) query.begin_custom_datetime = formatTimestampMicros(r.beginDatetime);
  if (r.endDatetime !== undefined) query.end_custom_datetime = formatTimestampMicros(r.endDatetime);
  return query;
}

/** The v0.25 `GET /scouter/drift/custom` query (`DriftRequest` by uid, serde_qs order); `uid` resolved by the caller. */
export function toDriftQueryV025(request: DriftRequest, uid: string): DriftRequestV025Query {
  const r = parseOptions(driftRequestSchema, request, 'DriftRequest');
  const query: DriftRequestV025Query = {
    uid,
    space: r.space,
    time_interval: intervalFor(r.timeInterval, timeIntervalV025Json.options, 'v0.25'),
    max_data_points: r.maxDataPoints,
  };
  if (r.beginDatetime !== undefined) query.start_custom_datetime = formatTimestampMicros(r.beginDatetime);
  if (r.endDatetime !== undefined) query.end_custom_datetime = formatTimestampMicros(r.endDatetime);
  return query;
}

/**
 * The v0.25 `POST /scouter/alerts` body for one page: `active: false` (all alerts) is sent as null, since v0.25
 * reads false as "inactive only"; `limitDatetime` becomes `start_datetime`.
 */
export function toAlertsPageBody(
  request: DriftAlertRequest,
  uid: string,
  cursor: { created_at: string; id: number } | null,
  limit: number,
): DriftAlertPaginationRequestJson {
  const r = parseOptions(driftAlertRequestSchema, request, 'DriftAlertRequest');
  return {
    uid,
    active: r.active ? true : null,
    limit,
    cursor_created_at: cursor?.created_at ?? null,
    cursor_id: cursor?.id ?? null,
    direction: 'next',
    start_datetime: r.limitDatetime === undefined ? null : formatTimestampMicros(r.limitDatetime),
    end_datetime: null,
  };
}

/** `GET /scouter/alerts` query, in serde_qs order (`name, space, version, limit_datetime, active, limit`). */
export function toAlertsQuery(request: DriftAlertRequest): DriftAlertRequestQuery {
  const r = parseOptions(driftAlertRequestSchema, request, 'DriftAlertRequest');
  const query: DriftAlertRequestQuery = { name: r.name, space: r.space, version: r.version };
  if (r.limitDatetime !== undefined) query.limit_datetime = formatTimestampMicros(r.limitDatetime);
  query.active = r.active;
  if (r.limit !== undefined) query.limit = r.limit;
  return query;
}

/** `PUT /scouter/alerts` body. */
export function toUpdateAlertBody(request: UpdateAlertStatus): UpdateAlertStatusJson {
  const r = parseOptions(updateAlertStatusSchema, request, 'UpdateAlertStatus');
  return { id: r.id, active: r.active, space: r.space };
}

/** Statistics of one bin. */
export interface BinnedMetricStats {
  /** Mean of the values in the bin. */
  avg: number;
  /** `avg - stddev` (sample standard deviation; `avg` for a single value). */
  lowerBound: number;
  /** `avg + stddev`. */
  upperBound: number;
}

/** One metric's binned series, newest bin first (Python `BinnedMetric`). */
export interface BinnedMetric {
  /** Metric name. */
  metric: string;
  /** Bin start times, newest first (millisecond precision; see `createdAtText` for the exact strings). */
  createdAt: Date[];
  /** Bin start times exactly as the server wrote them. */
  createdAtText: string[];
  /** One entry per bin, aligned with `createdAt`. */
  stats: BinnedMetricStats[];
}

/** Server timestamp as a `Date` (Invalid Date when unparseable; the text is kept alongside). */
function toDate(text: string): Date {
  const micros = tryParseTimestampMicros(text);
  return new Date(micros === null ? Number.NaN : Math.floor(micros / 1000));
}

/** Result of `getBinnedDrift` (Python `BinnedMetrics`): `metrics[name]`, `get(name)` and the raw wire JSON. */
export class BinnedMetrics {
  /** Metric name -> series (every metric the server has data for). */
  readonly metrics: Record<string, BinnedMetric>;
  /** The response exactly as received (snake_case). */
  readonly json: BinnedMetricsJson;

  constructor(json: BinnedMetricsJson) {
    this.json = json;
    const metrics: Record<string, BinnedMetric> = {};
    for (const [name, series] of Object.entries(json.metrics)) {
      Object.defineProperty(metrics, name, {
        value: {
          metric: series.metric,
          createdAt: series.created_at.map(toDate),
          createdAtText: [...series.created_at],
          stats: series.stats.map((s) => ({
            avg: s.avg,
            lowerBound: s.lower_bound,
            upperBound: s.upper_bound,
          })),
        },
        enumerable: true,
        writable: false,
      });
    }
    this.metrics = metrics;
  }

  /** The series of one metric, or `undefined` when the server has no data for it. */
  get(name: string): BinnedMetric | undefined {
    return Object.hasOwn(this.metrics, name) ? this.metrics[name] : undefined;
  }

  /** Names of the metrics with data. */
  get names(): string[] {
    return Object.keys(this.metrics);
  }
}

/** One drift alert (Python `Alert`), camelCase with `createdAt` as a `Date`. */
export interface Alert {
  /** Alert id (for `updateAlertStatus`). */
  id: number;
  /** When the drift job filed the alert. */
  createdAt: Date;
  /** `created_at` exactly as the server wrote it (microseconds). */
  createdAtText: string;
  /** Model space. */
  space: string;
  /** Model name. */
  name: string;
  /** Model version. */
  version: string;
  /** The metric that drifted. */
  entityName: string;
  /** Scouter's alert map: `entity_name`, `training_metric_value`, `observed_metric_value`, `alert_threshold_value`, `alert_threshold` (Rust f64 Display strings). */
  alert: Record<string, string>;
  /** `'Custom'`. */
  driftType: string;
  /** Whether the alert is still active (not acknowledged). */
  active: boolean;
}

/** Converts one wire alert into an `Alert`. */
export function toAlert(json: AlertJson): Alert {
  return {
    id: json.id,
    createdAt: toDate(json.created_at),
    createdAtText: json.created_at,
    space: json.space,
    name: json.name,
    version: json.version,
    entityName: json.entity_name,
    alert: json.alert,
    driftType: json.drift_type,
    active: json.active,
  };
}

/** Converts one v0.25 alert into an `Alert`: the profile's identity from the request, the typed alert as v0.13's map. */
export function toAlertFromV025(
  json: AlertV025Json,
  key: { space: string; name: string; version: string },
): Alert {
  const a = json.alert.Custom;
  return {
    id: json.id,
    createdAt: toDate(json.created_at),
    createdAtText: json.created_at,
    ...key,
    entityName: json.entity_name,
    alert: {
      alert_threshold: a.alert_threshold,
      alert_threshold_value: a.delta === null ? 'None' : formatRustF64(a.delta),
      entity_name: a.metric_name,
      observed_metric_value: formatRustF64(a.observed_value),
      training_metric_value: formatRustF64(a.baseline_value),
    },
    driftType: 'Custom',
    active: json.active,
  };
}
