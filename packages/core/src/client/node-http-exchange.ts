import http from 'node:http';
import https from 'node:https';
import type { ExchangeRequest, ExchangeResponse, HttpExchange } from './session-core.js';

/** Idle keep-alive sockets are closed after this long: before a node server's own 5 s `keepAliveTimeout` does. */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

function isStaleSocket(request: http.ClientRequest, err: unknown): boolean {
  return request.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/**
 * `SessionCore`'s requests over node:http(s) with a keep-alive `Agent` (at most `connections` sockets). The delivery
 * worker uses it instead of undici: in a thread that idles between POSTs, V8 collects the whole isolate again and
 * again, and with undici (and zod) loaded each POST cost the process 1.5× the CPU and the worker 2.5× the memory
 * (`pnpm bench delivery`, bench/README.md). A request written to a kept-alive socket that the server had closed
 * meanwhile is sent once more on a new one (the server never answered it), as node's documentation recommends; every
 * other failure is the session's to classify.
 */
export class NodeHttpExchange implements HttpExchange {
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #hostname: string;
  readonly #port: string;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(origin: string, connections: number) {
    const url = new URL(origin);
    const secure = url.protocol === 'https:';
    const options = { keepAlive: true, maxSockets: connections, timeout: FREE_SOCKET_TIMEOUT_MS };
    this.#agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.#request = secure ? https.request : http.request;
    // URL keeps IPv6 literals bracketed; node's `hostname` option wants them bare.
    this.#hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#port = url.port;
  }

  request(request: ExchangeRequest): Promise<ExchangeResponse> {
    const done = new Promise<ExchangeResponse>((resolve, reject) =>
      this.#send(request, true, resolve, reject),
    );
    this.#inFlight.add(done);
    const forget = (): void => void this.#inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    this.#agent.destroy();
  }

  #send(
    { path, method, headers, body, signal }: ExchangeRequest,
    retryStale: boolean,
    resolve: (response: ExchangeResponse) => void,
    reject: (err: unknown) => void,
  ): void {
    const request = this.#request(
      { agent: this.#agent, hostname: this.#hostname, port: this.#port, path, method, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete) reject(new Error('the connection closed before the response ended'));
        });
      },
    );
    const abort = (): void => void request.destroy(signal.reason);
    signal.once('abort', abort);
    request.on('close', () => signal.off('abort', abort));
    request.on('error', (err) => {
      if (retryStale && !signal.aborted && isStaleSocket(request, err)) {
        this.#send({ path, method, headers, body, signal }, false, resolve, reject);
      } else reject(err);
    });
    request.end(body);
  }
}
