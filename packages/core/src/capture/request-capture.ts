import type { MetricsInput } from '../queue/metrics.js';

/** What handlers see as `req.scouter` / `request.scouter`: the metric values of one request. */
export interface RequestScouter {
  /**
   * Adds metric values for this request; they reach the queue when the response finishes. Without an alias they go
   * to the only profile (or `defaultAlias`). Never throws: bad values and unknown aliases are logged and counted.
   */
  insert(metrics: MetricsInput): void;
  insert(alias: string, metrics: MetricsInput): void;
}

/** Where a capture hands its values (implemented by `RequestMonitor`). */
export interface CaptureReceiver {
  /** Called once, when the response finished or the connection closed. */
  commit(capture: RequestCapture): void;
  /** An insert to hand over at once: a direct capture's, or one after the response finished (a late continuation). */
  insertNow(alias: string | undefined, metrics: MetricsInput | undefined): void;
}

/**
 * The per-request capture: a tiny list of `[alias, metrics]` pairs plus the start time, committed once when the
 * response ends. Allocation-free until the first insert. A capture created committed (`direct`) has no end to wait
 * for: it hands each insert to the queue at once (used when no profile declares automatic metrics, see
 * `RequestMonitor.begin`).
 */
export class RequestCapture implements RequestScouter {
  /** Monotonic start time (`performance.now()`) for `latency_ms`; 0 when no profile needs it or the framework measures it. */
  readonly startedAt: number;
  /** Flat list `alias | undefined, metrics, …` of explicit inserts; undefined until the first one. */
  entries: Array<string | MetricsInput | undefined> | undefined = undefined;
  /** HTTP status at commit. */
  statusCode = 0;
  /** Milliseconds from creation to commit (monotonic clock). */
  latencyMs = 0;
  readonly #receiver: CaptureReceiver | undefined;
  #committed = false;

  /**
   * An inert capture (no receiver) ignores everything: used for requests `shouldRecord` rejected. `timed: false`
   * skips reading the clock: no profile declares `latency_ms`, or the adapter passes the framework's own latency to
   * `commit()` (Fastify). `direct: true` creates it committed: every insert goes to the receiver at once.
   */
  constructor(receiver: CaptureReceiver | undefined, timed = true, direct = false) {
    this.#receiver = receiver;
    this.#committed = direct;
    this.startedAt = receiver === undefined || !timed || direct ? 0 : performance.now();
  }

  /**
   * False when nothing waits for this request's end: the capture is inert (filtered out) or direct. Adapters listen
   * for the end of a response only when this is true.
   */
  get needsEnd(): boolean {
    return this.#receiver !== undefined && !this.#committed;
  }

  insert(metrics: MetricsInput): void;
  insert(alias: string, metrics: MetricsInput): void;
  insert(aliasOrMetrics: string | MetricsInput, metrics?: MetricsInput): void {
    if (this.#receiver === undefined) return;
    const alias = typeof aliasOrMetrics === 'string' ? aliasOrMetrics : undefined;
    const values = typeof aliasOrMetrics === 'string' ? metrics : aliasOrMetrics;
    if (this.#committed) return this.#receiver.insertNow(alias, values);
    // A literal sized for the usual single insert: `[]` + push would allocate room for about 19 per request.
    if (this.entries === undefined) this.entries = [alias, values];
    else this.entries.push(alias, values);
  }

  /**
   * Ends the request: records status and latency (measured from creation, unless the framework measured it, e.g.
   * Fastify's `reply.elapsedTime`) and hands everything to the monitor. Idempotent.
   */
  commit(statusCode: number, latencyMs?: number): void {
    if (this.#committed || this.#receiver === undefined) return;
    this.#committed = true;
    this.latencyMs = latencyMs ?? (this.startedAt > 0 ? performance.now() - this.startedAt : 0);
    this.statusCode = statusCode;
    this.#receiver.commit(this);
  }
}
