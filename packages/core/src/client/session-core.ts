// The part of `HttpSession` that the delivery worker runs too: login, bearer token, rotation, the single re-login
// after a 401 and the mapping of answers and failures to `ScouterError`s, over any `HttpExchange`. It imports neither
// zod nor undici, so the worker's isolate stays small (bench/README.md: its idle heap is collected again and again).
import { EventEmitter } from 'node:events';
import {
  ScouterAuthError,
  ScouterError,
  ScouterErrorCode,
  ScouterHttpError,
  ScouterNetworkError,
  ScouterTimeoutError,
} from '../errors.js';

/** Value types allowed in a query string; `null`/`undefined` fields are left out, as serde_qs does for `None`. */
export type QueryValue = string | number | boolean | null | undefined;

/** One call made through `HttpSession.request`. */
export interface HttpRequestOptions {
  /** Query fields, written in insertion order (keep Scouter's struct order); default none. */
  query?: Record<string, QueryValue>;
  /** Body serialised with `JSON.stringify` and sent as `application/json`; default none. */
  json?: unknown;
  /** Body sent as is with `Content-Type: application/json` (already serialised JSON, as text or UTF-8); default none. */
  body?: string | Uint8Array;
  /** Whether the route needs a bearer token (log in first, re-login on 401); default true. */
  auth?: boolean;
}

/** What `HttpSession.send` returns for a 2xx answer. */
export interface HttpResponse {
  /** HTTP status (2xx). */
  status: number;
  /** Response body text. */
  text: string;
}

/** The resolved fields of an `HttpConfig` a session needs (an `HttpConfig` is one; the worker gets them as data). */
export interface SessionSettings {
  readonly serverUri: string;
  readonly username: string;
  readonly password: string;
  readonly authToken: string;
  readonly timeoutMs: number;
  readonly connections: number;
}

/** Response headers as node and undici give them: lower-case names. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** One request as a session hands it to its `HttpExchange`. */
export interface ExchangeRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** Fires once the whole-request deadline passed; the exchange must then abort with `signal.reason`. */
  signal: Deadline;
}

/** The answer to an `ExchangeRequest`, whatever its status. */
export interface ExchangeResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

/**
 * The HTTP client under a session, for one origin: undici's `Pool` in the app's thread (`HttpSession`), node:http's
 * keep-alive `Agent` in the delivery worker. Rejects with the client's own error; the session classifies it.
 */
export interface HttpExchange {
  request(request: ExchangeRequest): Promise<ExchangeResponse>;
  /** Closes the connections (waiting for requests in flight); called once. */
  close(): Promise<void>;
}

const MAX_ERROR_BODY_CHARS = 2048;

/**
 * `Retry-After` as a delay in ms: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); `undefined` when absent or
 * unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The per-request deadline as an abort signal undici accepts (an EventEmitter with `aborted`/`reason`): measured at
 * ~15 µs of CPU less per request than an `AbortController`, whose signal creation and listener bookkeeping were the
 * largest cost of ours in a profile of `send()`.
 */
export class Deadline extends EventEmitter {
  aborted = false;
  reason: Error | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.#timer = setTimeout(this.#fire, ms, ms);
    this.#timer.unref();
  }

  clear(): void {
    clearTimeout(this.#timer);
  }

  readonly #fire = (ms: number): void => {
    const reason = new Error(`timed out after ${ms} ms`);
    reason.name = 'TimeoutError';
    this.reason = reason;
    this.aborted = true;
    this.emit('abort');
  };
}

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearerOf(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith('Bearer ')) return undefined;
  const token = value.slice('Bearer '.length).trim();
  return token === '' ? undefined : token;
}

/** Builds a query string in field order, leaving out `null`/`undefined` (serde_qs leaves out `None`). */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isTimeout(err: unknown): boolean {
  const code = errorCode(err);
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return true;
  return err instanceof Error && err.name === 'TimeoutError';
}

/** Server's own explanation from a Scouter error body (`{"error"}`, `{"error","message"}`) or the plain text. */
export function serverMessageOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const { error, message } = parsed as { error?: unknown; message?: unknown };
      if (typeof message === 'string' && typeof error === 'string') return `${error}: ${message}`;
      if (typeof error === 'string') return error;
      if (typeof message === 'string') return message;
    }
  } catch {
    // not JSON: axum extractor rejections are plain text
  }
  return body;
}

/**
 * One authenticated connection to a Scouter server over an `HttpExchange`: sends `Username`/`Password` headers on
 * every call (as Scouter's clients do) plus `Authorization: Bearer <token>`, logs in lazily (concurrent callers share
 * one login), adopts a rotated token from a response's `Authorization` header, and on a 401 from a protected route
 * logs in again and retries once. It never retries anything else: the queue owns retries. `HttpSession` is this over
 * undici; the delivery worker runs it over node:http.
 */
export class SessionCore {
  readonly #settings: SessionSettings;
  readonly #exchange: HttpExchange;
  readonly #origin: string;
  readonly #basePath: string;
  #token: string | undefined;
  /** Request headers for the current token, without and with a JSON body; rebuilt when the token changes. */
  #headersFor: string | undefined | null = null;
  #headers: Record<string, string> = {};
  #jsonHeaders: Record<string, string> = {};
  #login: Promise<string> | undefined;
  #closed = false;

  /** `exchange` is made for the origin of `settings.serverUri` (scheme, host and port). */
  constructor(settings: SessionSettings, exchange: (origin: string) => HttpExchange) {
    this.#settings = settings;
    const url = new URL(settings.serverUri);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#token = settings.authToken === '' ? undefined : settings.authToken;
    this.#exchange = exchange(this.#origin);
  }

  /** The bearer token in use (after login or rotation); `undefined` before the first login. */
  get token(): string | undefined {
    return this.#token;
  }

  /** Full URL of a Scouter route, e.g. `url('message')` = `http://host:8000/scouter/message`. */
  url(route: string, query?: Record<string, QueryValue>): string {
    return `${this.#origin}${this.#path(route, query)}`;
  }

  /**
   * Logs in with `GET /scouter/auth/login` (unless a login is already in flight) and returns the new token.
   * Rejects with `ScouterAuthError` on a 4xx answer (bad credentials; not retryable), `ScouterHttpError` on 5xx,
   * `ScouterTimeoutError`/`ScouterNetworkError` when the server cannot be reached.
   */
  login(): Promise<string> {
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  /** Sends a request; resolves with the 2xx response and rejects with a typed `ScouterError` otherwise. */
  async send(method: string, route: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    this.#assertOpen();
    const auth = options.auth ?? true;
    if (auth && this.#token === undefined) await this.login();
    const used = this.#token;
    const first = await this.#exchangeOnce(method, route, options);
    if (first.status !== 401 || !auth) return this.#check(method, route, options, first);
    if (this.#token === used) this.#token = undefined;
    if (this.#token === undefined) await this.login();
    return this.#check(method, route, options, await this.#exchangeOnce(method, route, options));
  }

  /** Closes the connections (waits for in-flight requests); idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#exchange.close();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ScouterError(ScouterErrorCode.Network, 'This HttpSession has been closed.', {
        retryable: false,
      });
    }
  }

  async #doLogin(): Promise<string> {
    this.#assertOpen();
    const response = await this.#exchangeOnce('GET', 'auth/login', {});
    if (response.status >= 400 && response.status < 500) {
      throw new ScouterAuthError(
        `Login to ${this.url('auth/login')} as "${this.#settings.username}" failed with HTTP ${response.status}: ${serverMessageOf(response.text)}. Check username/password (SCOUTER_USERNAME/SCOUTER_PASSWORD).`,
      );
    }
    const ok = this.#check('GET', 'auth/login', {}, response);
    let token: unknown;
    try {
      token = (JSON.parse(ok.text) as { token?: unknown }).token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      throw new ScouterAuthError(
        `Login to ${this.url('auth/login')} answered without a token: ${ok.text.slice(0, 200)}`,
      );
    }
    this.#token = token;
    return token;
  }

  #path(route: string, query?: Record<string, QueryValue>): string {
    return `${this.#basePath}/scouter/${route}${buildQuery(query)}`;
  }

  #check(
    method: string,
    route: string,
    options: HttpRequestOptions,
    response: ExchangeResponse,
  ): HttpResponse {
    if (response.status >= 200 && response.status < 300)
      return { status: response.status, text: response.text };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    throw new ScouterHttpError(
      response.status,
      response.text.slice(0, MAX_ERROR_BODY_CHARS),
      method,
      this.url(route, options.query),
      retryAfterMs === undefined ? {} : { retryAfterMs },
    );
  }

  /** The headers of a request, built once per token (the exchanges do not modify them). */
  #headersOf(withBody: boolean): Record<string, string> {
    if (this.#headersFor !== this.#token) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        username: this.#settings.username,
        password: this.#settings.password,
      };
      if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
      this.#headers = headers;
      this.#jsonHeaders = { ...headers, 'content-type': 'application/json' };
      this.#headersFor = this.#token;
    }
    return withBody ? this.#jsonHeaders : this.#headers;
  }

  async #exchangeOnce(method: string, route: string, options: HttpRequestOptions): Promise<ExchangeResponse> {
    let body: string | Uint8Array | undefined;
    if (options.body !== undefined) body = options.body;
    else if (options.json !== undefined) body = JSON.stringify(options.json);
    const { timeoutMs } = this.#settings;
    const deadline = new Deadline(timeoutMs);
    try {
      const response = await this.#exchange.request({
        path: this.#path(route, options.query),
        method,
        headers: this.#headersOf(body !== undefined),
        body,
        signal: deadline,
      });
      const rotated = bearerOf(headerValue(response.headers, 'authorization'));
      if (rotated !== undefined) this.#token = rotated;
      return response;
    } catch (err) {
      const url = this.url(route, options.query);
      if (deadline.aborted || isTimeout(err)) {
        throw new ScouterTimeoutError(`${method} ${url} timed out after ${timeoutMs} ms`, { cause: err });
      }
      const detail = err instanceof Error ? err.message : String(err);
      throw new ScouterNetworkError(`${method} ${url} failed: ${detail}`, { cause: err });
    } finally {
      deadline.clear();
    }
  }
}
