import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal Scouter-compatible receiver on 127.0.0.1 for tests and benchmarks (not part of the public API):
 * answers login and `POST /scouter/message`, and keeps every body so tests can assert the exact records. It also
 * accepts OTLP trace exports (`POST /v1/traces`) for the adapter benchmark's OpenTelemetry reference point.
 */
export interface LoopbackSink {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Parsed `POST /scouter/message` bodies, in arrival order. */
  readonly bodies: unknown[];
  /** The `Custom` objects of every received record, in arrival order. */
  readonly records: Record<string, unknown>[];
  /** Number of requests per path, e.g. `'/scouter/auth/login'`. */
  readonly hits: Map<string, number>;
  /** Status to answer `POST /scouter/message` with (200 by default; set e.g. 503 to simulate an outage). */
  messageStatus: number;
  /** Resolves once at least `count` records arrived; rejects after `timeoutMs`. */
  waitForRecords(count: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Options of `startLoopbackSink`. */
export interface LoopbackSinkOptions {
  /** Keep bodies and records in memory (false keeps counts only, for benchmarks); default true. */
  keepRecords?: boolean;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts a sink on 127.0.0.1 with an ephemeral port. */
export async function startLoopbackSink(
  options: LoopbackSinkOptions = {},
): Promise<LoopbackSink & { count: number }> {
  const keep = options.keepRecords ?? true;
  const waiters = new Set<() => void>();
  const sink = {
    url: '',
    bodies: [] as unknown[],
    records: [] as Record<string, unknown>[],
    hits: new Map<string, number>(),
    messageStatus: 200,
    count: 0,
    waitForRecords(count: number, timeoutMs = 5_000): Promise<Record<string, unknown>[]> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (sink.count < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(sink.records);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`sink: expected ${count} records within ${timeoutMs} ms, got ${sink.count}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: async (): Promise<void> => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    sink.hits.set(path, (sink.hits.get(path) ?? 0) + 1);
    void readBody(req).then((text) => {
      if (path === '/scouter/healthcheck') return sendJson(res, 200, { alive: true });
      if (path === '/scouter/auth/login') {
        if (req.headers.username === undefined || req.headers.password === undefined) {
          return sendJson(res, 400, { error: 'Username header not found' });
        }
        return sendJson(res, 200, { token: 'loopback-sink-token' });
      }
      if (path === '/scouter/message' && req.method === 'POST') {
        if (sink.messageStatus !== 200)
          return sendJson(res, sink.messageStatus, { error: 'sink is failing' });
        const body = JSON.parse(text) as { records: Array<{ Custom: Record<string, unknown> }> };
        sink.count += body.records.length;
        if (keep) {
          sink.bodies.push(body);
          for (const r of body.records) sink.records.push(r.Custom);
        }
        sendJson(res, 200, { status: 'success', message: 'Message queued for processing' });
        for (const waiter of [...waiters]) waiter();
        return;
      }
      if (path === '/v1/traces' && req.method === 'POST') return sendJson(res, 200, {});
      sendJson(res, 404, { error: 'not found' });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}
