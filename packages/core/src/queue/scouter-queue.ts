import { z } from 'zod';
import { InvalidOptionsError, UnknownAliasError } from '../errors.js';
import { parseOptions } from '../options.js';
import { CustomDriftProfile } from '../profile/custom-drift-profile.js';
import { ScouterClient } from '../client/scouter-client.js';
import { createTransport, isTransport } from '../transport/create.js';
import { HttpConfig } from '../transport/http-config.js';
import type { ScouterProtocol } from '../wire/protocol.js';
import type { TransportConfig } from '../transport/create.js';
import type { Transport } from '../transport/types.js';
import type { MetricsInput } from './metrics.js';
import { MAX_TIMER_MS, consoleQueueLogger, safeLogger, scouterQueueOptionsSchema } from './options.js';
import type { QueueLogger, ResolvedQueueOptions, ScouterQueueOptions } from './options.js';
import { Outbox } from './outbox.js';
import { Queue } from './queue.js';
import type { QueueHost } from './queue.js';
import { createCounters } from './stats.js';
import type { Counters, FlushResult, QueueStats } from './stats.js';

/**
 * The record dialect a transport (or its config) asks for through its `protocol` field; v0.13 when it has none.
 * `'auto'` cannot be answered synchronously: `fromPath`/`fromProfiles` resolve it before constructing.
 */
function protocolOf(transport: TransportConfig | Transport): ScouterProtocol {
  const value: unknown = (transport as { protocol?: unknown }).protocol;
  if (value === 'v0.25' || value === 'v0.13') return value;
  if (value === 'auto') {
    throw new InvalidOptionsError(
      "ScouterQueue: protocol 'auto' asks the server, which the synchronous constructor cannot: use `await ScouterQueue.fromPath(...)` or `fromProfiles(...)`, or set protocol to 'v0.13' or 'v0.25'",
    );
  }
  return 'v0.13';
}

/** An `HttpConfig` with `protocol: 'auto'` replaced by the dialect the server speaks; anything else unchanged. */
async function resolveProtocol(transport: TransportConfig | Transport): Promise<TransportConfig | Transport> {
  if (!(transport instanceof HttpConfig) || transport.protocol !== 'auto') return transport;
  const client = new ScouterClient(transport);
  try {
    return transport.with({ protocol: await client.protocol() });
  } finally {
    await client.close();
  }
}

/** Warnings remembered for "log once"; beyond this, new keys are still counted but no longer logged. */
const MAX_WARNED_KEYS = 1000;

const flushCallSchema = z.strictObject({
  /** Give up waiting after this many ms (what is still undelivered is reported as `pending`). Default: no deadline. */
  timeoutMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must be >= 0')
    .max(MAX_TIMER_MS, `must be <= ${MAX_TIMER_MS} ms`)
    .optional(),
});

const shutdownCallSchema = z.strictObject({
  /** Deadline for the final flush in ms; what is undelivered then is abandoned and reported as `pending`. Default 10000. */
  timeoutMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .min(0, 'must be >= 0')
    .max(MAX_TIMER_MS, `must be <= ${MAX_TIMER_MS} ms`)
    .default(10_000),
});

/** Options of `flush()`. */
export type FlushOptions = z.input<typeof flushCallSchema>;
/** Options of `shutdown()`. */
export type ShutdownOptions = z.input<typeof shutdownCallSchema>;

/**
 * Collects custom metric values per alias, batches and averages them like Scouter's queue, and delivers the batches
 * through a transport with a bounded buffer, bounded concurrency and retries. Build it with `ScouterQueue.fromPath`
 * or `ScouterQueue.fromProfiles`; insert through `queue.get(alias).insert(...)`; call `shutdown()` on exit.
 */
export class ScouterQueue {
  /** The transport config given (or the `Transport` instance, when one was passed). */
  readonly transportConfig: TransportConfig | Transport;
  /** The transport batches are published through. */
  readonly transport: Transport;

  readonly #queues = new Map<string, Queue>();
  readonly #options: ResolvedQueueOptions;
  readonly #logger: QueueLogger;
  readonly #counters: Counters = createCounters();
  readonly #outbox: Outbox;
  readonly #now: () => number;
  readonly #warned = new Set<string>();
  #lastMicros = 0;
  readonly #host: QueueHost;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #shutdown: Promise<FlushResult> | undefined;

  /**
   * Reads and validates every profile file before returning (the files may be deleted afterwards), then builds the
   * queue. `paths` maps alias -> profile JSON path (as written by `CustomDriftProfile.save`).
   */
  static async fromPath(
    paths: Readonly<Record<string, string>>,
    transport: TransportConfig | Transport,
    options: ScouterQueueOptions = {},
  ): Promise<ScouterQueue> {
    if (typeof paths !== 'object' || paths === null) {
      throw new InvalidOptionsError('ScouterQueue.fromPath expects { alias: "path/to/profile.json" }');
    }
    const profiles: Record<string, CustomDriftProfile> = {};
    for (const [alias, path] of Object.entries(paths)) profiles[alias] = CustomDriftProfile.load(path);
    return new ScouterQueue(profiles, await resolveProtocol(transport), options);
  }

  /**
   * Builds the queue from profiles already in memory: `{ alias: profile }`. An `HttpConfig` with `protocol: 'auto'`
   * is resolved first (`ScouterClient.protocol()` asks the server).
   */
  static async fromProfiles(
    profiles: Readonly<Record<string, CustomDriftProfile>>,
    transport: TransportConfig | Transport,
    options: ScouterQueueOptions = {},
  ): Promise<ScouterQueue> {
    return new ScouterQueue(profiles, await resolveProtocol(transport), options);
  }

  /** Synchronous form of `fromProfiles` (profiles already in memory); throws `InvalidOptionsError` on bad input. */
  constructor(
    profiles: Readonly<Record<string, CustomDriftProfile>>,
    transport: TransportConfig | Transport,
    options: ScouterQueueOptions = {},
  ) {
    const parsed = parseOptions(scouterQueueOptionsSchema, options, 'ScouterQueue');
    if (typeof profiles !== 'object' || profiles === null || Object.keys(profiles).length === 0) {
      throw new InvalidOptionsError('ScouterQueue needs at least one alias: { alias: profile }');
    }
    for (const [alias, profile] of Object.entries(profiles)) {
      if (!(profile instanceof CustomDriftProfile)) {
        throw new InvalidOptionsError(
          `ScouterQueue alias "${alias}" must map to a CustomDriftProfile (e.g. from Drifter.createDriftProfile or CustomDriftProfile.load)`,
        );
      }
    }
    this.#options = parsed;
    this.#logger = safeLogger(parsed.logger ?? consoleQueueLogger);
    this.#now = parsed.now ?? (() => Date.now());
    this.transportConfig = transport;
    this.transport = isTransport(transport) ? transport : createTransport(transport);
    this.#outbox = new Outbox({
      transport: this.transport,
      concurrency: parsed.concurrency,
      sendLingerMs: parsed.sendLingerMs,
      maxRecordsPerSend: parsed.maxRecordsPerSend,
      maxBytesPerSend: parsed.maxBytesPerSend,
      maxBufferedRecords: parsed.maxBufferedRecords,
      maxBufferedBytes: parsed.maxBufferedBytes,
      maxRetries: parsed.maxRetries,
      retryBaseMs: parsed.retryBaseMs,
      retryMaxMs: parsed.retryMaxMs,
      random: parsed.random ?? Math.random,
      logger: this.#logger,
      onError: parsed.onError,
      counters: this.#counters,
    });
    this.#host = this.#createHost(protocolOf(transport));
    for (const [alias, profile] of Object.entries(profiles)) {
      this.#queues.set(alias, new Queue(alias, profile, this.#host));
    }
    this.#arm(parsed.flushIntervalMs);
  }

  /** The configured aliases. */
  get aliases(): string[] {
    return [...this.#queues.keys()];
  }

  /** The queue of one alias; throws `UnknownAliasError` listing the known aliases. */
  get(alias: string): Queue {
    const queue = this.#queues.get(alias);
    if (queue === undefined) throw new UnknownAliasError(alias, this.aliases);
    return queue;
  }

  /** Shorthand for `get(alias).insert(metrics)`. */
  insert(alias: string, metrics: MetricsInput): void {
    this.get(alias).insert(metrics);
  }

  /**
   * Cuts the partial batches of every alias, then resolves when every batch cut before the call has been delivered
   * or dropped: `{ sent, dropped, pending }` in records (`pending` is non-zero only with a `timeoutMs`). Never rejects.
   */
  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    const { timeoutMs } = parseOptions(flushCallSchema, options, 'flush()');
    const tracker = this.#outbox.track();
    for (const queue of this.#queues.values()) queue.cut();
    return tracker.settle(timeoutMs);
  }

  /**
   * Stops the timer, flushes within `timeoutMs` (default 10000), abandons what is still undelivered then (reported as
   * `pending`, counted as `dropped.shutdownTimeout`) and closes the transport. Idempotent: later calls return the same
   * promise. Inserts afterwards are dropped and counted (`dropped.afterShutdown`).
   */
  shutdown(options: ShutdownOptions = {}): Promise<FlushResult> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    const { timeoutMs } = parseOptions(shutdownCallSchema, options, 'shutdown()');
    this.#closed = true;
    for (const queue of this.#queues.values()) queue.close();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const tracker = this.#outbox.track();
    for (const queue of this.#queues.values()) queue.cut();
    this.#shutdown = this.#finish(tracker.settle(timeoutMs));
    return this.#shutdown;
  }

  /** A snapshot of the counters. */
  stats(): QueueStats {
    const c = this.#counters;
    return {
      inserted: [...this.#queues.values()].reduce((sum, queue) => sum + queue.inserted, 0),
      recordsSent: c.recordsSent,
      batchesSent: c.batchesSent,
      retries: c.retries,
      dropped: { ...c.dropped },
      bufferedRecords: this.#outbox.bufferedRecords,
      bufferedBytes: this.#outbox.bufferedBytes,
      bufferedBatches: this.#outbox.bufferedBatches,
    };
  }

  async #finish(settled: Promise<FlushResult>): Promise<FlushResult> {
    const result = await settled;
    if (result.pending > 0) {
      this.#outbox.abandon();
      this.#logger.warn(
        { pending: result.pending },
        'scouter-ts: shutdown deadline passed; undelivered records abandoned',
      );
    }
    try {
      await this.transport.close();
    } catch (err) {
      this.#logger.warn({ err }, 'scouter-ts: closing the transport failed');
    }
    return result;
  }

  #createHost(protocol: ScouterProtocol): QueueHost {
    const outbox = this.#outbox;
    const now = this.#now;
    return {
      protocol,
      counters: this.#counters,
      now,
      reserveMicros: (count, nowMs) => {
        const start = Math.max(Math.floor(nowMs * 1000), this.#lastMicros + 1);
        this.#lastMicros = start + count - 1;
        return start;
      },
      enqueue: (source, data, records, maxBytes) => outbox.enqueue(source, data, records, maxBytes),
      warnOnce: (key, obj, msg) => {
        if (this.#warned.has(key) || this.#warned.size >= MAX_WARNED_KEYS) return;
        this.#warned.add(key);
        this.#logger.warn(obj, msg);
      },
    };
  }

  /** One timer per ScouterQueue: fires when the oldest alias is due and cuts every alias idle for flushIntervalMs. */
  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#onTimer, Math.max(1, delayMs));
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#closed) return;
    const interval = this.#options.flushIntervalMs;
    const now = this.#now();
    let next = Infinity;
    for (const queue of this.#queues.values()) {
      if (now - queue.lastCutAt >= interval) queue.cut();
      next = Math.min(next, queue.lastCutAt + interval - now);
    }
    // Clamped so a clock stepping back cannot postpone the flush beyond one interval.
    this.#arm(Math.min(next, interval));
  };
}
