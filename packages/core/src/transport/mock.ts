import { z } from 'zod';
import { ScouterError } from '../errors.js';
import { parseOptions } from '../options.js';
import type { CustomMetricServerRecordJson, ServerRecordsJson } from '../wire/schemas.js';
import type { Transport } from './types.js';

/** Decides per publish call whether to fail: return an error to reject with it, `undefined` to deliver. */
export type MockFailure = (body: string, call: number) => ScouterError | undefined;

const mockConfigOptionsSchema = z.strictObject({
  /** Error to reject publishes with (or a function choosing per call, `call` counting from 1). Default none. */
  failWith: z
    .custom<ScouterError | MockFailure>(
      (value) => value instanceof ScouterError || typeof value === 'function',
      {
        message: 'expected a ScouterError or a function (body, call) => ScouterError | undefined',
      },
    )
    .optional(),
  /** How many publishes fail with `failWith` before publishes succeed again. Default: all of them. */
  failTimes: z.number().int('must be a whole number').min(0, 'must be >= 0').optional(),
  /** Delay before each publish settles, in ms (timer-based, so fake timers control it). Default 0. */
  latencyMs: z.number().min(0, 'must be >= 0').default(0),
});

/** Options of `new MockConfig(...)`; every field is optional. */
export type MockConfigOptions = z.input<typeof mockConfigOptionsSchema>;

/**
 * An in-memory transport for tests, in place of `HttpConfig` (like Python's `scouter.mock.MockConfig`, but it records
 * what was published so you can assert on it). Every delivered batch is kept: `.bodies` (exact JSON text),
 * `.batches` (parsed), `.records` (all records, flat). `failWith`/`failTimes` simulate delivery failures.
 */
export class MockConfig {
  /** Transport selector used by `createTransport`; always `'Mock'`. */
  readonly transportType = 'Mock' as const;
  /** Error (or chooser) publishes fail with; default none. */
  readonly failWith: ScouterError | MockFailure | undefined;
  /** Publishes that fail before delivery succeeds again; default all (when `failWith` is set). */
  readonly failTimes: number;
  /** Delay before each publish settles, in ms; default 0. */
  readonly latencyMs: number;
  /** Exact JSON text of every delivered batch, in delivery order. */
  readonly bodies: string[] = [];
  /** Every delivered batch, parsed. */
  readonly batches: ServerRecordsJson[] = [];
  /** Publish calls made (delivered or failed). */
  calls = 0;

  constructor(options: MockConfigOptions = {}) {
    const parsed = parseOptions(mockConfigOptionsSchema, options, 'MockConfig');
    this.failWith = parsed.failWith;
    this.failTimes = parsed.failTimes ?? Infinity;
    this.latencyMs = parsed.latencyMs;
  }

  /** Every delivered record (the `Custom` payloads), flattened over batches. */
  get records(): CustomMetricServerRecordJson[] {
    return this.batches.flatMap((batch) => batch.records.map((record) => record.Custom));
  }

  /** Forgets everything recorded (the failure settings stay). */
  reset(): void {
    this.bodies.length = 0;
    this.batches.length = 0;
    this.calls = 0;
  }
}

/** The `Transport` behind `MockConfig`: publishes into the config's in-memory lists. */
export class MockTransport implements Transport {
  /** Always `'mock'`. */
  readonly kind = 'mock';
  /** Where published batches are recorded (the config given, or a fresh one). */
  readonly config: MockConfig;
  #failures = 0;
  #closed = false;

  constructor(config: MockConfig | MockConfigOptions = {}) {
    this.config = config instanceof MockConfig ? config : new MockConfig(config);
  }

  /** Exact JSON text of every delivered batch. */
  get bodies(): string[] {
    return this.config.bodies;
  }

  /** Every delivered batch, parsed. */
  get batches(): ServerRecordsJson[] {
    return this.config.batches;
  }

  /** Every delivered record, flattened. */
  get records(): CustomMetricServerRecordJson[] {
    return this.config.records;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.config.reset();
  }

  /** Records `body`, or rejects per `failWith`/`failTimes`; rejects non-retryably after `close()`. */
  async publish(body: string): Promise<void> {
    const config = this.config;
    const call = ++config.calls;
    if (config.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, config.latencyMs));
    if (this.#closed) throw new ScouterError('ERR_QUEUE_SHUT_DOWN', 'MockTransport is closed');
    const failWith = config.failWith;
    if (failWith !== undefined && this.#failures < config.failTimes) {
      const error = failWith instanceof ScouterError ? failWith : failWith(body, call);
      if (error !== undefined) {
        this.#failures++;
        throw error;
      }
    }
    config.batches.push(JSON.parse(body) as ServerRecordsJson);
    config.bodies.push(body);
  }

  /** Marks the transport closed; what was recorded stays readable. */
  async close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
