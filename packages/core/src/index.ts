// Public API of @scouter-ts/core: an explicit export list, one section per concept.
// Each section is owned by one area of the code; add exports to your own section only.

// --- errors (errors.ts) ---
export {
  ScouterError,
  ScouterErrorCode,
  InvalidOptionsError,
  InvalidProfileError,
  InvalidCronError,
  InvalidMetricError,
  ScouterHttpError,
  ScouterAuthError,
  ScouterTimeoutError,
  ScouterNetworkError,
  UnknownAliasError,
  QueueShutdownError,
  ScouterIoError,
  MissingDependencyError,
  isScouterError,
  type ScouterErrorOptions,
} from './errors.js';
export { parseOptions, formatIssuePath, formatZodIssues } from './options.js';

// --- profile (profile/) ---
export { AlertThreshold } from './profile/alert-threshold.js';
export { CommonCrons } from './profile/common-crons.js';
export { validateCron, nextCronRun } from './profile/cron.js';
export {
  CustomMetric,
  CustomMetricAlertCondition,
  customMetricOptionsSchema,
  customMetricAlertConditionOptionsSchema,
  type CustomMetricOptions,
  type CustomMetricAlertConditionOptions,
} from './profile/custom-metric.js';
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
} from './profile/dispatch.js';
export {
  CustomMetricAlertConfig,
  customMetricAlertConfigOptionsSchema,
  type CustomMetricAlertConfigOptions,
} from './profile/alert-config.js';
export {
  CustomMetricDriftConfig,
  DriftType,
  DEFAULT_VERSION,
  customMetricDriftConfigOptionsSchema,
  type CustomMetricDriftConfigOptions,
  type UpdateConfigArgs,
} from './profile/drift-config.js';
export {
  CustomDriftProfile,
  SCOUTER_VERSION,
  DEFAULT_PROFILE_PATH,
  type CreateProfileRequestOptions,
} from './profile/custom-drift-profile.js';
export { Drifter } from './profile/drifter.js';
export { formatRustF64 } from './profile/rust-f64.js';

// --- wire JSON schemas and helpers (wire/) ---
export {
  alertThresholdJson,
  driftTypeJson,
  customMetricAlertConditionJson,
  consoleDispatchJson,
  slackDispatchJson,
  opsGenieDispatchJson,
  alertDispatchConfigJson,
  customMetricAlertConfigJson,
  customMetricDriftConfigJson,
  customDriftProfileJson,
  driftProfileJson,
  versionRequestJson,
  profileRequestJson,
  registeredProfileResponseJson,
  profileStatusRequestJson,
  listProfilesRequestJson,
  listedProfileJson,
  getProfileRequestQuery,
  customMetricServerRecordJson,
  customServerRecordJson,
  serverRecordsJson,
  timeIntervalJson,
  driftRequestQuery,
  binnedMetricStatsJson,
  binnedMetricJson,
  binnedMetricsJson,
  driftAlertRequestQuery,
  alertJson,
  alertsResponseJson,
  updateAlertStatusJson,
  updateAlertResponseJson,
  scouterResponseJson,
  errorResponseJson,
  jwtTokenJson,
  aliveJson,
  type CustomDriftProfileJson,
  type CustomMetricDriftConfigJson,
  type CustomMetricAlertConfigJson,
  type CustomMetricAlertConditionJson,
  type AlertDispatchConfigJson,
  type DriftProfileJson,
  type VersionRequestJson,
  type ProfileRequestJson,
  type RegisteredProfileResponseJson,
  type ProfileStatusRequestJson,
  type ListProfilesRequestJson,
  type ListedProfileJson,
  type GetProfileRequestQuery,
  type CustomMetricServerRecordJson,
  type CustomServerRecordJson,
  type ServerRecordsJson,
  type TimeIntervalName,
  type DriftRequestQuery,
  type BinnedMetricsJson,
  type BinnedMetricJson,
  type BinnedMetricStatsJson,
  type DriftAlertRequestQuery,
  type AlertJson,
  type AlertsResponseJson,
  type UpdateAlertStatusJson,
  type UpdateAlertResponseJson,
  type ScouterResponseJson,
  type ErrorResponseJson,
  type JwtTokenJson,
  type AliveJson,
  TimeInterval,
  TimeIntervalMinutes,
  timeIntervalMinutes,
  formatTimestampMicros,
  parseTimestampMicros,
  tryParseTimestampMicros,
  alertConditionV025Json,
  anyAlertConditionJson,
  anyCustomMetricDriftConfigJson,
  anyCustomDriftProfileJson,
  isV025Profile,
  type AnyCustomDriftProfileJson,
  type AnyCustomMetricDriftConfigJson,
  type AnyAlertConditionJson,
  type CustomDriftProfileV025Json,
  customMetricRecordV025Json,
  customServerRecordV025Json,
  serverRecordsV025Json,
  profileRequestV025Json,
  registeredProfileResponseV025Json,
  timeIntervalV025Json,
  TimeIntervalV025Minutes,
  driftRequestV025Query,
  driftAlertPaginationRequestJson,
  recordCursorJson,
  comparisonMetricAlertJson,
  alertV025Json,
  driftAlertPaginationResponseJson,
  type AlertConditionV025Json,
  type CustomMetricRecordV025Json,
  type ServerRecordsV025Json,
  type ProfileRequestV025Json,
  type RegisteredProfileResponseV025Json,
  type TimeIntervalV025Name,
  type DriftRequestV025Query,
  type DriftAlertPaginationRequestJson,
  type RecordCursorJson,
  type AlertV025Json,
  type DriftAlertPaginationResponseJson,
  LATEST_PROTOCOL,
  PROTOCOL_SCOUTER_VERSION,
  protocolOfVersion,
  protocolOptionSchema,
  type ProtocolOption,
  type ScouterProtocol,
} from './wire/index.js';

// --- transports (transport/) ---
export { HttpConfig, httpConfigOptionsSchema, type HttpConfigOptions } from './transport/http-config.js';
export { HttpTransport } from './transport/http.js';
export { WorkerHttpTransport } from './transport/http-worker.js';
export type { Transport } from './transport/types.js';
export { MockConfig, MockTransport, type MockConfigOptions, type MockFailure } from './transport/mock.js';
export { createTransport, isTransport, type TransportConfig } from './transport/create.js';
export {
  KafkaConfig,
  kafkaConfigOptionsSchema,
  KAFKA_COMPRESSION_TYPES,
  KAFKA_CONFIG_KEYS,
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  type KafkaConfigOptions,
  type KafkaCompressionType,
} from './transport/kafka-config.js';
export { KafkaTransport, kafkaDriver, isKafkaAuthError } from './transport/kafka.js';
export {
  BrokerTransport,
  BrokerUrlConfig,
  maskUrl,
  type BrokerConnection,
  type BrokerDriver,
  type BrokerTimeouts,
} from './transport/broker.js';
export { RedisConfig, redisConfigOptionsSchema, type RedisConfigOptions } from './transport/redis-config.js';
export { RedisTransport } from './transport/redis.js';
export {
  RabbitMQConfig,
  rabbitmqConfigOptionsSchema,
  type RabbitMQConfigOptions,
} from './transport/rabbitmq-config.js';
export { RabbitMQTransport } from './transport/rabbitmq.js';
/** @internal Shared with @scouter-ts/server, which loads its broker clients the same way. */
export { importOptional } from './transport/optional-import.js';

// --- client (client/) ---
export { HttpSession, type HttpSessionOptions } from './client/http-session.js';
export type { HttpRequestOptions, HttpResponse, QueryValue } from './client/session-core.js';
export { ScouterClient, type RegisterProfileOptions, type ListedProfile } from './client/scouter-client.js';
export {
  BinnedMetrics,
  getProfileRequestSchema,
  profileStatusRequestSchema,
  listProfilesRequestSchema,
  driftRequestSchema,
  driftAlertRequestSchema,
  updateAlertStatusSchema,
  type GetProfileRequest,
  type ProfileStatusRequest,
  type ListProfilesRequest,
  type DriftRequest,
  type DriftAlertRequest,
  type UpdateAlertStatus,
  type BinnedMetric,
  type BinnedMetricStats,
  type Alert,
} from './client/requests.js';

// --- queue (queue/) ---
export { Metric, Metrics, type MetricsInput } from './queue/metrics.js';
export { Queue } from './queue/queue.js';
export { ScouterQueue, type FlushOptions, type ShutdownOptions } from './queue/scouter-queue.js';
export {
  scouterQueueOptionsSchema,
  type ScouterQueueOptions,
  type QueueLogger,
  type QueueErrorHandler,
  type DeliveryErrorInfo,
  type DeliveryProblem,
} from './queue/options.js';
export type { QueueStats, DroppedCounts, FlushResult } from './queue/stats.js';

// --- capture (capture/) ---
export {
  scouterAdapterOptionsSchema,
  parseAdapterOptions,
  type ScouterAdapterOptions,
  type ResolvedAdapterOptions,
  type AdapterTransport,
} from './capture/options.js';
export { RequestCapture, type RequestScouter, type CaptureReceiver } from './capture/request-capture.js';
export { RequestMonitor, type CaptureStats, type RequestMonitorDefaults } from './capture/request-monitor.js';
export { record, runWithCapture, currentCapture } from './capture/context.js';
export { handleShutdownSignals, DEFAULT_SHUTDOWN_SIGNALS } from './capture/signals.js';
