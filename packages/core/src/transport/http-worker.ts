import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ScouterError, ScouterErrorCode, ScouterNetworkError } from '../errors.js';
import type { SessionSettings } from '../client/session-core.js';
import { HttpConfig, type HttpConfigOptions } from './http-config.js';
import {
  reviveDeliveryError,
  type WorkerReady,
  type WorkerReply,
  type WorkerRequest,
} from './http-worker-protocol.js';
import { HttpTransport } from './http.js';
import type { Transport } from './types.js';

const CLOSE_TIMEOUT_MS = 5_000;
const utf8 = new TextEncoder();

/**
 * The worker's script: dist/http-worker-entry.js next to the bundle. Run from the TypeScript sources (the repository's
 * tests and benchmarks), the entry is a .ts file, which a worker on Node 20 can only load through tsx's API.
 */
function workerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./http-worker-entry.js', import.meta.url);
  // tsx's ESM API (require.resolve finds its CommonJS twin next to it).
  const api = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  );
  const entry = new URL('./http-worker-entry.ts', import.meta.url);
  const source = `import { tsImport } from ${JSON.stringify(api.href)}; await tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/**
 * `HttpConfig`'s default (`thread: 'worker'`): the same deliveries as `HttpTransport` (`POST /scouter/message`,
 * login, token rotation, error classification: `HttpSession`'s `SessionCore`, there over node:http rather than
 * undici), made from a worker thread that owns the connections. The app's event loop only hands each body over (`postMessage`), which in `bench/adapters.ts` removed
 * the throughput the in-thread delivery cost a busy server. The worker starts with the transport, is referenced only
 * while a body is in flight (it never keeps an idle process alive) and is started again if it dies; a body in flight
 * then fails as a retryable network error, so the queue sends it again. Bodies published while the worker is still
 * starting (~0.2 s) are sent from the main thread, so a flush right after start-up (a SIGTERM) never waits for it.
 * A worker that cannot start at all (e.g. a bundler left out `http-worker-entry.js`) makes every delivery run on the
 * main thread, with one process warning (`SCOUTER_WORKER_UNAVAILABLE`).
 */
export class WorkerHttpTransport implements Transport {
  /** Always `'http'`: the wire is the same as `HttpTransport`'s. */
  readonly kind = 'http';
  /** The configuration the worker's session is built from. */
  readonly config: HttpConfig;
  readonly #script: URL | undefined;
  readonly #pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  #worker: Worker | undefined;
  /** True once the current worker said it is ready. */
  #workerReady = false;
  /** True once a worker died before it was ready: no more workers, every body goes in-thread. */
  #workerFailed = false;
  /** Waiters of `whenReady()`. */
  #readyWaiters: Array<(ready: boolean) => void> = [];
  /** The in-thread transport for bodies the worker cannot take (starting, or failed); created on first need. */
  #local: HttpTransport | undefined;
  #nextId = 0;
  #closed = false;

  /** `options.script` is for tests only (@internal): a replacement worker script. */
  constructor(config: HttpConfig | HttpConfigOptions = {}, options: { script?: URL } = {}) {
    this.config = config instanceof HttpConfig ? config : new HttpConfig(config);
    this.#script = options.script;
    this.#start();
  }

  /** True while the worker thread runs (from construction, or the next publish after it died, until `close()`). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Where deliveries run: `'worker'`, or `'main'` after a worker could not start. */
  get thread(): 'worker' | 'main' {
    return this.#workerFailed ? 'main' : 'worker';
  }

  /**
   * Resolves true once the worker takes bodies (starting one if it died), false if it could not start or the
   * transport was closed first.
   */
  whenReady(): Promise<boolean> {
    if (this.#workerReady) return Promise.resolve(true);
    if (this.#workerFailed || this.#closed) return Promise.resolve(false);
    this.#start();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Hands one `{"records":[…]}` body to the worker; settles with the worker's outcome of the POST. */
  publish(body: string): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new ScouterError(ScouterErrorCode.Network, 'This WorkerHttpTransport has been closed.', {
          retryable: false,
        }),
      );
    }
    const worker = this.#workerFailed ? undefined : this.#start();
    if (worker === undefined || !this.#workerReady) {
      this.#local ??= new HttpTransport(this.config);
      return this.#local.publish(body);
    }
    const id = ++this.#nextId;
    // Its own ArrayBuffer (unlike a small Buffer, which may be a slice of node's shared pool), so it can be transferred.
    const bytes = utf8.encode(body);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ type: 'publish', id, body: bytes } satisfies WorkerRequest, [bytes.buffer]);
    });
  }

  /** Lets the worker finish and closes its connections (terminated after 5 s); idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#resolveReady(false);
    const local = this.#local?.close();
    const worker = this.#worker;
    if (worker !== undefined) {
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' } satisfies WorkerRequest);
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await local;
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const { serverUri, username, password, authToken, timeoutMs, connections } = this.config;
    const options: SessionSettings = { serverUri, username, password, authToken, timeoutMs, connections };
    // No inherited node flags: some only apply to the main entry (`--input-type`, `--eval`), and preloaded
    // instrumentation (`--import`) has no business tracing our own deliveries.
    const worker = new Worker(this.#script ?? workerScript(), { execArgv: [], workerData: options });
    worker.unref();
    this.#workerReady = false;
    worker.on('message', (reply: WorkerReply | WorkerReady) => {
      if ('ready' in reply) {
        this.#workerReady = true;
        this.#resolveReady(true);
      } else this.#settle(worker, reply);
    });
    worker.on('error', (err) => this.#lost(worker, err));
    worker.on('exit', (code) => this.#lost(worker, new Error(`exit code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #resolveReady(ready: boolean): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve(ready);
  }

  #settle(worker: Worker, reply: WorkerReply): void {
    const waiter = this.#pending.get(reply.id);
    if (waiter === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) worker.unref();
    if (reply.error === undefined) waiter.resolve();
    else waiter.reject(reviveDeliveryError(reply.error));
  }

  /**
   * The worker died or exited: fail what it had in flight (retryable; only a ready worker is given bodies) and
   * start a new one on the next publish, unless it died before it was ready: then it never will be, and every
   * delivery runs on the main thread from now on.
   */
  #lost(worker: Worker, cause: unknown): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    if (!this.#workerReady && !this.#closed) {
      this.#workerFailed = true;
      this.#resolveReady(false);
      process.emitWarning(
        `scouter-ts: the HTTP delivery worker could not start (${String(cause)}); delivering from the main thread. ` +
          "Ship @scouter-ts/core's dist/http-worker-entry.js next to its index.js, or pass HttpConfig({ thread: 'main' }).",
        { code: 'SCOUTER_WORKER_UNAVAILABLE' },
      );
    }
    this.#workerReady = false;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of pending) {
      waiter.reject(
        new ScouterNetworkError(`the HTTP delivery worker stopped before answering (${String(cause)})`, {
          cause,
        }),
      );
    }
  }
}
