/** Server options (one zod schema, defaults live here only) and the environment/flag reader used by the bin. */
import { parseArgs } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { kafkaConsumerOptionsSchema } from './consumers/kafka.js';
import { rabbitmqConsumerOptionsSchema, redisConsumerOptionsSchema } from './consumers/options.js';
import type { Storage } from './storage/types.js';

/** Scouter's deterministic default secret: base64 of the bytes 31…0. Used for both JWT secrets when unset. */
export const DEFAULT_SECRET = 'Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=';

/** What the fixed `guest` user may do: `write` (Scouter's behaviour), `read` (read-only) or `disabled`. */
export const GuestAccess = { Write: 'write', Read: 'read', Disabled: 'disabled' } as const;
/** `write`, `read` or `disabled`. */
export type GuestAccess = (typeof GuestAccess)[keyof typeof GuestAccess];

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Options of `createServer` / `startServer`. */
export const serverOptionsSchema = z.object({
  /** TCP port to listen on (`startServer` only). Default 8000. */
  port: z.number().int().min(0).max(65535).default(8000),
  /** Address to bind (`startServer` only). Default `0.0.0.0`, like Scouter. */
  host: z.string().default('0.0.0.0'),
  /** `postgresql://…` selects PostgreSQL; anything else is an SQLite file path. Default `./scouter.db`. */
  databaseUri: z.string().min(1).default('./scouter.db'),
  /** An already constructed storage (tests, embedding); the server then neither creates nor closes it. Default none. */
  storage: z.custom<Storage>((v) => typeof v === 'object' && v !== null).optional(),
  /** Admin user created on first start. Default `admin`. */
  defaultUsername: z.string().min(1).default('admin'),
  /** Admin password created on first start. Default `admin`. */
  defaultPassword: z.string().min(1).default('admin'),
  /** HMAC secret of access tokens (UTF-8 bytes). Default Scouter's `DEFAULT_SECRET`. */
  encryptSecret: z.string().min(1).default(DEFAULT_SECRET),
  /** HMAC secret of refresh tokens (UTF-8 bytes). Default Scouter's `DEFAULT_SECRET`. */
  refreshSecret: z.string().min(1).default(DEFAULT_SECRET),
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtlSec: z.number().int().positive().default(3600),
  /** Refresh token lifetime in seconds. Default 86400. */
  refreshTokenTtlSec: z.number().int().positive().default(86400),
  /**
   * Logins accepted per client address and `Username` within `loginRateLimitWindowMs`; more answer 429 with
   * `Retry-After` (scrypt makes each login cost ~50 ms of CPU, and it bounds password guessing). 0 disables. Default 30.
   */
  loginRateLimitMax: z.number().int().nonnegative().default(30),
  /** Window of `loginRateLimitMax`. Default 60000 ms. */
  loginRateLimitWindowMs: z.number().int().positive().default(60_000),
  /** What the `guest`/`guest` user may do. Default `write` (like Scouter). */
  guestAccess: z.enum(['write', 'read', 'disabled']).default('write'),
  /** Custom records older than this many days are deleted (hourly). Default 30. */
  dataRetentionDays: z.number().positive().default(30),
  /** pino log level. Default `info`. */
  logLevel: logLevel.default('info'),
  /** A pino-compatible logger to use instead of creating one. Default none. */
  logger: z.custom<FastifyBaseLogger>((v) => typeof v === 'object' && v !== null).optional(),
  /** Largest accepted request body in bytes (413 above). Default 10 MiB. */
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** The clock (injected in tests). Default `() => new Date()`. */
  now: z.custom<() => Date>((v) => typeof v === 'function').default(() => () => new Date()),
  /** Run the drift scheduler and retention job. Default true. */
  schedulerEnabled: z.boolean().default(true),
  /** How often the scheduler looks for due drift jobs. Default 1000 ms. */
  pollIntervalMs: z.number().int().positive().default(1000),
  /** A job left `processing` longer than this is claimed again. Default 600000 ms (10 min). */
  staleJobAfterMs: z.number().int().positive().default(600_000),
  /** A drift job that failed is retried this much later (its data window is kept). Default 60000 ms. */
  jobRetryDelayMs: z.number().int().positive().default(60_000),
  /** How often stored but undelivered alerts are dispatched again. Default 60000 ms. */
  dispatchSweepIntervalMs: z.number().int().positive().default(60_000),
  /**
   * The sweep retries an undelivered alert until it is this old, then leaves it stored (`GET /scouter/alerts` still
   * lists it) but stops dispatching it, with one error log. Default 86400000 ms (24 h).
   */
  dispatchRetryWindowMs: z.number().int().positive().default(86_400_000),
  /** Slack API base URL (`SLACK_API_URL`); Console is used when it or the token is missing. Default none. */
  slackApiUrl: z.string().url().optional(),
  /** Slack bot token (`SLACK_APP_TOKEN`). Default none. */
  slackAppToken: z.string().optional(),
  /** OpsGenie alerts URL, used as given (`OPSGENIE_API_URL`). Default none. */
  opsGenieApiUrl: z.string().url().optional(),
  /** OpsGenie API key (`OPSGENIE_API_KEY`). Default none. */
  opsGenieApiKey: z.string().optional(),
  /** Timeout of one webhook call. Default 10000 ms. */
  dispatchTimeoutMs: z.number().int().positive().default(10_000),
  /** Attempts per dispatch before leaving the alert to the sweep. Default 3. */
  dispatchAttempts: z.number().int().positive().default(3),
  /** First retry delay, doubled per attempt. Default 500 ms. */
  dispatchRetryBaseMs: z.number().int().nonnegative().default(500),
  /** Redis pub/sub consumer of Scouter's producers; runs when set (the bin: when `REDIS_ADDR` is set). Default none. */
  redis: redisConsumerOptionsSchema.optional(),
  /** RabbitMQ consumer of Scouter's producers; runs when set (the bin: when `RABBITMQ_ADDR` is set). Default none. */
  rabbitmq: rabbitmqConsumerOptionsSchema.optional(),
  /** Kafka consumer of Scouter's producers; runs when set (the bin: when `KAFKA_BROKERS` is set). Default none. */
  kafka: kafkaConsumerOptionsSchema.optional(),
  /** Where Console alerts are written. Default `process.stdout`. */
  consoleWrite: z.custom<(text: string) => void>((v) => typeof v === 'function').optional(),
});

/** Input type of `createServer` (every field optional). */
export type ServerOptions = z.input<typeof serverOptionsSchema>;
/** Parsed options with defaults applied. */
export type ServerConfig = z.output<typeof serverOptionsSchema>;

/** Parses options, throwing an error that names each bad field. */
export function parseServerOptions(options: ServerOptions = {}): ServerConfig {
  const result = serverOptionsSchema.safeParse(options);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`Invalid scouter-server options: ${detail}`);
  }
  return result.data;
}

function num(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`Invalid ${what}: ${JSON.stringify(value)} is not a number`);
  return n;
}

function str(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Builds server options from Scouter's environment variables, overridden by command-line flags
 * (`--port`, `--host`, `--database-uri`, `--log-level`, `--data-retention-days`, `--guest-access`).
 */
export function configFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
): ServerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'database-uri': { type: 'string' },
      'log-level': { type: 'string' },
      'data-retention-days': { type: 'string' },
      'guest-access': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const options: Record<string, unknown> = {
    port: num(values.port ?? env.SCOUTER_SERVER_PORT, 'SCOUTER_SERVER_PORT / --port'),
    host: str(values.host ?? env.SCOUTER_SERVER_HOST),
    databaseUri: str(values['database-uri'] ?? env.DATABASE_URI),
    defaultUsername: str(env.SCOUTER_DEFAULT_USERNAME),
    defaultPassword: str(env.SCOUTER_DEFAULT_PASSWORD),
    encryptSecret: str(env.SCOUTER_ENCRYPT_SECRET),
    refreshSecret: str(env.SCOUTER_REFRESH_SECRET),
    guestAccess: str(values['guest-access'] ?? env.SCOUTER_GUEST_ACCESS),
    loginRateLimitMax: num(env.SCOUTER_LOGIN_RATE_LIMIT, 'SCOUTER_LOGIN_RATE_LIMIT'),
    pollIntervalMs: num(env.SCOUTER_POLL_INTERVAL_MS, 'SCOUTER_POLL_INTERVAL_MS'),
    staleJobAfterMs: num(env.SCOUTER_STALE_JOB_AFTER_MS, 'SCOUTER_STALE_JOB_AFTER_MS'),
    dataRetentionDays: num(
      values['data-retention-days'] ?? env.DATA_RETENTION_PERIOD,
      'DATA_RETENTION_PERIOD / --data-retention-days',
    ),
    logLevel: str(values['log-level'] ?? env.LOG_LEVEL)?.toLowerCase(),
    slackApiUrl: str(env.SLACK_API_URL),
    slackAppToken: str(env.SLACK_APP_TOKEN),
    opsGenieApiUrl: str(env.OPSGENIE_API_URL),
    opsGenieApiKey: str(env.OPSGENIE_API_KEY),
    redis:
      env.REDIS_ADDR === undefined
        ? undefined
        : {
            address: str(env.REDIS_ADDR),
            channel: str(env.REDIS_CHANNEL),
            consumerCount: num(env.REDIS_CONSUMER_COUNT, 'REDIS_CONSUMER_COUNT'),
          },
    rabbitmq:
      env.RABBITMQ_ADDR === undefined
        ? undefined
        : {
            address: str(env.RABBITMQ_ADDR),
            queue: str(env.RABBITMQ_QUEUE),
            consumerCount: num(env.RABBITMQ_CONSUMER_COUNT, 'RABBITMQ_CONSUMER_COUNT'),
            prefetchCount: num(env.RABBITMQ_PREFETCH_COUNT, 'RABBITMQ_PREFETCH_COUNT'),
            consumerTag: str(env.RABBITMQ_CONSUMER_TAG),
          },
    kafka:
      env.KAFKA_BROKERS === undefined
        ? undefined
        : {
            brokers: str(env.KAFKA_BROKERS),
            topics: str(env.KAFKA_TOPIC)?.split(','),
            groupId: str(env.KAFKA_GROUP),
            workerCount: num(env.KAFKA_WORKER_COUNT, 'KAFKA_WORKER_COUNT'),
            offsetReset: str(env.KAFKA_OFFSET_RESET),
            username: str(env.KAFKA_USERNAME),
            password: str(env.KAFKA_PASSWORD),
            securityProtocol: str(env.KAFKA_SECURITY_PROTOCOL),
            saslMechanism: str(env.KAFKA_SASL_MECHANISM),
            certLocation: str(env.KAFKA_CERT_LOCATION),
          },
  };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return options;
}
