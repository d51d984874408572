import { z } from 'zod';

/**
 * zod schemas for every JSON shape exchanged with a Scouter v0.13 server (custom-metric subset),
 * field for field as in the protocol reference. Objects strip unknown fields, like serde.
 */

/** `"Below" | "Above" | "Outside"` (case-sensitive, as serde). */
export const alertThresholdJson = z.enum(['Below', 'Above', 'Outside']);

/** `"Spc" | "Psi" | "Custom" | "LLM"`. */
export const driftTypeJson = z.enum(['Spc', 'Psi', 'Custom', 'LLM']);

/** `CustomMetricAlertCondition`; a missing threshold value reads as null. */
export const customMetricAlertConditionJson = z.object({
  alert_threshold: alertThresholdJson,
  alert_threshold_value: z.number().nullable().default(null),
});

/** `{"Console": {"enabled": bool}}`. */
export const consoleDispatchJson = z.strictObject({ Console: z.object({ enabled: z.boolean() }) });
/** `{"Slack": {"channel": string}}`. */
export const slackDispatchJson = z.strictObject({ Slack: z.object({ channel: z.string() }) });
/** `{"OpsGenie": {"team": string, "priority": string}}`. */
export const opsGenieDispatchJson = z.strictObject({
  OpsGenie: z.object({ team: z.string(), priority: z.string() }),
});

/** `AlertDispatchConfig`, externally tagged: exactly one of Console, Slack, OpsGenie. */
export const alertDispatchConfigJson = z.union(
  [consoleDispatchJson, slackDispatchJson, opsGenieDispatchJson],
  {
    error: () =>
      'expected exactly one of {"Console": {"enabled": true}}, {"Slack": {"channel": "<channel>"}} or ' +
      '{"OpsGenie": {"team": "<team>", "priority": "P5"}}',
  },
);

/** `CustomMetricAlertConfig`. */
export const customMetricAlertConfigJson = z.object({
  dispatch_config: alertDispatchConfigJson,
  schedule: z.string(),
  alert_conditions: z.record(z.string(), customMetricAlertConditionJson).nullable().default(null),
});

/** `CustomMetricDriftConfig`; `drift_type` may be left out and defaults to `"Custom"`. */
export const customMetricDriftConfigJson = z.object({
  sample_size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  space: z.string(),
  name: z.string(),
  version: z.string(),
  alert_config: customMetricAlertConfigJson,
  drift_type: z
    .literal('Custom', { error: () => 'expected "Custom" (only custom profiles are supported)' })
    .default('Custom'),
});

/** `CustomDriftProfile` (bare; the form sent in `ProfileRequest.profile` and stored). */
export const customDriftProfileJson = z.object({
  config: customMetricDriftConfigJson,
  metrics: z.record(z.string(), z.number()),
  scouter_version: z.string(),
});

/** `{"Custom": <CustomDriftProfile>}`: the `DriftProfile` enum as returned by `GET /scouter/profile`. */
export const driftProfileJson = z.strictObject({ Custom: customDriftProfileJson });

/** `VersionRequest` inside `ProfileRequest`. */
export const versionRequestJson = z.object({
  version: z.string().nullable().default(null),
  version_type: z.enum(['Major', 'Minor', 'Patch', 'Pre', 'Build', 'PreBuild']),
  pre_tag: z.string().nullable().default(null),
  build_tag: z.string().nullable().default(null),
});

/** Body of `POST /scouter/profile` and `PUT /scouter/profile`; `profile` is the profile JSON as a string. */
export const profileRequestJson = z.object({
  space: z.string(),
  drift_type: driftTypeJson,
  profile: z.string(),
  version_request: versionRequestJson,
  active: z.boolean().default(false),
  deactivate_others: z.boolean().default(false),
});

/** Response of `POST /scouter/profile`. */
export const registeredProfileResponseJson = z.object({
  space: z.string(),
  name: z.string(),
  version: z.string(),
  status: z.string(),
  active: z.boolean(),
});

/** Body of `PUT /scouter/profile/status`; `deactivate_others` is required in v0.13. */
export const profileStatusRequestJson = z.object({
  name: z.string(),
  space: z.string(),
  version: z.string(),
  active: z.boolean(),
  drift_type: driftTypeJson.nullable().default(null),
  deactivate_others: z.boolean(),
});

/** Body of `POST /scouter/profiles` (list versions). */
export const listProfilesRequestJson = z.object({ space: z.string(), name: z.string(), version: z.string() });

/** One entry of the `POST /scouter/profiles` response. */
export const listedProfileJson = z.object({ profile: driftProfileJson, active: z.boolean() });

/** Query of `GET /scouter/profile`, in serde_qs order. */
export const getProfileRequestQuery = z.object({
  name: z.string(),
  space: z.string(),
  version: z.string(),
  drift_type: driftTypeJson,
});

/** `CustomMetricServerRecord`; all fields required, `value` finite. */
export const customMetricServerRecordJson = z.object({
  created_at: z.string(),
  space: z.string(),
  name: z.string(),
  version: z.string(),
  metric: z.string(),
  value: z.number(),
});

/** `{"Custom": CustomMetricServerRecord}`: one externally tagged `ServerRecord`. */
export const customServerRecordJson = z.strictObject({ Custom: customMetricServerRecordJson });

/** `ServerRecords`: the body of `POST /scouter/message` for custom metrics. */
export const serverRecordsJson = z.object({ records: z.array(customServerRecordJson) });

/** `TimeInterval` names accepted by `GET /scouter/drift/custom`. */
export const timeIntervalJson = z.enum([
  'FiveMinutes',
  'FifteenMinutes',
  'ThirtyMinutes',
  'OneHour',
  'ThreeHours',
  'SixHours',
  'TwelveHours',
  'TwentyFourHours',
  'TwoDays',
  'FiveDays',
]);

const queryInt = z
  .union([z.number(), z.string().regex(/^-?\d+$/, 'expected an integer')])
  .transform((v) => Number(v))
  .pipe(z.number().int());
const queryBool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** Query of `GET /scouter/drift/custom` (`DriftRequest`), in serde_qs order. Numbers may arrive as strings. */
export const driftRequestQuery = z.object({
  space: z.string(),
  name: z.string(),
  version: z.string(),
  time_interval: timeIntervalJson,
  max_data_points: queryInt,
  drift_type: driftTypeJson,
  begin_custom_datetime: z.string().optional(),
  end_custom_datetime: z.string().optional(),
});

/** One bin's statistics in `BinnedMetrics`. */
export const binnedMetricStatsJson = z.object({
  avg: z.number(),
  lower_bound: z.number(),
  upper_bound: z.number(),
});

/** One metric's series in `BinnedMetrics`; arrays ordered by `created_at` descending. */
export const binnedMetricJson = z.object({
  metric: z.string(),
  created_at: z.array(z.string()),
  stats: z.array(binnedMetricStatsJson),
});

/** Response of `GET /scouter/drift/custom`. */
export const binnedMetricsJson = z.object({ metrics: z.record(z.string(), binnedMetricJson) });

/** Query of `GET /scouter/alerts` (`DriftAlertRequest`). */
export const driftAlertRequestQuery = z.object({
  name: z.string(),
  space: z.string(),
  version: z.string(),
  limit_datetime: z.string().optional(),
  active: queryBool.optional(),
  limit: queryInt.optional(),
});

/** One stored alert; `alert` is a string-to-string map (values use Rust f64 Display). */
export const alertJson = z.object({
  created_at: z.string(),
  name: z.string(),
  space: z.string(),
  version: z.string(),
  entity_name: z.string(),
  alert: z.record(z.string(), z.string()),
  id: z.number().int(),
  drift_type: z.string(),
  active: z.boolean(),
});

/** Response of `GET /scouter/alerts`; a missing `alerts` key reads as an empty list (as the Python client). */
export const alertsResponseJson = z.object({ alerts: z.array(alertJson).default([]) });

/** Body of `PUT /scouter/alerts`. */
export const updateAlertStatusJson = z.object({
  id: z.number().int(),
  active: z.boolean(),
  space: z.string(),
});

/** Response of `PUT /scouter/alerts`. */
export const updateAlertResponseJson = z.object({ updated: z.boolean() });

/** Generic `{"status": ..., "message": ...}` response. */
export const scouterResponseJson = z.object({ status: z.string(), message: z.string() });

/** Error response `{"error": ...}`. */
export const errorResponseJson = z.object({ error: z.string() });

/** `{"token": ...}` from the auth routes. */
export const jwtTokenJson = z.object({ token: z.string() });

/** `{"alive": true}` from the health check. */
export const aliveJson = z.object({ alive: z.boolean() });

/** Wire JSON of a custom drift profile (bare). */
export type CustomDriftProfileJson = z.output<typeof customDriftProfileJson>;
/** Wire JSON of `CustomMetricDriftConfig`. */
export type CustomMetricDriftConfigJson = z.output<typeof customMetricDriftConfigJson>;
/** Wire JSON of `CustomMetricAlertConfig`. */
export type CustomMetricAlertConfigJson = z.output<typeof customMetricAlertConfigJson>;
/** Wire JSON of `CustomMetricAlertCondition`. */
export type CustomMetricAlertConditionJson = z.output<typeof customMetricAlertConditionJson>;
/** Wire JSON of `AlertDispatchConfig`. */
export type AlertDispatchConfigJson = z.output<typeof alertDispatchConfigJson>;
/** `{"Custom": profile}`. */
export type DriftProfileJson = z.output<typeof driftProfileJson>;
/** `VersionRequest`. */
export type VersionRequestJson = z.output<typeof versionRequestJson>;
/** Body of `POST /scouter/profile`. */
export type ProfileRequestJson = z.output<typeof profileRequestJson>;
/** Response of `POST /scouter/profile`. */
export type RegisteredProfileResponseJson = z.output<typeof registeredProfileResponseJson>;
/** Body of `PUT /scouter/profile/status`. */
export type ProfileStatusRequestJson = z.output<typeof profileStatusRequestJson>;
/** Body of `POST /scouter/profiles`. */
export type ListProfilesRequestJson = z.output<typeof listProfilesRequestJson>;
/** Entry of the `POST /scouter/profiles` response. */
export type ListedProfileJson = z.output<typeof listedProfileJson>;
/** Query of `GET /scouter/profile`. */
export type GetProfileRequestQuery = z.output<typeof getProfileRequestQuery>;
/** `CustomMetricServerRecord`. */
export type CustomMetricServerRecordJson = z.output<typeof customMetricServerRecordJson>;
/** `{"Custom": record}`. */
export type CustomServerRecordJson = z.output<typeof customServerRecordJson>;
/** `{"records": [...]}`. */
export type ServerRecordsJson = z.output<typeof serverRecordsJson>;
/** `TimeInterval` name. */
export type TimeIntervalName = z.output<typeof timeIntervalJson>;
/** Query of `GET /scouter/drift/custom`. */
export type DriftRequestQuery = z.output<typeof driftRequestQuery>;
/** Response of `GET /scouter/drift/custom`. */
export type BinnedMetricsJson = z.output<typeof binnedMetricsJson>;
/** One metric in `BinnedMetrics`. */
export type BinnedMetricJson = z.output<typeof binnedMetricJson>;
/** One bin's statistics. */
export type BinnedMetricStatsJson = z.output<typeof binnedMetricStatsJson>;
/** Query of `GET /scouter/alerts`. */
export type DriftAlertRequestQuery = z.output<typeof driftAlertRequestQuery>;
/** One alert. */
export type AlertJson = z.output<typeof alertJson>;
/** Response of `GET /scouter/alerts`. */
export type AlertsResponseJson = z.output<typeof alertsResponseJson>;
/** Body of `PUT /scouter/alerts`. */
export type UpdateAlertStatusJson = z.output<typeof updateAlertStatusJson>;
/** Response of `PUT /scouter/alerts`. */
export type UpdateAlertResponseJson = z.output<typeof updateAlertResponseJson>;
/** `{"status", "message"}` response. */
export type ScouterResponseJson = z.output<typeof scouterResponseJson>;
/** `{"error"}` response. */
export type ErrorResponseJson = z.output<typeof errorResponseJson>;
/** `{"token"}`. */
export type JwtTokenJson = z.output<typeof jwtTokenJson>;
/** `{"alive"}`. */
export type AliveJson = z.output<typeof aliveJson>;
