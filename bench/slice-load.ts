// A minimal keep-alive HTTP/1.1 load generator for short interleaved slices (bench/adapters.ts `--pairing sliced`).
// autocannon opens its connections per run, which costs too much for slices of a few hundred milliseconds; this
// keeps `connections` sockets open per server for the whole run and sends the same pre-encoded request on each,
// one at a time, like autocannon without pipelining. A slice loads one server for `ms`, then lets the requests in
// flight finish: the server is never loaded by two slices at once.
import { connect, type Socket } from 'node:net';

/** What one slice measured. */
export interface Slice {
  /** Responses received for requests sent in this slice. */
  responses: number;
  /** From the first request to the last response, ms. */
  elapsedMs: number;
  /** Responses whose status was not 2xx. */
  errors: number;
}

/** Latency histogram of every response a loader received: 10 µs buckets up to 200 ms, the rest in the last one. */
export class LatencyHistogram {
  static readonly BUCKET_MS = 0.01;
  readonly counts = new Uint32Array(20_001);

  add(ms: number): void {
    this.counts[Math.min(this.counts.length - 1, Math.floor(ms / LatencyHistogram.BUCKET_MS))]!++;
  }

  /** The latency (ms, the bucket's upper edge) below which `p` (0–1) of the responses fall; NaN when empty. */
  percentile(p: number): number {
    let total = 0;
    for (const count of this.counts) total += count;
    if (total === 0) return NaN;
    const rank = Math.ceil(p * total);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return (i + 1) * LatencyHistogram.BUCKET_MS;
    }
    return NaN;
  }

  /** Adds the counts of `other` to this one. */
  merge(other: LatencyHistogram): void {
    other.counts.forEach((count, bucket) => (this.counts[bucket]! += count));
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: sends a request, parses exactly one response, calls `onResponse`. */
class Connection {
  readonly #socket: Socket;
  readonly #request: Buffer;
  #pending: Buffer | undefined = undefined;
  /** Bytes still missing from the current response's body; -1 while its headers are incomplete. */
  #bodyLeft = -1;
  #status = 0;
  #sentAt = 0;
  /** Where this slice's latencies go; undefined for an unmeasured (prewarm) slice. */
  latency: LatencyHistogram | undefined = undefined;
  onResponse: (ok: boolean) => void = () => undefined;
  /** Set when the socket failed or closed: the slice in progress rejects. */
  onFailure: (err: Error) => void = () => undefined;

  constructor(socket: Socket, request: Buffer) {
    this.#socket = socket;
    this.#request = request;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', (err) => this.onFailure(err));
    socket.on('close', () => this.onFailure(new Error('slice-load: the server closed a connection')));
  }

  send(): void {
    this.#sentAt = performance.now();
    this.#socket.write(this.#request);
  }

  close(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    let data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    // Bounded: every pass consumes a whole response or returns.
    while (data.length > 0) {
      if (this.#bodyLeft < 0) {
        const end = data.indexOf(HEADER_END);
        if (end < 0) {
          this.#pending = data;
          return;
        }
        const head = data.subarray(0, end).toString('latin1');
        this.#status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (length === null) {
          // Fails the slice (a throw here would be an uncaught exception in a socket callback).
          this.#socket.destroy();
          this.onFailure(new Error(`slice-load: a response without content-length:\n${head}`));
          return;
        }
        this.#bodyLeft = Number(length[1]);
        data = data.subarray(end + HEADER_END.length);
      }
      if (data.length < this.#bodyLeft) {
        this.#bodyLeft -= data.length;
        return;
      }
      data = data.subarray(this.#bodyLeft);
      this.#bodyLeft = -1;
      this.latency?.add(performance.now() - this.#sentAt);
      this.onResponse(this.#status >= 200 && this.#status < 300);
    }
  }
}

/** `connections` keep-alive sockets to one server, loaded slice by slice. */
export class SliceLoader {
  /** Latency of every response of the measured slices so far. */
  readonly latency = new LatencyHistogram();
  readonly #connections: Connection[];

  private constructor(sockets: Socket[], request: Buffer) {
    this.#connections = sockets.map((socket) => new Connection(socket, request));
  }

  /** Opens the sockets to `127.0.0.1:port`; every request is `POST path` with the JSON `body`. */
  static async open(port: number, path: string, body: string, connections: number): Promise<SliceLoader> {
    const payload = Buffer.from(body);
    const request = Buffer.concat([
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\n` +
          `content-length: ${payload.length}\r\n\r\n`,
        'latin1',
      ),
      payload,
    ]);
    const sockets = await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    return new SliceLoader(sockets, request);
  }

  /**
   * Loads the server for `ms`: every connection sends a request, and another after each response until `ms` have
   * passed; resolves when the last one has answered. `measured: false` (a prewarm) keeps its latencies out of
   * `latency`.
   */
  slice(ms: number, measured = true): Promise<Slice> {
    return new Promise((resolve, reject) => {
      // Bounded: a server that stops answering fails the slice instead of hanging the run.
      const timer = setTimeout(
        () => reject(new Error(`slice-load: no answer ${ms + 10_000} ms into a slice`)),
        ms + 10_000,
      );
      const started = performance.now();
      const until = started + ms;
      let responses = 0;
      let errors = 0;
      let open = this.#connections.length;
      for (const connection of this.#connections) {
        connection.latency = measured ? this.latency : undefined;
        connection.onFailure = (err) => {
          clearTimeout(timer);
          reject(err);
        };
        connection.onResponse = (ok) => {
          responses++;
          if (!ok) errors++;
          const now = performance.now();
          if (now < until) {
            connection.send();
            return;
          }
          connection.onResponse = () => undefined;
          if (--open > 0) return;
          clearTimeout(timer);
          resolve({ responses, elapsedMs: now - started, errors });
        };
        connection.send();
      }
    });
  }

  close(): void {
    for (const connection of this.#connections) {
      connection.onFailure = () => undefined;
      connection.close();
    }
  }
}
