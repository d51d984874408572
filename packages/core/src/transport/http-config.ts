import { inspect } from 'node:util';
import { z } from 'zod';
import { parseOptions, requireOptionsObject } from '../options.js';
import { protocolOptionSchema } from '../wire/protocol.js';
import type { ProtocolOption, ScouterProtocol } from '../wire/protocol.js';
import { fromEnv } from './env.js';

const httpUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === 'http:' || url.protocol === 'https:') &&
          url.search === '' &&
          url.hash === '' &&
          url.username === '' &&
          url.password === ''
        );
      } catch {
        return false;
      }
    },
    {
      message:
        'expected an http(s) URL without credentials, query or fragment, e.g. "http://localhost:8000" (set serverUri or SCOUTER_SERVER_URI; credentials go in username/password)',
    },
  )
  .transform((value) => value.replace(/\/+$/, ''));

/** Schema of the `HttpConfig` options (after the environment fallbacks have been applied). */
export const httpConfigOptionsSchema = z.object({
  /** Base URL of the Scouter server; a trailing `/` is removed. Default `$SCOUTER_SERVER_URI`, else `http://localhost:8000`. */
  serverUri: httpUrl.default('http://localhost:8000'),
  /** User name sent to `GET /scouter/auth/login`. Default `$SCOUTER_USERNAME`, else `admin`. */
  username: z.string().min(1, 'must not be empty (set username or SCOUTER_USERNAME)').default('admin'),
  /** Password sent to `GET /scouter/auth/login`. Default `$SCOUTER_PASSWORD`, else `admin`. */
  password: z.string().default('admin'),
  /** Bearer token to try before logging in (a 401 triggers a login). Default `$SCOUTER_AUTH_TOKEN`, else `''`. */
  authToken: z.string().default(''),
  /** Whole-request timeout in ms (connect, headers and body). Default 30000. */
  timeoutMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .positive('must be > 0 (milliseconds)')
    .default(30_000),
  /** Maximum keep-alive connections to the server (undici `Pool`; a node:http `Agent` in the delivery worker). Default 8. */
  connections: z.number().int('must be a whole number').positive('must be >= 1').default(8),
  /**
   * Where the queue's deliveries run: `'main'` (the app's event loop) or `'worker'` (a worker thread that owns the
   * connections, so a busy server only hands each body over; see `WorkerHttpTransport`). Default `'worker'`: HTTP
   * on a busy app's event loop cost it measurable throughput even at one POST per second (bench/README.md); a
   * worker that cannot start falls back to `'main'` with a warning. `ScouterClient` calls always run on the
   * calling thread.
   */
  thread: z.enum(['main', 'worker'], { message: "must be 'main' or 'worker'" }).default('worker'),
  /**
   * Scouter wire dialect: `'v0.13'` (Scouter <= 0.13, Python `scouter-ml` 0.12), `'v0.25'` (0.14 to 0.25, the newest
   * release), `'latest'` (= `'v0.25'`), `'auto'` (ask the server once, after login) or a release such as `'0.25.0'`.
   * It decides the record shape, the drift and alert requests and the profile JSON sent. Default `'v0.13'`.
   */
  protocol: protocolOptionSchema.default('v0.13'),
});

/** Options of `new HttpConfig(...)`; every field is optional. */
export type HttpConfigOptions = Omit<z.input<typeof httpConfigOptionsSchema>, 'protocol'> & {
  /** Scouter wire dialect (`'v0.13'`, `'v0.25'`, `'latest'`, `'auto'` or a release string). Default `'v0.13'`. */
  protocol?: ProtocolOption;
};

/**
 * Where and how to reach a Scouter server over HTTP, mirroring Python's `scouter.transport.HttpConfig`.
 * Options win over the environment (`SCOUTER_SERVER_URI`, `SCOUTER_USERNAME`, `SCOUTER_PASSWORD`,
 * `SCOUTER_AUTH_TOKEN`), which is read once at construction. The password never appears in `toString()`,
 * `JSON.stringify()` or `util.inspect()`.
 */
export class HttpConfig {
  /** Transport selector used by `createTransport`; always `'Http'`. */
  readonly transportType = 'Http' as const;
  /** Base URL of the server without a trailing `/`; default `http://localhost:8000`. */
  readonly serverUri: string;
  /** Login user name; default `admin`. */
  readonly username: string;
  /** Initial bearer token (`''` = log in first); default `''`. */
  readonly authToken: string;
  /** Whole-request timeout in ms; default 30000. */
  readonly timeoutMs: number;
  /** Maximum keep-alive connections; default 8. */
  readonly connections: number;
  /** Thread the queue's deliveries run on, `'worker'` (default) or `'main'`. */
  readonly thread: 'main' | 'worker';
  /** Scouter wire dialect, `'v0.13'` (default), `'v0.25'`, or `'auto'` (resolved by `ScouterClient.protocol()`). */
  readonly protocol: ScouterProtocol | 'auto';
  readonly #password: string;

  constructor(options: HttpConfigOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    options = requireOptionsObject(options, 'HttpConfig');
    const input = {
      ...options,
      serverUri: options.serverUri ?? fromEnv('SCOUTER_SERVER_URI', env),
      username: options.username ?? fromEnv('SCOUTER_USERNAME', env),
      password: options.password ?? fromEnv('SCOUTER_PASSWORD', env),
      authToken: options.authToken ?? fromEnv('SCOUTER_AUTH_TOKEN', env),
    };
    const parsed = parseOptions(httpConfigOptionsSchema, input, 'HttpConfig');
    this.serverUri = parsed.serverUri;
    this.username = parsed.username;
    this.#password = parsed.password;
    this.authToken = parsed.authToken;
    this.timeoutMs = parsed.timeoutMs;
    this.connections = parsed.connections;
    this.thread = parsed.thread;
    this.protocol = parsed.protocol;
  }

  /** Login password; kept out of every printed or serialised form of the config. */
  get password(): string {
    return this.#password;
  }

  /** A copy with some options replaced (the environment is not read again for the others). */
  with(options: HttpConfigOptions): HttpConfig {
    return new HttpConfig(
      {
        serverUri: this.serverUri,
        username: this.username,
        password: this.#password,
        authToken: this.authToken,
        timeoutMs: this.timeoutMs,
        connections: this.connections,
        thread: this.thread,
        protocol: this.protocol,
        ...options,
      },
      {},
    );
  }

  /** Printable form with the password masked. */
  toJSON(): Record<string, unknown> {
    return {
      transportType: this.transportType,
      serverUri: this.serverUri,
      username: this.username,
      password: '***',
      authToken: this.authToken === '' ? '' : '***',
      timeoutMs: this.timeoutMs,
      connections: this.connections,
      thread: this.thread,
      protocol: this.protocol,
    };
  }

  /** `HttpConfig { … }` with the password and token masked. */
  toString(): string {
    return `HttpConfig ${JSON.stringify(this.toJSON())}`;
  }

  /** Keeps `console.log(config)` free of secrets. */
  [inspect.custom](): string {
    return this.toString();
  }
}
