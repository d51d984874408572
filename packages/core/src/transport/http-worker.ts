import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ScouterError, ScouterErrorCode, ScouterNetworkError } from '../errors.js';
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
 * `HttpConfig({ thread: 'worker' })`: the same deliveries as `HttpTransport` (`POST /scouter/message`, login, token
 * rotation, error classification: one `HttpSession`), made from a worker thread that owns the connections. The app's
 * event loop only hands each body over (`postMessage`), which in `bench/adapters.ts` removed the throughput the
 * in-thread delivery cost a busy server. The worker starts on the first publish, is referenced only while a body is
 * in flight (it never keeps an idle process alive) and is started again if it dies; a body in flight then fails as a
 * retryable network error, so the queue sends it again. A worker that cannot start at all (e.g. a bundler left out
 * `http-worker-entry.js`) makes it deliver from the main thread instead, with one process warning
 * (`SCOUTER_WORKER_UNAVAILABLE`): the bodies it held are sent from there, nothing is lost.
 */
export class WorkerHttpTransport implements Transport {
  /** Always `'http'`: the wire is the same as `HttpTransport`'s. */
  readonly kind = 'http';
  /** The configuration the worker's session is built from. */
  readonly config: HttpConfig;
  readonly #script: URL | undefined;
  readonly #pending = new Map<number, { body: string; resolve: () => void; reject: (err: Error) => void }>();
  #worker: Worker | undefined;
  /** True once the current worker said it is ready. */
  #workerReady = false;
  /** The in-thread transport used after a worker could not start. */
  #fallback: HttpTransport | undefined;
  #nextId = 0;
  #closed = false;

  /** `options.script` is for tests only (@internal): a replacement worker script. */
  constructor(config: HttpConfig | HttpConfigOptions = {}, options: { script?: URL } = {}) {
    this.config = config instanceof HttpConfig ? config : new HttpConfig(config);
    this.#script = options.script;
  }

  /** True while the worker thread runs (started by the first publish, stopped by `close()`). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Where deliveries run: `'worker'`, or `'main'` after a worker could not start. */
  get thread(): 'worker' | 'main' {
    return this.#fallback === undefined ? 'worker' : 'main';
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
    if (this.#fallback !== undefined) return this.#fallback.publish(body);
    const worker = this.#start();
    const id = ++this.#nextId;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { body, resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ type: 'publish', id, body } satisfies WorkerRequest);
    });
  }

  /** Lets the worker finish and closes its connections (terminated after 5 s); idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fallback?.close();
    const worker = this.#worker;
    if (worker === undefined) return;
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const { serverUri, username, password, authToken, timeoutMs, connections } = this.config;
    const options: HttpConfigOptions = { serverUri, username, password, authToken, timeoutMs, connections };
    // No inherited node flags: some only apply to the main entry (`--input-type`, `--eval`), and preloaded
    // instrumentation (`--import`) has no business tracing our own deliveries.
    const worker = new Worker(this.#script ?? workerScript(), { execArgv: [], workerData: options });
    worker.unref();
    this.#workerReady = false;
    worker.on('message', (reply: WorkerReply | WorkerReady) => {
      if ('ready' in reply) this.#workerReady = true;
      else this.#settle(worker, reply);
    });
    worker.on('error', (err) => this.#lost(worker, err));
    worker.on('exit', (code) => this.#lost(worker, new Error(`exit code ${code}`)));
    this.#worker = worker;
    return worker;
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
   * The worker died or exited. If it had started, fail what it had in flight (retryable) and start a new one on the
   * next publish; if it never could, deliver from the main thread from now on, beginning with what it held.
   */
  #lost(worker: Worker, cause: unknown): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    if (!this.#workerReady && !this.#closed) {
      const fallback = (this.#fallback = new HttpTransport(this.config));
      process.emitWarning(
        `scouter-ts: the HTTP delivery worker could not start (${String(cause)}); delivering from the main thread. ` +
          "Ship @scouter-ts/core's dist/http-worker-entry.js next to its index.js, or pass HttpConfig({ thread: 'main' }).",
        { code: 'SCOUTER_WORKER_UNAVAILABLE' },
      );
      for (const waiter of pending) fallback.publish(waiter.body).then(waiter.resolve, waiter.reject);
      return;
    }
    for (const waiter of pending) {
      waiter.reject(
        new ScouterNetworkError(`the HTTP delivery worker stopped before answering (${String(cause)})`, {
          cause,
        }),
      );
    }
  }
}
