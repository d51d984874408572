import { z } from 'zod';
import {
  alertThresholdJson,
  customDriftProfileJson,
  customMetricAlertConditionJson,
  customMetricAlertConfigJson,
  customMetricDriftConfigJson,
  profileRequestJson,
  registeredProfileResponseJson,
  versionRequestJson,
  type CustomMetricAlertConfigJson,
  type CustomMetricDriftConfigJson,
} from './schemas.js';

/**
 * zod schemas for the JSON shapes Scouter v0.25 (the newest release; the same shapes since v0.14) uses where they
 * differ from v0.13, custom-metric subset. docs/compatibility.md lists every difference, field by field.
 */

/** `AlertCondition` of a v0.25 profile: the margin is `delta` (null: compare with the baseline itself). */
export const alertConditionV025Json = z.object({
  baseline_value: z.number(),
  alert_threshold: alertThresholdJson,
  delta: z.number().nullable().default(null),
});

/**
 * A profile's alert condition in either dialect: v0.13's `{alert_threshold, alert_threshold_value}` or v0.25's
 * `{baseline_value, alert_threshold, delta}`. A v0.25 `delta` is read as the threshold value, and `baseline_value`
 * and `delta` are kept, so the result is *bilingual*: both versions' serde read it.
 */
export const anyAlertConditionJson = z.preprocess(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    'baseline_value' in value &&
    !('alert_threshold_value' in value)
      ? { ...value, alert_threshold_value: (value as { delta?: unknown }).delta ?? null }
      : value,
  customMetricAlertConditionJson.extend({
    baseline_value: z.number().optional(),
    delta: z.number().nullable().optional(),
  }),
);

/** `CustomMetricDriftConfig` in either dialect (`uid` kept when present). */
export const anyCustomMetricDriftConfigJson = customMetricDriftConfigJson.extend({
  uid: z.string().optional(),
  alert_config: customMetricAlertConfigJson.extend({
    alert_conditions: z.record(z.string(), anyAlertConditionJson).nullable().default(null),
  }),
});

/** `CustomDriftProfile` in either dialect (bare). */
export const anyCustomDriftProfileJson = customDriftProfileJson.extend({
  config: anyCustomMetricDriftConfigJson,
});

/** True when a profile read with `anyCustomDriftProfileJson` was written in the v0.25 dialect. */
export function isV025Profile(profile: AnyCustomDriftProfileJson): boolean {
  if (profile.config.uid !== undefined) return true;
  return Object.values(profile.config.alert_config.alert_conditions ?? {}).some(
    (c) => c.baseline_value !== undefined,
  );
}

/** `CustomMetricRecord` of v0.25: the profile is named by its entity `uid`; clients send `entity_id: 0`. */
export const customMetricRecordV025Json = z.object({
  created_at: z.string(),
  uid: z.string(),
  metric: z.string(),
  value: z.number(),
  entity_id: z.number().int(),
});

/** `{"Custom": CustomMetricRecord}` (v0.25). */
export const customServerRecordV025Json = z.strictObject({ Custom: customMetricRecordV025Json });

/** `ServerRecords` of v0.25. */
export const serverRecordsV025Json = z.object({ records: z.array(customServerRecordV025Json) });

/** Body of `POST`/`PUT /scouter/profile` in v0.25: `version_request` may be null (then 400 on registration). */
export const profileRequestV025Json = profileRequestJson.extend({
  version_request: versionRequestJson.nullable().default(null),
});

/** Response of `POST /scouter/profile` in v0.25: adds the entity `uid`. */
export const registeredProfileResponseV025Json = registeredProfileResponseJson.extend({ uid: z.string() });

/** v0.25's `TimeInterval` names; `Custom` needs `start_custom_datetime` and `end_custom_datetime`. */
export const timeIntervalV025Json = z.enum([
  'FifteenMinutes',
  'ThirtyMinutes',
  'OneHour',
  'FourHours',
  'SixHours',
  'TwelveHours',
  'TwentyFourHours',
  'SevenDays',
  'Custom',
]);

/** Length of each v0.25 `TimeInterval` in minutes (`Custom`: 0, the range decides). */
export const TimeIntervalV025Minutes: Readonly<Record<z.output<typeof timeIntervalV025Json>, number>> = {
  FifteenMinutes: 15,
  ThirtyMinutes: 30,
  OneHour: 60,
  FourHours: 240,
  SixHours: 360,
  TwelveHours: 720,
  TwentyFourHours: 1440,
  SevenDays: 10080,
  Custom: 0,
};

const queryInt = z
  .union([z.number(), z.string().regex(/^-?\d+$/, 'expected an integer')])
  .transform((v) => Number(v))
  .pipe(z.number().int());

/** Query of `GET /scouter/drift/custom` in v0.25 (`DriftRequest`), in serde_qs order. */
export const driftRequestV025Query = z.object({
  uid: z.string(),
  space: z.string(),
  time_interval: timeIntervalV025Json,
  max_data_points: queryInt,
  start_custom_datetime: z.string().optional(),
  end_custom_datetime: z.string().optional(),
});

/** Body of `POST /scouter/alerts` (`DriftAlertPaginationRequest`); every field but `uid` may be null or missing. */
export const driftAlertPaginationRequestJson = z.object({
  uid: z.string(),
  active: z.boolean().nullish(),
  limit: z.number().int().nullish(),
  cursor_created_at: z.string().nullish(),
  cursor_id: z.number().int().nullish(),
  direction: z.enum(['next', 'previous']).nullish(),
  start_datetime: z.string().nullish(),
  end_datetime: z.string().nullish(),
});

/** `RecordCursor`: where a page of alerts ends. */
export const recordCursorJson = z.object({ created_at: z.string(), id: z.number().int() });

/** `ComparisonMetricAlert`: one custom metric's alert in v0.25. */
export const comparisonMetricAlertJson = z.object({
  metric_name: z.string(),
  baseline_value: z.number(),
  observed_value: z.number(),
  delta: z.number().nullable(),
  alert_threshold: alertThresholdJson,
});

/** One stored alert in v0.25; `alert` is the tagged `AlertMap` (`{"Custom": …}` for custom metrics). */
export const alertV025Json = z.object({
  created_at: z.string(),
  entity_name: z.string(),
  alert: z.object({ Custom: comparisonMetricAlertJson }),
  id: z.number().int(),
  active: z.boolean(),
});

/** Response of `POST /scouter/alerts` (`DriftAlertPaginationResponse`). */
export const driftAlertPaginationResponseJson = z.object({
  items: z.array(alertV025Json),
  has_next: z.boolean(),
  next_cursor: recordCursorJson.nullable(),
  has_previous: z.boolean(),
  previous_cursor: recordCursorJson.nullable(),
});

/** A custom profile exactly as Scouter v0.25 writes it (`config.uid`, v0.25 conditions). */
export interface CustomDriftProfileV025Json {
  config: Omit<CustomMetricDriftConfigJson, 'alert_config'> & {
    uid: string;
    alert_config: Omit<CustomMetricAlertConfigJson, 'alert_conditions'> & {
      alert_conditions: Record<string, AlertConditionV025Json> | null;
    };
  };
  metrics: Record<string, number>;
  scouter_version: string;
}
/** A profile read in either dialect. */
export type AnyCustomDriftProfileJson = z.output<typeof anyCustomDriftProfileJson>;
/** A config read in either dialect. */
export type AnyCustomMetricDriftConfigJson = z.output<typeof anyCustomMetricDriftConfigJson>;
/** An alert condition read in either dialect. */
export type AnyAlertConditionJson = z.output<typeof anyAlertConditionJson>;
/** v0.25 `AlertCondition`. */
export type AlertConditionV025Json = z.output<typeof alertConditionV025Json>;
/** v0.25 `CustomMetricRecord`. */
export type CustomMetricRecordV025Json = z.output<typeof customMetricRecordV025Json>;
/** v0.25 `ServerRecords`. */
export type ServerRecordsV025Json = z.output<typeof serverRecordsV025Json>;
/** v0.25 `ProfileRequest`. */
export type ProfileRequestV025Json = z.output<typeof profileRequestV025Json>;
/** v0.25 `RegisteredProfileResponse`. */
export type RegisteredProfileResponseV025Json = z.output<typeof registeredProfileResponseV025Json>;
/** v0.25 `TimeInterval` name. */
export type TimeIntervalV025Name = z.output<typeof timeIntervalV025Json>;
/** v0.25 `DriftRequest` query. */
export type DriftRequestV025Query = z.output<typeof driftRequestV025Query>;
/** `DriftAlertPaginationRequest`. */
export type DriftAlertPaginationRequestJson = z.output<typeof driftAlertPaginationRequestJson>;
/** `RecordCursor`. */
export type RecordCursorJson = z.output<typeof recordCursorJson>;
/** v0.25 `Alert`. */
export type AlertV025Json = z.output<typeof alertV025Json>;
/** `DriftAlertPaginationResponse`. */
export type DriftAlertPaginationResponseJson = z.output<typeof driftAlertPaginationResponseJson>;
