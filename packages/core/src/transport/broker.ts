import {
  ScouterAuthError,
  ScouterError,
  ScouterErrorCode,
  ScouterNetworkError,
  ScouterTimeoutError,
} from '../errors.js';
import { inspect } from 'node:util';
import { z } from 'zod';
import { protocolOptionSchema, type ScouterProtocol } from '../wire/protocol.js';
import type { Transport } from './types.js';

/** One open connection (or producer) to a broker, as a `BrokerDriver` opened it. */
export interface BrokerConnection {
  /** Hands one body to the broker; resolves once the broker confirmed it (reply, publisher confirm, acks). */
  send(body: string): Promise<void>;
  /** Releases the connection; must not reject. */
  close(): Promise<void>;
}

/**
 * What one broker (Redis, RabbitMQ, Kafka) plugs into `BrokerTransport`: how to open a connection with its client
 * library (imported with `importOptional`), and how to tell its authentication failures apart.
 */
export interface BrokerDriver {
  /** Transport name, e.g. `'redis'`. */
  readonly kind: string;
  /** Where it publishes, credentials masked, for error messages, e.g. `redis://127.0.0.1:6379 channel "scouter_monitoring"`. */
  readonly target: string;
  /** How to fix a failure to reach it, appended to error messages, e.g. `check REDIS_ADDR`. */
  readonly hint: string;
  /**
   * Opens a connection. The driver calls `onLost` when an open connection breaks later (closed by the broker,
   * socket error), so that the next publish opens a new one.
   */
  open(onLost: (cause: unknown) => void): Promise<BrokerConnection>;
  /** True when `err` is the broker refusing the credentials. Default: never. */
  isAuthError?(err: unknown): boolean;
}

/** Timeouts of a broker transport. */
export interface BrokerTimeouts {
  /** Longest wait for a connection to open. */
  connectTimeoutMs: number;
  /** Longest wait for the broker to confirm one body. */
  publishTimeoutMs: number;
}

const timeoutMs = z
  .number()
  .int('must be a whole number of milliseconds')
  .positive('must be > 0 (milliseconds)')
  .max(2_147_483_647, 'must be <= 2147483647 ms');

/** The timeout options every broker config has (a shape to spread into its zod schema). */
export const brokerTimeoutOptions = {
  /** Longest wait for a connection to the broker to open (and authenticate), in ms. Default 10000. */
  connectTimeoutMs: timeoutMs.default(10_000),
  /** Longest wait for the broker to confirm one message, in ms. Default 10000. */
  publishTimeoutMs: timeoutMs.default(10_000),
};

/**
 * The `protocol` option of the broker configs: the record dialect put on the broker, which must be the one the Scouter
 * server consuming it speaks: `'v0.13'` (default), `'v0.25'`, `'latest'` (= `'v0.25'`) or a release such as
 * `'0.25.0'`. `'auto'` is refused: a broker cannot be asked which server reads from it.
 */
export const brokerProtocolOption = protocolOptionSchema
  .transform((protocol, ctx): ScouterProtocol => {
    if (protocol !== 'auto') return protocol;
    ctx.addIssue({
      code: 'custom',
      message:
        "'auto' asks the server, and a broker cannot answer for the server that consumes it: set 'v0.13' (Scouter <= 0.13) or 'v0.25' ('latest', Scouter 0.14 to 0.25)",
    });
    return z.NEVER;
  })
  .default('v0.13');

/** `scheme://user:***@host/...`: a broker URL with its password masked, for logs and messages. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/**
 * Base of the broker configs whose address is a URL that may hold a password (`RedisConfig`, `RabbitMQConfig`): the
 * password never appears in `toString()`, `JSON.stringify()` or `util.inspect()`.
 */
export abstract class BrokerUrlConfig {
  /** Transport selector used by `createTransport`, e.g. `'Redis'`. */
  abstract readonly transportType: string;
  readonly #address: string;

  protected constructor(address: string) {
    this.#address = address;
  }

  /** The broker URL in use, credentials included. */
  get address(): string {
    return this.#address;
  }

  /** The fields printed after `transportType` and the masked `address`. */
  protected abstract printable(): Record<string, unknown>;

  /** Printable form with the password masked. */
  toJSON(): Record<string, unknown> {
    return { transportType: this.transportType, address: maskUrl(this.#address), ...this.printable() };
  }

  /** `RedisConfig { … }` (etc.) with the password masked. */
  toString(): string {
    return `${this.transportType}Config ${JSON.stringify(this.toJSON())}`;
  }

  /** Keeps `console.log(config)` free of secrets. */
  [inspect.custom](): string {
    return this.toString();
  }
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => ScouterError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * The one `Transport` of every broker: the queue hands it a body, it publishes it on a lazily opened connection and
 * resolves once the broker confirmed it. Batching, buffering, retries with backoff and drop counting stay in the queue,
 * exactly as for HTTP. Every failure rejects with a `ScouterError` that names the broker, the address and the fix:
 * retryable for a broker that cannot be reached, goes away, refuses the credentials (fixable without restarting the
 * app) or times out, so the queue keeps the records within its buffer bounds and delivers them once the broker is
 * back; not retryable for a missing client package (`MissingDependencyError`). A failed or lost connection is
 * discarded and the next publish opens a new one. A body whose confirm timed out may still arrive and be sent again:
 * the server's idempotent insert stores it once.
 */
export class BrokerTransport implements Transport {
  /** The driver's name, e.g. `'redis'`. */
  readonly kind: string;
  readonly #driver: BrokerDriver;
  readonly #timeouts: BrokerTimeouts;
  #connection: Promise<BrokerConnection> | undefined;
  #closed = false;

  constructor(driver: BrokerDriver, timeouts: BrokerTimeouts) {
    this.kind = driver.kind;
    this.#driver = driver;
    this.#timeouts = timeouts;
  }

  /** Publishes one `{"records":[…]}` body, byte for byte; opens the connection first when there is none. */
  async publish(body: string): Promise<void> {
    if (this.#closed) {
      throw new ScouterError(ScouterErrorCode.QueueShutDown, `The ${this.kind} transport is closed`);
    }
    const pending = this.#connect();
    let connection: BrokerConnection;
    try {
      connection = await pending;
    } catch (err) {
      this.#discard(pending);
      throw this.#toError(err, 'connect to');
    }
    try {
      await withTimeout(
        connection.send(body),
        this.#timeouts.publishTimeoutMs,
        () =>
          new ScouterTimeoutError(
            `${this.kind} at ${this.#driver.target} did not confirm a message within ${this.#timeouts.publishTimeoutMs} ms (${this.#driver.hint})`,
          ),
      );
    } catch (err) {
      // A driver's own ScouterError (e.g. no Redis subscriber) leaves a healthy connection; anything else may not.
      if (!(err instanceof ScouterError) || err instanceof ScouterTimeoutError) this.#discard(pending);
      throw this.#toError(err, 'publish to');
    }
  }

  /** Closes the connection, if one is open or opening; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#connection;
    this.#connection = undefined;
    if (pending === undefined) return;
    const connection = await pending.catch(() => undefined);
    await connection?.close();
  }

  #connect(): Promise<BrokerConnection> {
    if (this.#connection !== undefined) return this.#connection;
    // Deferred a microtask, so a driver calling `onLost` early still finds `pending` initialised.
    const opening = this.#driver.open(() => queueMicrotask(() => this.#discard(pending)));
    const pending = withTimeout(
      opening,
      this.#timeouts.connectTimeoutMs,
      () =>
        new ScouterTimeoutError(
          `Could not connect to ${this.kind} at ${this.#driver.target} within ${this.#timeouts.connectTimeoutMs} ms (${this.#driver.hint})`,
        ),
    );
    // A connection that opens after its timeout is closed, not leaked.
    pending.catch(() => opening.then((c) => c.close()).catch(() => undefined));
    this.#connection = pending;
    return pending;
  }

  /** Drops `pending` (failed or broken) so the next publish opens a new connection. */
  #discard(pending: Promise<BrokerConnection>): void {
    if (this.#connection !== pending) return;
    this.#connection = undefined;
    void pending.then((c) => c.close()).catch(() => undefined);
  }

  #toError(err: unknown, action: string): ScouterError {
    if (err instanceof ScouterError) return err;
    const { kind, target, hint } = this.#driver;
    if (this.#driver.isAuthError?.(err) === true) {
      return new ScouterAuthError(
        `${kind} at ${target} refused the credentials: ${messageOf(err)} (${hint})`,
        { cause: err, retryable: true },
      );
    }
    return new ScouterNetworkError(`Could not ${action} ${kind} at ${target}: ${messageOf(err)} (${hint})`, {
      cause: err,
    });
  }
}
