import { ScouterError, ScouterErrorCode } from '../errors.js';
import { CustomDriftProfile } from '../profile/custom-drift-profile.js';
import { Metric, Metrics, type MetricsInput } from '../queue/metrics.js';
import { consoleQueueLogger, type QueueLogger } from '../queue/options.js';
import type { Queue } from '../queue/queue.js';
import { ScouterQueue } from '../queue/scouter-queue.js';
import type { FlushResult } from '../queue/stats.js';
import { HttpConfig } from '../transport/http-config.js';
import { runWithCapture } from './context.js';
import { parseAdapterOptions, resolveSignals, type ResolvedAdapterOptions } from './options.js';
import { RequestCapture, type CaptureReceiver } from './request-capture.js';
import { handleShutdownSignals } from './signals.js';

/** Counters of the request side (the queue has its own `queue.stats()`). */
export interface CaptureStats {
  /** Requests monitored (accepted by `shouldRecord`). */
  requests: number;
  /** Requests `shouldRecord` rejected. */
  filtered: number;
  /** Metric groups handed to the queue (explicit inserts plus automatic metrics). */
  inserted: number;
  /** Metric groups refused: unknown alias, no alias with several profiles, malformed input. */
  failed: number;
  /** Finished requests waiting for the profiles to load. */
  waiting: number;
  /** Finished requests dropped because loading failed or too many were waiting. */
  droppedNotReady: number;
}

/** Automatic metrics one alias's profile declares. */
interface AutoSpec {
  alias: string;
  latency: boolean;
  error: boolean;
}

const NO_RESULT: FlushResult = { sent: 0, dropped: 0, pending: 0 };
const MAX_LOGGED_KEYS = 256;

/** Defaults the framework adapter supplies. */
export interface RequestMonitorDefaults {
  /** Logger when the options have none (e.g. `fastify.log`); default console. */
  logger?: QueueLogger;
  /** Name used in option errors, e.g. `'@scouter-ts/express'`. */
  what?: string;
}

/**
 * The framework-free half of an adapter: owns (or borrows) the `ScouterQueue`, creates one `RequestCapture` per
 * request, runs the request inside the async context for `record()`, and on commit adds the automatic metrics the
 * profiles declare (`latency_ms`, `error`) and inserts into the queue. Never throws into a request.
 */
export class RequestMonitor implements CaptureReceiver {
  /** Validated options. */
  readonly options: ResolvedAdapterOptions;
  /** Logger for capture problems (also given to a queue created here). */
  readonly logger: QueueLogger;
  readonly #ready: Promise<ScouterQueue>;
  readonly #ownsQueue: boolean;
  readonly #inert = new RequestCapture(undefined);
  /** Shared by every request while no profile declares automatic metrics: inserts go to the queue at once. */
  readonly #direct = new RequestCapture(this, false, true);
  /** The rarely changed counters; `requests` and `inserted`, counted per request, are fields of their own. */
  readonly #stats: Omit<CaptureStats, 'requests' | 'inserted'> = {
    filtered: 0,
    failed: 0,
    waiting: 0,
    droppedNotReady: 0,
  };
  #requests = 0;
  #inserted = 0;
  /**
   * True once the queue exists, when no profile declares automatic metrics and there is no `shouldRecord`: `begin()`
   * then returns the shared direct capture reading one field (what a request touches is what costs: bench/README.md).
   */
  #directOnly = false;
  readonly #logged = new Set<string>();
  #queue: ScouterQueue | undefined;
  #aliases: readonly string[];
  #defaultAlias: string | undefined;
  /** The default alias's `Queue` once the queue exists: most inserts name no alias, and skip the lookup by name. */
  #defaultQueue: Queue | undefined;
  #auto: AutoSpec[] = [];
  #measuresLatency = false;
  #pending: RequestCapture[] | undefined = [];
  #closing: Promise<FlushResult> | undefined;
  #uninstallSignals: (() => void) | undefined;

  /** Throws `InvalidOptionsError` for bad options; a profile that fails to load rejects `ready()` instead. */
  constructor(input: unknown, defaults: RequestMonitorDefaults = {}) {
    const options = parseAdapterOptions(input, defaults.what);
    this.options = options;
    this.logger = options.logger ?? defaults.logger ?? consoleQueueLogger;
    this.#ownsQueue = options.queue === undefined;
    this.#aliases = options.queue?.aliases ?? Object.keys(options.profiles ?? {});
    this.#defaultAlias = options.defaultAlias ?? (this.#aliases.length === 1 ? this.#aliases[0] : undefined);
    this.#ready =
      options.queue !== undefined
        ? Promise.resolve(this.#adopt(options.queue))
        : this.#createQueue().then(
            (queue) => this.#adopt(queue),
            (err: unknown) => this.#loadFailed(err),
          );
    this.#ready.catch(() => undefined);
    const signals = resolveSignals(options.handleSignals);
    if (signals.length > 0) this.#uninstallSignals = handleShutdownSignals(() => this.close(), signals);
  }

  /** The queue once it exists (immediately when one was given); undefined while profiles load or if loading failed. */
  get queue(): ScouterQueue | undefined {
    return this.#queue;
  }

  /** Resolves with the queue once profiles are loaded; rejects with the load error (e.g. a bad profile path). */
  ready(): Promise<ScouterQueue> {
    return this.#ready;
  }

  /** Request-side counters. */
  stats(): CaptureStats {
    return { requests: this.#requests, inserted: this.#inserted, ...this.#stats };
  }

  /**
   * True when a profile declares `latency_ms` (known once the queue exists), so adapters read a clock only then.
   * While profiles load it is unknown, and captures are timed in case they need it.
   */
  get measuresLatency(): boolean {
    return this.#measuresLatency || this.#queue === undefined;
  }

  /**
   * The capture of a new request: an inert one when `shouldRecord(req)` says no (a throwing filter means yes); a
   * shared direct one, which hands each insert to the queue at once, when the queue exists and no profile declares
   * `latency_ms` or `error` (nothing depends on the request's end then, and waiting for it cost more than everything
   * else an adapter does: bench/README.md); otherwise a new capture, to be committed when the response ends (see
   * `capture.needsEnd`). `timed: false` when the adapter will pass the framework's own latency to `commit()`.
   */
  begin(req: unknown, timed = true): RequestCapture {
    if (this.#directOnly) {
      this.#requests++;
      return this.#direct;
    }
    const filter = this.options.shouldRecord as ((req: unknown) => boolean) | undefined;
    if (filter !== undefined) {
      let keep = true;
      try {
        keep = filter(req) !== false;
      } catch (err) {
        this.#logOnce(
          'shouldRecord',
          'warn',
          { err },
          'scouter-ts: shouldRecord threw; monitoring the request',
        );
      }
      if (!keep) {
        this.#stats.filtered++;
        return this.#inert;
      }
    }
    this.#requests++;
    if (this.#queue !== undefined && this.#auto.length === 0) return this.#direct;
    return new RequestCapture(this, timed && this.measuresLatency);
  }

  /**
   * True when requests must be seen to their end: a profile declares `latency_ms` or `error`, or the profiles are
   * still loading. Otherwise `begin()` returns direct captures, and an adapter can skip its end-of-response hook.
   */
  get needsResponseEnd(): boolean {
    return this.#queue === undefined || this.#auto.length > 0;
  }

  /** Runs `fn` (the rest of the request pipeline) so that `record()` reaches `capture`. */
  run<T>(capture: RequestCapture, fn: () => T): T {
    return this.options.asyncContext ? runWithCapture(capture, fn) : fn();
  }

  /**
   * For adapters that can be registered twice on one app (Express): true when this monitor should handle the
   * request. The first monitor to see an app owns it; any other one, or a request that already has a capture,
   * warns once and steps aside instead of counting twice.
   */
  claim(app: object, existing: unknown): boolean {
    const slot = app as { [kOwner]?: RequestMonitor };
    const owner = slot[kOwner];
    if (existing === undefined && (owner === undefined || owner === this)) {
      if (owner === undefined) slot[kOwner] = this;
      return true;
    }
    this.#logOnce(
      'double',
      'warn',
      {},
      'scouter-ts: a second scouter middleware on the same app is ignored (values would be counted twice); ' +
        'register it once, with all profiles',
    );
    return false;
  }

  /** @internal Called by `RequestCapture.commit()`. */
  commit(capture: RequestCapture): void {
    if (this.#queue !== undefined) return this.#deliver(capture);
    const pending = this.#pending;
    if (pending === undefined || pending.length >= this.options.maxPendingRequests) {
      this.#stats.droppedNotReady++;
      return;
    }
    pending.push(capture);
    this.#stats.waiting = pending.length;
  }

  /** @internal Called for an insert after the request's commit, and for every insert of a direct capture. */
  insertNow(alias: string | undefined, metrics: MetricsInput | undefined): void {
    if (this.#queue === undefined) this.#stats.droppedNotReady++;
    else this.#insert(this.#queue, alias, metrics);
  }

  /**
   * Flushes and, for a queue created here, shuts it down within `shutdownTimeoutMs` (a queue that was given is
   * only flushed: its owner shuts it down). Removes signal listeners. Idempotent; never rejects.
   */
  close(): Promise<FlushResult> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<FlushResult> {
    this.#uninstallSignals?.();
    let queue: ScouterQueue;
    try {
      queue = await this.#ready;
    } catch {
      return NO_RESULT;
    }
    try {
      const timeoutMs = this.options.shutdownTimeoutMs;
      return this.#ownsQueue ? await queue.shutdown({ timeoutMs }) : await queue.flush({ timeoutMs });
    } catch (err) {
      this.logger.error({ err }, 'scouter-ts: the final flush failed');
      return NO_RESULT;
    }
  }

  async #createQueue(): Promise<ScouterQueue> {
    const { profiles = {}, transport, queue: _queue, ...rest } = this.options;
    const queueOptions = {
      flushIntervalMs: rest.flushIntervalMs,
      maxBufferedRecords: rest.maxBufferedRecords,
      maxBufferedBytes: rest.maxBufferedBytes,
      sendLingerMs: rest.sendLingerMs,
      maxRecordsPerSend: rest.maxRecordsPerSend,
      maxBytesPerSend: rest.maxBytesPerSend,
      concurrency: rest.concurrency,
      maxRetries: rest.maxRetries,
      retryBaseMs: rest.retryBaseMs,
      retryMaxMs: rest.retryMaxMs,
      logger: this.logger,
      ...(rest.onError !== undefined ? { onError: rest.onError } : {}),
      ...(rest.now !== undefined ? { now: rest.now } : {}),
      ...(rest.random !== undefined ? { random: rest.random } : {}),
    };
    await Promise.resolve();
    const loaded: Record<string, CustomDriftProfile> = {};
    for (const [alias, profile] of Object.entries(profiles)) {
      loaded[alias] = typeof profile === 'string' ? CustomDriftProfile.load(profile) : profile;
    }
    return ScouterQueue.fromProfiles(loaded, transport ?? new HttpConfig(), queueOptions);
  }

  #loadFailed(err: unknown): never {
    this.#stats.droppedNotReady += this.#pending?.length ?? 0;
    this.#stats.waiting = 0;
    this.#pending = undefined;
    this.logger.error({ err }, 'scouter-ts: the queue could not be created; requests are not monitored');
    throw err;
  }

  #adopt(queue: ScouterQueue): ScouterQueue {
    this.#aliases = queue.aliases;
    this.#auto = [];
    for (const alias of queue.aliases) {
      const declared = queue.get(alias).profile.metrics;
      const spec = {
        alias,
        latency: Object.hasOwn(declared, 'latency_ms'),
        error: Object.hasOwn(declared, 'error'),
      };
      if (spec.latency || spec.error) this.#auto.push(spec);
    }
    this.#measuresLatency = this.#auto.some((spec) => spec.latency);
    const defaultAlias = this.#defaultAlias;
    this.#defaultQueue =
      defaultAlias !== undefined && queue.aliases.includes(defaultAlias)
        ? queue.get(defaultAlias)
        : undefined;
    this.#queue = queue;
    this.#directOnly = this.#auto.length === 0 && this.options.shouldRecord === undefined;
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    this.#stats.waiting = 0;
    for (const capture of pending) this.#deliver(capture);
    return queue;
  }

  #deliver(capture: RequestCapture): void {
    const queue = this.#queue as ScouterQueue;
    const entries = capture.entries;
    for (const spec of this.#auto) {
      const auto: Record<string, number> = {};
      if (spec.latency) auto.latency_ms = capture.latencyMs;
      if (spec.error) auto.error = capture.statusCode >= 500 ? 1 : 0;
      if (!this.#mergeInto(entries, spec.alias, auto)) this.#insert(queue, spec.alias, auto);
    }
    if (entries === undefined) return;
    for (let i = 0; i < entries.length; i += 2) {
      this.#insert(queue, entries[i] as string | undefined, entries[i + 1] as MetricsInput | undefined);
    }
  }

  /** Adds automatic values to the first explicit insert for `alias`, so one request stays one sample. */
  #mergeInto(entries: RequestCapture['entries'], alias: string, auto: Record<string, number>): boolean {
    if (entries === undefined) return false;
    for (let i = 0; i < entries.length; i += 2) {
      if ((entries[i] ?? this.#defaultAlias) !== alias) continue;
      const values = entries[i + 1] as MetricsInput | undefined;
      if (typeof values !== 'object' || values === null) return false;
      entries[i + 1] = withAutomatic(values, auto);
      return true;
    }
    return false;
  }

  #insert(queue: ScouterQueue, alias: string | undefined, metrics: MetricsInput | undefined): void {
    const target = alias ?? this.#defaultAlias;
    if (target === undefined) {
      return this.#fail(
        new ScouterError(
          ScouterErrorCode.UnknownAlias,
          `insert(metrics) without an alias needs a single profile or the defaultAlias option; this app has ` +
            `${this.#aliases.map((a) => `"${a}"`).join(', ')}: call insert("${this.#aliases[0] ?? 'alias'}", metrics)`,
        ),
      );
    }
    try {
      const known = alias === undefined ? this.#defaultQueue : undefined;
      (known ?? queue.get(target)).insert(metrics as MetricsInput);
      this.#inserted++;
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    this.#stats.failed++;
    const key =
      err instanceof Error ? `${(err as { code?: string }).code ?? err.name}:${err.message}` : String(err);
    this.#logOnce(
      key,
      'warn',
      { err },
      'scouter-ts: metric values were dropped (logged once per distinct problem)',
    );
  }

  #logOnce(key: string, level: 'warn' | 'error', obj: object, msg: string): void {
    if (this.#logged.has(key)) return;
    if (this.#logged.size < MAX_LOGGED_KEYS) this.#logged.add(key);
    try {
      this.logger[level](obj, msg);
    } catch {
      // A broken logger must not break the request either.
    }
  }
}

/** Marks an app (Express) with the monitor that handles it. */
const kOwner = Symbol.for('@scouter-ts/capture.owner');

function withAutomatic(values: MetricsInput, auto: Record<string, number>): MetricsInput {
  if (!(values instanceof Metrics) && !Array.isArray(values))
    return { ...auto, ...(values as Record<string, number>) };
  const list: readonly Metric[] = values instanceof Metrics ? values.metrics : (values as readonly Metric[]);
  const extra = Object.keys(auto)
    .filter((name) => !list.some((metric) => metric.name === name))
    .map((name) => new Metric(name, auto[name] as number));
  return [...list, ...extra];
}
