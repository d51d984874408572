import PQueue from 'p-queue';
import { ScouterError, ScouterErrorCode } from '../errors.js';
import type { Transport } from '../transport/types.js';
import { MAX_TIMER_MS } from './options.js';
import type { DeliveryProblem, QueueErrorHandler, QueueLogger } from './options.js';
import type { Counters, FlushResult } from './stats.js';

const READY = 0;
const SENDING = 1;
const RETRY_WAIT = 2;
const DONE = 3;

/** `{"records":[` + `]}`: the envelope around the records of one request body. */
const ENVELOPE_BYTES = '{"records":[]}'.length;

/**
 * Renders the records of cut batches as JSON when their body is sealed (implemented by each `Queue`): a cut keeps
 * numbers only, so formatting (number to text, timestamps: most of a cut's cost) runs once per body, in one warm loop,
 * instead of in the request that happened to complete a batch.
 */
export interface PartSource {
  /** Comma-separated `{"Custom":…}` objects for a part's `data`, as the source laid it out. */
  render(data: readonly number[]): string;
  /** True when every rendered character is ASCII, so the text's length is its UTF-8 byte length. */
  readonly asciiOnly: boolean;
}

/** One cut batch waiting to be coalesced: the numbers its source renders as JSON when the body is sealed. */
interface Part {
  readonly seq: number;
  readonly source: PartSource;
  readonly data: readonly number[];
  readonly records: number;
  /**
   * Upper bound of the bytes of the body this part would be on its own (JSON + envelope), counted by the buffer
   * bounds until the body is sealed; then the body's exact length replaces it.
   */
  readonly bytes: number;
}

/** One request body (the records of one or more coalesced batches), serialised once so every retry is byte-identical. */
interface Batch {
  readonly seq: number;
  readonly body: string;
  readonly records: number;
  readonly bytes: number;
  retries: number;
  state: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A `flush()`/`shutdown()` call waiting for the batches that existed (or were cut) when it was made. It is done when
 * `pendingRecords` reaches 0: a batch is delivered or dropped as a whole, and coalescing keeps the record count.
 */
interface Waiter {
  maxSeq: number;
  pendingRecords: number;
  sent: number;
  dropped: number;
  finish: (() => void) | undefined;
}

/** What the outbox needs from the queue. */
export interface OutboxOptions {
  transport: Transport;
  concurrency: number;
  sendLingerMs: number;
  maxRecordsPerSend: number;
  maxBytesPerSend: number;
  maxBufferedRecords: number;
  maxBufferedBytes: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  random: () => number;
  logger: QueueLogger;
  onError: QueueErrorHandler | undefined;
  counters: Counters;
}

type DropReason = 'bufferFull' | 'rejected' | 'retriesExhausted';

function asScouterError(err: unknown): ScouterError {
  if (err instanceof ScouterError) return err;
  const retryable =
    typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
  const after =
    typeof err === 'object' && err !== null ? (err as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new ScouterError(ScouterErrorCode.Network, `Transport failed: ${message}`, {
    cause: err,
    retryable,
    ...(typeof after === 'number' && after >= 0 ? { retryAfterMs: after } : {}),
  });
}

/**
 * The bounded buffer of outgoing batches and their delivery. Cut batches first linger (up to `sendLingerMs`, or until
 * `maxRecordsPerSend` records or `maxBytesPerSend` bytes wait) and are then coalesced into one `{"records":[…]}` body,
 * like Kafka's `linger.ms`: one POST per many batches instead of one per batch. Bodies are sent at most
 * `concurrency` at a time (p-queue), with exponential backoff and full jitter on retryable errors, `Retry-After`
 * honoured, the oldest batch evicted when full.
 * Lingering batches and bodies waiting for a retry count against the bounds, so a long outage cannot grow memory.
 * Sequence numbers order everything: every part lingering is newer than every sealed body.
 */
export class Outbox {
  readonly #o: OutboxOptions;
  readonly #batches = new Map<number, Batch>();
  readonly #ready: Batch[] = [];
  #lingering: Part[] = [];
  #lingeringRecords = 0;
  /** Upper bound of the lingering parts' JSON, one comma each: one body of them all is `ENVELOPE_BYTES - 1` more. */
  #lingeringJsonBytes = 0;
  #lingerTimer: NodeJS.Timeout | undefined;
  readonly #sendQueue: PQueue;
  readonly #waiters = new Set<Waiter>();
  #records = 0;
  #bytes = 0;
  #seq = 0;
  #pumpScheduled = false;
  #failing = false;
  #overflowing = false;

  constructor(options: OutboxOptions) {
    this.#o = options;
    this.#sendQueue = new PQueue({ concurrency: options.concurrency });
  }

  /** Records waiting for delivery (queued, in flight or waiting for a retry). */
  get bufferedRecords(): number {
    return this.#records;
  }

  /** Bytes of the bodies waiting for delivery. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Batches waiting for delivery: request bodies sealed (coalesced) plus cut batches still lingering. */
  get bufferedBatches(): number {
    return this.#batches.size + this.#lingering.length;
  }

  /**
   * Adds one cut batch: `source.render(data)` is its records' JSON text (`{"Custom":…},…`, without the envelope), at
   * most `maxJsonBytes` long in UTF-8. Evicts the oldest waiting batches if it does not fit. Never sends inline.
   */
  enqueue(source: PartSource, data: readonly number[], records: number, maxJsonBytes: number): void {
    const o = this.#o;
    const bytes = maxJsonBytes + ENVELOPE_BYTES;
    if (records > o.maxBufferedRecords || bytes > o.maxBufferedBytes) {
      this.#dropNew(records, bytes, 'scouter-ts: batch larger than the whole outgoing buffer, dropped');
      return;
    }
    while (this.#records + records > o.maxBufferedRecords || this.#bytes + bytes > o.maxBufferedBytes) {
      const victim = this.#oldestWaiting();
      if (victim !== undefined) {
        this.#drop(victim, 'bufferFull');
        continue;
      }
      const part = this.#lingering[0];
      if (part === undefined) {
        this.#dropNew(
          records,
          bytes,
          'scouter-ts: outgoing buffer full of batches in flight, new batch dropped',
        );
        return;
      }
      this.#dropLingering(part);
    }
    const part: Part = { seq: ++this.#seq, source, data, records, bytes };
    this.#records += records;
    this.#bytes += bytes;
    this.#lingering.push(part);
    this.#lingeringRecords += records;
    this.#lingeringJsonBytes += bytes - ENVELOPE_BYTES + 1;
    if (this.#waiters.size > 0) {
      for (const waiter of this.#waiters) if (waiter.maxSeq === Infinity) waiter.pendingRecords += records;
    }
    if (o.sendLingerMs === 0 || this.#fullBodyWaits()) {
      this.#seal(o.sendLingerMs === 0);
    } else if (this.#lingerTimer === undefined) {
      this.#lingerTimer = setTimeout(this.#onLinger, o.sendLingerMs);
      this.#lingerTimer.unref();
    }
  }

  readonly #onLinger = (): void => {
    this.#lingerTimer = undefined;
    this.#seal(true);
  };

  /** True when the lingering parts fill a body: `maxRecordsPerSend` records or `maxBytesPerSend` bytes. */
  #fullBodyWaits(): boolean {
    return (
      this.#lingeringRecords >= this.#o.maxRecordsPerSend ||
      this.#lingeringJsonBytes + ENVELOPE_BYTES - 1 >= this.#o.maxBytesPerSend
    );
  }

  /**
   * Coalesces lingering parts, oldest first, into bodies of at most `maxRecordsPerSend` records and `maxBytesPerSend`
   * bytes (a part is never split, so a part larger than that is a body of its own): all of them when `all`, else only
   * full bodies (the size trigger). Sealed bodies are sent in seq order.
   */
  #seal(all: boolean): void {
    const { maxRecordsPerSend, maxBytesPerSend } = this.#o;
    const parts = this.#lingering;
    let start = 0;
    while (start < parts.length && (all || this.#fullBodyWaits())) {
      let end = start + 1;
      let records = (parts[start] as Part).records;
      let jsonBytes = (parts[start] as Part).bytes - ENVELOPE_BYTES + 1;
      while (end < parts.length) {
        const next = parts[end] as Part;
        const nextJsonBytes = next.bytes - ENVELOPE_BYTES + 1;
        if (records + next.records > maxRecordsPerSend) break;
        if (jsonBytes + nextJsonBytes + ENVELOPE_BYTES - 1 > maxBytesPerSend) break;
        records += next.records;
        jsonBytes += nextJsonBytes;
        end++;
      }
      this.#sealBody(parts, start, end, records);
      this.#lingeringRecords -= records;
      this.#lingeringJsonBytes -= jsonBytes;
      start = end;
    }
    if (start === 0) return;
    this.#lingering = start === parts.length ? [] : parts.slice(start);
    if (this.#lingering.length === 0 && this.#lingerTimer !== undefined) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
    }
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      queueMicrotask(this.#pump);
    }
  }

  /** Turns `parts[start..end)` into one body; it takes the newest part's seq, so waiters need no update. */
  #sealBody(parts: readonly Part[], start: number, end: number, records: number): void {
    let body = '{"records":[';
    let boundBytes = 0;
    let asciiOnly = true;
    for (let i = start; i < end; i++) {
      const part = parts[i] as Part;
      const json = part.source.render(part.data);
      body += i === start ? json : `,${json}`;
      boundBytes += part.bytes;
      asciiOnly &&= part.source.asciiOnly;
    }
    body += ']}';
    // Each part was counted at its upper bound, with its own envelope: the body replaces them by its exact length.
    const bytes = asciiOnly ? body.length : Buffer.byteLength(body);
    this.#bytes -= boundBytes - bytes;
    const batch: Batch = {
      seq: (parts[end - 1] as Part).seq,
      body,
      records,
      bytes,
      retries: 0,
      state: READY,
      timer: undefined,
    };
    this.#batches.set(batch.seq, batch);
    this.#ready.push(batch);
  }

  /**
   * Starts waiting for every batch buffered now or enqueued until `settle()` is called on the result;
   * `settle()` resolves once all of them are delivered or dropped, or at the deadline.
   */
  track(): { settle(timeoutMs?: number): Promise<FlushResult> } {
    const waiter: Waiter = {
      maxSeq: Infinity,
      pendingRecords: this.#records,
      sent: 0,
      dropped: 0,
      finish: undefined,
    };
    this.#waiters.add(waiter);
    return {
      settle: (timeoutMs?: number) => {
        // A flush does not wait for the linger: everything cut so far is sealed and sent now.
        this.#seal(true);
        waiter.maxSeq = this.#seq;
        return new Promise<FlushResult>((resolve) => {
          let timer: NodeJS.Timeout | undefined;
          const finish = () => {
            if (timer !== undefined) clearTimeout(timer);
            this.#waiters.delete(waiter);
            resolve({ sent: waiter.sent, dropped: waiter.dropped, pending: waiter.pendingRecords });
          };
          if (waiter.pendingRecords === 0) {
            finish();
            return;
          }
          waiter.finish = finish;
          // Not unref'd: the caller is awaiting this deadline, so the process must live until it passes.
          if (timeoutMs !== undefined) timer = setTimeout(finish, timeoutMs);
        });
      },
    };
  }

  /** Gives up on every buffered batch (shutdown deadline passed); returns the records abandoned. */
  abandon(): number {
    let abandoned = 0;
    for (const batch of this.#batches.values()) {
      if (batch.timer !== undefined) clearTimeout(batch.timer);
      batch.timer = undefined;
      batch.state = DONE;
      abandoned += batch.records;
    }
    for (const part of this.#lingering) abandoned += part.records;
    this.#lingering = [];
    this.#lingeringRecords = 0;
    this.#lingeringJsonBytes = 0;
    if (this.#lingerTimer !== undefined) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#batches.clear();
    this.#ready.length = 0;
    this.#sendQueue.clear();
    this.#records = 0;
    this.#bytes = 0;
    this.#o.counters.dropped.shutdownTimeout += abandoned;
    return abandoned;
  }

  #dropNew(records: number, bytes: number, msg: string): void {
    if (!this.#overflowing) {
      this.#overflowing = true;
      this.#o.logger.warn(
        { records, bytes, bufferedRecords: this.#records, bufferedBytes: this.#bytes },
        `${msg} (logged once until a delivery succeeds)`,
      );
    }
    this.#o.counters.dropped.bufferFull += records;
    for (const waiter of this.#waiters) if (waiter.maxSeq === Infinity) waiter.dropped += records;
  }

  #oldestWaiting(): Batch | undefined {
    for (const batch of this.#batches.values()) if (batch.state !== SENDING) return batch;
    return undefined;
  }

  readonly #pump = (): void => {
    this.#pumpScheduled = false;
    // One task per ready batch; each task takes the oldest ready batch when it starts, so an evicted batch only
    // leaves a no-op task behind and the task count never exceeds the (bounded) number of ready batches.
    while (this.#sendQueue.size < this.#ready.length) {
      this.#sendQueue.add(this.#sendNext).catch(() => undefined);
    }
  };

  readonly #sendNext = async (): Promise<void> => {
    const batch = this.#ready.shift();
    if (batch === undefined) return;
    batch.state = SENDING;
    let failure: unknown;
    let failed = false;
    try {
      await this.#o.transport.publish(batch.body);
    } catch (err) {
      failed = true;
      failure = err;
    }
    if (batch.state !== SENDING) return;
    if (failed) this.#onFailure(batch, asScouterError(failure));
    else this.#onDelivered(batch);
  };

  #onDelivered(batch: Batch): void {
    const counters = this.#o.counters;
    counters.recordsSent += batch.records;
    counters.batchesSent++;
    this.#remove(batch, true);
    if (this.#failing) {
      this.#failing = false;
      this.#o.logger.info?.({ records: batch.records }, 'scouter-ts: delivery recovered');
    }
    this.#overflowing = false;
  }

  #onFailure(batch: Batch, error: ScouterError): void {
    const o = this.#o;
    if (error.retryable && batch.retries < o.maxRetries) {
      const ceiling = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** batch.retries);
      const delay = Math.min(
        MAX_TIMER_MS,
        Math.max(Math.floor(o.random() * ceiling), error.retryAfterMs ?? 0),
      );
      this.#report(error, 'retrying', batch);
      const log = { err: error, records: batch.records, retry: batch.retries + 1, delayMs: delay };
      if (!this.#failing) {
        this.#failing = true;
        o.logger.warn(
          log,
          'scouter-ts: delivery failed, retrying with backoff (logged once until it recovers)',
        );
      } else {
        o.logger.debug?.(log, 'scouter-ts: delivery failed again, retrying');
      }
      batch.retries++;
      o.counters.retries++;
      batch.state = RETRY_WAIT;
      batch.timer = setTimeout(() => this.#requeue(batch), delay);
      batch.timer.unref();
      return;
    }
    const reason = error.retryable ? 'retriesExhausted' : 'rejected';
    this.#report(error, reason, batch);
    o.logger.error(
      { err: error, records: batch.records, retries: batch.retries, reason },
      error.retryable
        ? `scouter-ts: batch dropped after ${batch.retries} retries`
        : 'scouter-ts: batch rejected by the receiver and dropped (not retryable)',
    );
    this.#drop(batch, reason);
  }

  #requeue(batch: Batch): void {
    batch.timer = undefined;
    if (batch.state !== RETRY_WAIT) return;
    batch.state = READY;
    let i = 0;
    while (i < this.#ready.length && (this.#ready[i] as Batch).seq < batch.seq) i++;
    this.#ready.splice(i, 0, batch);
    this.#pump();
  }

  #report(error: ScouterError, problem: DeliveryProblem, batch: Batch): void {
    const onError = this.#o.onError;
    if (onError === undefined) return;
    try {
      onError(error, { problem, records: batch.records, attempt: batch.retries });
    } catch (hookError) {
      this.#o.logger.error({ err: hookError }, 'scouter-ts: the onError hook threw; ignored');
    }
  }

  #drop(batch: Batch, reason: DropReason): void {
    if (reason === 'bufferFull' && !this.#overflowing) {
      this.#overflowing = true;
      this.#o.logger.warn(
        { records: batch.records, bufferedRecords: this.#records, bufferedBytes: this.#bytes },
        'scouter-ts: outgoing buffer full, dropping the oldest batches (logged once until a delivery succeeds)',
      );
    }
    this.#o.counters.dropped[reason] += batch.records;
    this.#remove(batch, false);
  }

  /** Evicts the oldest lingering part (buffer full and no sealed body to drop). */
  #dropLingering(part: Part): void {
    if (!this.#overflowing) {
      this.#overflowing = true;
      this.#o.logger.warn(
        { records: part.records, bufferedRecords: this.#records, bufferedBytes: this.#bytes },
        'scouter-ts: outgoing buffer full, dropping the oldest batches (logged once until a delivery succeeds)',
      );
    }
    this.#lingering.shift();
    this.#lingeringRecords -= part.records;
    this.#lingeringJsonBytes -= part.bytes - ENVELOPE_BYTES + 1;
    if (this.#lingering.length === 0 && this.#lingerTimer !== undefined) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
    }
    this.#o.counters.dropped.bufferFull += part.records;
    this.#settle(part, false);
  }

  #remove(batch: Batch, sent: boolean): void {
    if (batch.state === READY) {
      const i = this.#ready.indexOf(batch);
      if (i >= 0) this.#ready.splice(i, 1);
    }
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    batch.timer = undefined;
    batch.state = DONE;
    this.#batches.delete(batch.seq);
    this.#settle(batch, sent);
  }

  /** Takes a delivered or dropped body or part out of the bounds and out of the waiters' pending records. */
  #settle(
    unit: { readonly seq: number; readonly records: number; readonly bytes: number },
    sent: boolean,
  ): void {
    this.#records -= unit.records;
    this.#bytes -= unit.bytes;
    for (const waiter of this.#waiters) {
      if (unit.seq > waiter.maxSeq) continue;
      if (sent) waiter.sent += unit.records;
      else waiter.dropped += unit.records;
      waiter.pendingRecords -= unit.records;
      if (waiter.pendingRecords === 0 && waiter.finish !== undefined) waiter.finish();
    }
  }
}
