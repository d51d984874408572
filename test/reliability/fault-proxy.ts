/**
 * A fault-injecting HTTP proxy on 127.0.0.1:0 in front of the real scouter-server: each request to a record route
 * (`POST /scouter/message|drift`) is passed, answered with an error, delayed, hung, or forwarded with its answer
 * thrown away, as `fault` decides; everything else (login) is passed. It counts what it did, so a test can tell
 * "stored but the client never heard" from "never reached the server".
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do with one record request. */
export type Fault =
  | { kind: 'pass' }
  /** Answer this status (and headers) without forwarding. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body: unknown }
  /** Forward, then hold the server's answer back for `ms` (past the client's timeout, the client retries). */
  | { kind: 'delay'; ms: number }
  /** Forward, wait for the server to answer (so the records are stored), then reset the client's connection. */
  | { kind: 'loseAnswer' }
  /** Never forward and never answer (until the client or the proxy closes the connection). */
  | { kind: 'hang' };

/** What the proxy did, by kind; `forwarded` counts record requests the server answered 200. */
export interface ProxyCounts {
  recordRequests: number;
  forwarded: number;
  answered: Record<number, number>;
  delayed: number;
  lostAnswers: number;
  hung: number;
  upstreamDown: number;
  logins: number;
}

export interface FaultProxy {
  readonly url: string;
  /** Decides each record request; `n` counts record requests from 1. Default: pass everything. */
  fault: (n: number) => Fault;
  readonly counts: ProxyCounts;
  /** Record requests as they arrived: time (ms) and a hash of the body (a retry repeats its body byte for byte). */
  readonly arrivals: Array<{ at: number; body: string }>;
  /** Resets the counts and the fault rule. */
  reset(): void;
  close(): Promise<void>;
}

const RECORD_ROUTE = /^\/scouter\/(message|drift)(\?|$)/;

function freshCounts(): ProxyCounts {
  return {
    recordRequests: 0,
    forwarded: 0,
    answered: {},
    delayed: 0,
    lostAnswers: 0,
    hung: 0,
    upstreamDown: 0,
    logins: 0,
  };
}

/** Starts a proxy to `upstreamPort` on 127.0.0.1. */
export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  const open = new Set<IncomingMessage>();
  const proxy: FaultProxy = {
    url: '',
    fault: () => ({ kind: 'pass' }),
    counts: freshCounts(),
    arrivals: [],
    reset() {
      proxy.fault = () => ({ kind: 'pass' });
      Object.assign(proxy.counts, freshCounts());
      proxy.arrivals.length = 0;
    },
    close: () => Promise.resolve(),
  };

  function forward(
    req: IncomingMessage,
    body: Buffer,
    done: (status: number, headers: Record<string, string>, answer: Buffer) => void,
    fail: () => void,
  ): void {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding')
              headers[k] = String(v);
          }
          done(res.statusCode ?? 502, headers, Buffer.concat(chunks));
        });
        res.on('error', fail);
      },
    );
    upstream.on('error', fail);
    upstream.end(body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(req);
    res.on('close', () => open.delete(req));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const reset = () => req.socket.destroy();
      const reply = (status: number, headers: Record<string, string>, answer: Buffer) => {
        if (!res.destroyed) res.writeHead(status, headers).end(answer);
      };
      const isRecord = req.method === 'POST' && RECORD_ROUTE.test(req.url ?? '');
      if (!isRecord) {
        if (req.url?.startsWith('/scouter/auth/login')) proxy.counts.logins++;
        forward(req, body, reply, () => {
          proxy.counts.upstreamDown++;
          reset();
        });
        return;
      }
      const n = ++proxy.counts.recordRequests;
      proxy.arrivals.push({ at: Date.now(), body: createHash('sha256').update(body).digest('hex') });
      const fault = proxy.fault(n);
      const upstreamFailed = () => {
        proxy.counts.upstreamDown++;
        reset();
      };
      switch (fault.kind) {
        case 'answer':
          proxy.counts.answered[fault.status] = (proxy.counts.answered[fault.status] ?? 0) + 1;
          reply(
            fault.status,
            { 'content-type': 'application/json', ...fault.headers },
            Buffer.from(JSON.stringify(fault.body)),
          );
          return;
        case 'hang':
          proxy.counts.hung++;
          return;
        case 'loseAnswer':
          forward(
            req,
            body,
            (status) => {
              if (status === 200) proxy.counts.forwarded++;
              proxy.counts.lostAnswers++;
              reset();
            },
            upstreamFailed,
          );
          return;
        case 'delay':
          forward(
            req,
            body,
            (status, headers, answer) => {
              if (status === 200) proxy.counts.forwarded++;
              proxy.counts.delayed++;
              setTimeout(() => reply(status, headers, answer), fault.ms);
            },
            upstreamFailed,
          );
          return;
        default:
          forward(
            req,
            body,
            (status, headers, answer) => {
              if (status === 200) proxy.counts.forwarded++;
              reply(status, headers, answer);
            },
            upstreamFailed,
          );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (proxy as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const req of open) req.socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
