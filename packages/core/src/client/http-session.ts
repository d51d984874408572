import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { ScouterError, ScouterErrorCode } from '../errors.js';
import { HttpConfig } from '../transport/http-config.js';
import type { HttpConfigOptions } from '../transport/http-config.js';
import {
  SessionCore,
  type ExchangeRequest,
  type ExchangeResponse,
  type HttpExchange,
  type HttpRequestOptions,
} from './session-core.js';

/** Options of `new HttpSession(config, options)`. */
export interface HttpSessionOptions {
  /** undici dispatcher to send through (e.g. a `MockAgent` in tests); not closed by `close()`. Default: own `Pool`. */
  dispatcher?: Dispatcher;
}

/** `SessionCore`'s requests through an undici dispatcher (its own keep-alive `Pool`, or one passed in). */
class UndiciExchange implements HttpExchange {
  readonly #origin: string;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #owned: boolean;

  constructor(origin: string, config: HttpConfig, dispatcher: Dispatcher | undefined) {
    this.#origin = origin;
    this.#timeoutMs = config.timeoutMs;
    this.#owned = dispatcher === undefined;
    this.#dispatcher =
      dispatcher ??
      new Pool(origin, {
        connections: config.connections,
        keepAliveTimeout: 30_000,
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
      });
  }

  async request({ path, method, headers, body, signal }: ExchangeRequest): Promise<ExchangeResponse> {
    const response = await this.#dispatcher.request({
      origin: this.#origin,
      path,
      method,
      headers,
      body,
      signal,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }
}

/**
 * One authenticated connection to a Scouter server, shared by `ScouterClient` and `HttpTransport`.
 * Uses a keep-alive undici `Pool`, sends `Username`/`Password` headers on every call (as Scouter's clients do) plus
 * `Authorization: Bearer <token>`, logs in lazily (concurrent callers share one login), adopts a rotated token from a
 * response's `Authorization` header, and on a 401 from a protected route logs in again and retries once.
 * It never retries anything else: the queue owns retries.
 */
export class HttpSession extends SessionCore {
  /** The configuration this session was built from. */
  readonly config: HttpConfig;

  constructor(config: HttpConfig | HttpConfigOptions = {}, options: HttpSessionOptions = {}) {
    const resolved = config instanceof HttpConfig ? config : new HttpConfig(config);
    super(resolved, (origin) => new UndiciExchange(origin, resolved, options.dispatcher));
    this.config = resolved;
  }

  /** Sends a request and returns the parsed JSON body of the 2xx answer (`undefined` for an empty body). */
  async request<T = unknown>(method: string, route: string, options: HttpRequestOptions = {}): Promise<T> {
    const response = await this.send(method, route, options);
    if (response.text === '') return undefined as T;
    try {
      return JSON.parse(response.text) as T;
    } catch (err) {
      throw new ScouterError(
        ScouterErrorCode.HttpStatus,
        `${method} ${this.url(route, options.query)} answered HTTP ${response.status} with a body that is not JSON: ${response.text.slice(0, 200)}`,
        { cause: err },
      );
    }
  }

  /** Like `request`, then validates the body with a zod schema (a mismatch rejects with `ERR_HTTP_STATUS`). */
  async requestParsed<S extends z.ZodType>(
    schema: S,
    method: string,
    route: string,
    options: HttpRequestOptions = {},
  ): Promise<z.output<S>> {
    const body = await this.request(method, route, options);
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    throw new ScouterError(
      ScouterErrorCode.HttpStatus,
      `${method} ${this.url(route, options.query)} answered with an unexpected body: ${result.error.message}`,
      { cause: result.error },
    );
  }
}

/**
 * A session taken from an existing `HttpSession` (borrowed: the caller's `close()` leaves it open) or made from a config
 * (owned: closed with its user). Shared by `ScouterClient` and `HttpTransport`.
 */
export function acquireSession(
  config: HttpConfig | HttpConfigOptions | HttpSession,
  options: HttpSessionOptions,
): { session: HttpSession; owned: boolean } {
  return config instanceof HttpSession
    ? { session: config, owned: false }
    : { session: new HttpSession(config, options), owned: true };
}
