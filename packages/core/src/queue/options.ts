import { z } from 'zod';
import type { ScouterError } from '../errors.js';

/** A pino-compatible logger: each method is called as `(object, message)`. `console` does not fit; pino does. */
export interface QueueLogger {
  /** Recoverable trouble: a failed attempt that will be retried, dropped metric names, a full buffer. */
  warn(obj: object, msg?: string): void;
  /** Data lost: a batch rejected by the server or out of retries. */
  error(obj: object, msg?: string): void;
  /** Lifecycle events; optional. */
  info?(obj: object, msg?: string): void;
  /** Every retry; optional. */
  debug?(obj: object, msg?: string): void;
}

/** Why a delivery problem is reported to `onError`. */
export type DeliveryProblem = 'retrying' | 'rejected' | 'retriesExhausted';

/** What `onError` receives besides the error. */
export interface DeliveryErrorInfo {
  /** What happened to the batch: it will be retried, or it is dropped. */
  readonly problem: DeliveryProblem;
  /** Number of records in the batch. */
  readonly records: number;
  /** Retries already done for this batch before this failure. */
  readonly attempt: number;
}

/** Called for every failed delivery attempt; must not throw (a throw is caught and logged). */
export type QueueErrorHandler = (error: ScouterError, info: DeliveryErrorInfo) => void;

/** Longest delay a Node.js timer supports; longer ones would fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

const positiveInt = (what: string) =>
  z.number().int(`must be a whole number of ${what}`).positive(`must be > 0 (${what})`);

const positiveMs = () => positiveInt('milliseconds').max(MAX_TIMER_MS, `must be <= ${MAX_TIMER_MS} ms`);

const isLogger = (value: unknown): value is QueueLogger =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as QueueLogger).warn === 'function' &&
  typeof (value as QueueLogger).error === 'function';

/** Schema of `ScouterQueue` options; the defaults below are the only place defaults live. */
export const scouterQueueOptionsSchema = z.strictObject({
  /** A partial batch is sent when this much time passed since the alias last cut a batch. Default 30000 (Scouter's). */
  flushIntervalMs: positiveMs().default(30_000),
  /**
   * Records (across aliases) that may wait for delivery, retries included; then the oldest batch is dropped. Default
   * 50000: ten full request bodies, so two in flight never crowd out new batches; `maxBufferedBytes` bounds memory.
   */
  maxBufferedRecords: positiveInt('records').default(50_000),
  /** Bytes of JSON bodies that may wait for delivery, retries included; then the oldest batch is dropped. Default 8 MiB. */
  maxBufferedBytes: z
    .number()
    .int('must be a whole number of bytes')
    .min(1024, 'must be >= 1024 bytes')
    .default(8 * 1024 * 1024),
  /**
   * How long a cut batch may wait to be coalesced with later ones into one request body (like Kafka's `linger.ms`);
   * 0 sends every batch as its own request at once. `flush()`/`shutdown()` never wait for it. Default 1000.
   */
  sendLingerMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must be >= 0')
    .max(MAX_TIMER_MS, `must be <= ${MAX_TIMER_MS} ms`)
    .default(1000),
  /**
   * Records that make a request body full: coalescing sends as soon as this many wait. Default 5000 (about one body per
   * second up to ~60 000 requests per second with a 2-metric profile and `sampleSize` 25).
   */
  maxRecordsPerSend: positiveInt('records').default(5000),
  /**
   * Bytes of JSON that make a request body full (lingering batches counted at an upper bound): coalescing sends as
   * soon as this many wait, and no coalesced body is larger. Keeps bodies well under the 2 MB a Scouter v0.13 server
   * accepts (axum's default limit for JSON). Default 1 MiB.
   */
  maxBytesPerSend: z
    .number()
    .int('must be a whole number of bytes')
    .min(1024, 'must be >= 1024 bytes')
    .default(1024 * 1024),
  /** Request bodies sent at the same time. Default 2. */
  concurrency: positiveInt('requests').max(64, 'must be <= 64').default(2),
  /** Retries of one batch after a retryable failure (network, timeout, 408, 429, 5xx) before it is dropped. Default 8. */
  maxRetries: z.number().int('must be a whole number').min(0, 'must be >= 0').default(8),
  /** Base of the exponential backoff: retry n waits random(0, min(retryMaxMs, retryBaseMs * 2^n)). Default 500. */
  retryBaseMs: positiveMs().default(500),
  /** Upper bound of one backoff delay (a longer `Retry-After` still wins). Default 30000. */
  retryMaxMs: positiveMs().default(30_000),
  /** pino-compatible logger (`warn`/`error`, optional `info`/`debug`). Default: warnings and errors to `console`. */
  logger: z
    .custom<QueueLogger>(isLogger, {
      message: 'expected a pino-compatible logger with warn() and error() methods',
    })
    .optional(),
  /** Called for each failed delivery attempt (`info.problem` says whether the batch is retried or dropped). Default none. */
  onError: z
    .custom<QueueErrorHandler>((value) => typeof value === 'function', { message: 'expected a function' })
    .optional(),
  /** Clock in ms since the epoch, for tests. Default `Date.now`. */
  now: z
    .custom<() => number>((value) => typeof value === 'function', { message: 'expected a function' })
    .optional(),
  /** Random source in [0, 1) for the backoff jitter, for tests. Default `Math.random`. */
  random: z
    .custom<() => number>((value) => typeof value === 'function', { message: 'expected a function' })
    .optional(),
});

/** Options of `ScouterQueue.fromPath` / `fromProfiles`; every field is optional. */
export type ScouterQueueOptions = z.input<typeof scouterQueueOptionsSchema>;

/** Options after validation and defaults. */
export type ResolvedQueueOptions = z.output<typeof scouterQueueOptionsSchema>;

/** Default logger: warnings and errors on the console, one line each; `info`/`debug` are silent. */
export const consoleQueueLogger: QueueLogger = {
  warn(obj, msg) {
    console.warn(`[scouter-ts] ${msg ?? ''}`, obj);
  },
  error(obj, msg) {
    console.error(`[scouter-ts] ${msg ?? ''}`, obj);
  },
};

/** Wraps a logger so that a throwing logger can never break `insert()` or a delivery. */
export function safeLogger(logger: QueueLogger): QueueLogger {
  const guard =
    (level: 'warn' | 'error' | 'info' | 'debug') =>
    (obj: object, msg?: string): void => {
      try {
        logger[level]?.(obj, msg);
      } catch {
        // Logging is best effort.
      }
    };
  return { warn: guard('warn'), error: guard('error'), info: guard('info'), debug: guard('debug') };
}
