export { AlertThreshold } from './alert-threshold.js';
export { CommonCrons } from './common-crons.js';
export { validateCron, nextCronRun } from './cron.js';
export {
  CustomMetric,
  CustomMetricAlertCondition,
  customMetricOptionsSchema,
  customMetricAlertConditionOptionsSchema,
  type CustomMetricOptions,
  type CustomMetricAlertConditionOptions,
} from './custom-metric.js';
export {
  AlertDispatchType,
  OpsGeniePriority,
  ConsoleDispatchConfig,
  SlackDispatchConfig,
  OpsGenieDispatchConfig,
  isDispatchConfig,
  consoleDispatchConfigOptionsSchema,
  slackDispatchConfigOptionsSchema,
  opsGenieDispatchConfigOptionsSchema,
  type DispatchConfig,
  type ConsoleDispatchConfigOptions,
  type SlackDispatchConfigOptions,
  type OpsGenieDispatchConfigOptions,
} from './dispatch.js';
export {
  CustomMetricAlertConfig,
  customMetricAlertConfigOptionsSchema,
  type CustomMetricAlertConfigOptions,
} from './alert-config.js';
export {
  CustomMetricDriftConfig,
  DriftType,
  DEFAULT_VERSION,
  customMetricDriftConfigOptionsSchema,
  type CustomMetricDriftConfigOptions,
  type UpdateConfigArgs,
} from './drift-config.js';
export {
  CustomDriftProfile,
  SCOUTER_VERSION,
  DEFAULT_PROFILE_PATH,
  type CreateProfileRequestOptions,
} from './custom-drift-profile.js';
export { Drifter } from './drifter.js';
export { formatRustF64 } from './rust-f64.js';
