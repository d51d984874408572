/**
 * Every error thrown or reported by scouter-ts is a `ScouterError`; match on the stable `code`, never on the message.
 */

/** Stable error codes; part of the public API. */
export const ScouterErrorCode = {
  InvalidOptions: 'ERR_INVALID_OPTIONS',
  InvalidProfile: 'ERR_INVALID_PROFILE',
  InvalidCron: 'ERR_INVALID_CRON',
  InvalidMetric: 'ERR_INVALID_METRIC',
  HttpStatus: 'ERR_HTTP_STATUS',
  Timeout: 'ERR_TIMEOUT',
  Network: 'ERR_NETWORK',
  Auth: 'ERR_AUTH',
  UnknownAlias: 'ERR_UNKNOWN_ALIAS',
  QueueShutDown: 'ERR_QUEUE_SHUT_DOWN',
  Io: 'ERR_IO',
  MissingDependency: 'ERR_MISSING_DEPENDENCY',
} as const;
/** One of the stable error code strings, e.g. `'ERR_INVALID_PROFILE'`. */
export type ScouterErrorCode = (typeof ScouterErrorCode)[keyof typeof ScouterErrorCode];

/** Extra information an error may carry. */
export interface ScouterErrorOptions {
  /** The underlying error, if any; default none. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed (the queue retries only then); default false. */
  retryable?: boolean;
  /** Server-suggested delay before a retry (from `Retry-After`), in ms; default none. */
  retryAfterMs?: number;
}

/** Base class of all scouter-ts errors. */
export class ScouterError extends Error {
  /** Stable machine-readable code. */
  readonly code: ScouterErrorCode;
  /** Whether retrying may succeed; default false. */
  readonly retryable: boolean;
  /** Suggested delay before a retry in ms, when the server gave one; default undefined. */
  readonly retryAfterMs?: number;

  constructor(code: ScouterErrorCode, message: string, options: ScouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScouterError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** A constructor or function received options that fail validation (thrown at construction). */
export class InvalidOptionsError extends ScouterError {
  constructor(message: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.InvalidOptions, message, options);
    this.name = 'InvalidOptionsError';
  }
}

/** A drift profile (object, JSON text or file) is not a valid Scouter v0.13 custom profile. */
export class InvalidProfileError extends ScouterError {
  /** Dotted path of the offending field, e.g. `config.alert_config.schedule`; `''` for the whole document. */
  readonly path: string;

  constructor(message: string, path = '', options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.InvalidProfile, message, options);
    this.name = 'InvalidProfileError';
    this.path = path;
  }
}

/** A cron schedule is not valid in Scouter's dialect (6 or 7 fields, seconds first). */
export class InvalidCronError extends ScouterError {
  /** The rejected expression. */
  readonly expression: string;

  constructor(message: string, expression: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.InvalidCron, message, options);
    this.name = 'InvalidCronError';
    this.expression = expression;
  }
}

/** A metric value or name cannot be recorded (non-finite value, empty name). */
export class InvalidMetricError extends ScouterError {
  constructor(message: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.InvalidMetric, message, options);
    this.name = 'InvalidMetricError';
  }
}

/** HTTP statuses worth retrying: timeouts, throttling and server-side failures. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The Scouter server answered with a non-success HTTP status. Retryable for 408/425/429/5xx. */
export class ScouterHttpError extends ScouterError {
  /** HTTP status code. */
  readonly status: number;
  /** Response body text (possibly truncated by the caller). */
  readonly body: string;
  /** HTTP method of the request. */
  readonly method: string;
  /** URL of the request. */
  readonly url: string;

  constructor(status: number, body: string, method: string, url: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.HttpStatus, `${method} ${url} failed with HTTP ${status}: ${body}`, {
      retryable: isRetryableStatus(status),
      ...options,
    });
    this.name = 'ScouterHttpError';
    this.status = status;
    this.body = body;
    this.method = method;
    this.url = url;
  }
}

/** Authentication with the Scouter server failed (bad credentials, login refused). */
export class ScouterAuthError extends ScouterError {
  constructor(message: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.Auth, message, options);
    this.name = 'ScouterAuthError';
  }
}

/** A request did not complete in time. Retryable by default. */
export class ScouterTimeoutError extends ScouterError {
  constructor(message: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.Timeout, message, { retryable: true, ...options });
    this.name = 'ScouterTimeoutError';
  }
}

/** The connection failed (refused, reset, DNS). Retryable by default. */
export class ScouterNetworkError extends ScouterError {
  constructor(message: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.Network, message, { retryable: true, ...options });
    this.name = 'ScouterNetworkError';
  }
}

/** A queue alias that was never configured. */
export class UnknownAliasError extends ScouterError {
  /** The alias that was asked for. */
  readonly alias: string;

  constructor(alias: string, known: readonly string[] = [], options: ScouterErrorOptions = {}) {
    const hint = known.length > 0 ? ` Known aliases: ${known.map((k) => `"${k}"`).join(', ')}.` : '';
    super(ScouterErrorCode.UnknownAlias, `Unknown queue alias "${alias}".${hint}`, options);
    this.name = 'UnknownAliasError';
    this.alias = alias;
  }
}

/** The queue was used after `shutdown()`. */
export class QueueShutdownError extends ScouterError {
  constructor(
    message = 'The queue has been shut down; create a new one to send more metrics.',
    options: ScouterErrorOptions = {},
  ) {
    super(ScouterErrorCode.QueueShutDown, message, options);
    this.name = 'QueueShutdownError';
  }
}

/** Reading or writing a file failed. */
export class ScouterIoError extends ScouterError {
  /** The file path involved. */
  readonly path: string;

  constructor(message: string, path: string, options: ScouterErrorOptions = {}) {
    super(ScouterErrorCode.Io, message, options);
    this.name = 'ScouterIoError';
    this.path = path;
  }
}

/**
 * An optional peer dependency (a broker client such as `ioredis` or `amqplib`) is needed by a feature but is not
 * installed. Not retryable: install the package named in the message and restart.
 */
export class MissingDependencyError extends ScouterError {
  /** The npm package to install, e.g. `ioredis`. */
  readonly packageName: string;

  constructor(packageName: string, feature: string, options: ScouterErrorOptions = {}) {
    super(
      ScouterErrorCode.MissingDependency,
      `${feature} needs the optional package "${packageName}", which is not installed: run \`npm install ${packageName}\` (or \`pnpm add ${packageName}\`) in your app`,
      options,
    );
    this.name = 'MissingDependencyError';
    this.packageName = packageName;
  }
}

/** True when `err` is a `ScouterError` (optionally with the given code). */
export function isScouterError(err: unknown, code?: ScouterErrorCode): err is ScouterError {
  return err instanceof ScouterError && (code === undefined || err.code === code);
}
