// The queue over the real HttpTransport: against a node:http server on 127.0.0.1 (retries, Retry-After, outage) and
// against undici's MockAgent (exact request).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AlertThreshold,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricDriftConfig,
  HttpConfig,
  HttpTransport,
  ScouterQueue,
  serverRecordsJson,
  type QueueLogger,
} from '@scouter-ts/core';

const T0 = Date.UTC(2025, 10, 24, 16, 33, 58, 123);
const silent: QueueLogger = { warn: () => undefined, error: () => undefined };

function profile(sampleSize: number, names: string[]): CustomDriftProfile {
  const config = new CustomMetricDriftConfig({
    space: 'scouter',
    name: 'model',
    version: '0.1.0',
    sampleSize,
  });
  return new CustomDriftProfile(
    config,
    names.map((name) => new CustomMetric({ name, value: 1, alertThreshold: AlertThreshold.Above })),
  );
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
}

/** A minimal Scouter v0.13 ingest endpoint: login + bearer-protected POST /scouter/message, scripted failures. */
class IngestServer {
  /** Bodies answered with 200, in arrival order (what Scouter would store). */
  readonly accepted: string[] = [];
  /** Every POST /scouter/message with the status it got. */
  readonly attempts: { body: string; status: number; at: number }[] = [];
  readonly script: Reply[] = [];
  port = 0;
  #server: Server | undefined;

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(value));
        };
        if (req.url === '/scouter/auth/login' && req.method === 'GET') {
          if (req.headers.username !== 'admin' || req.headers.password !== 'admin')
            return json(401, { error: 'no' });
          return json(200, { token: 'tok' });
        }
        if (req.url === '/scouter/message' && req.method === 'POST') {
          if (req.headers.authorization !== 'Bearer tok') return json(401, { error: 'Unauthorized' });
          const reply = this.script.shift() ?? { status: 200 };
          this.attempts.push({ body, status: reply.status, at: Date.now() });
          if (reply.status !== 200) return json(reply.status, { error: 'scripted' }, reply.headers);
          this.accepted.push(body);
          return json(200, { status: 'success', message: 'Message queued for processing' });
        }
        return json(404, { error: 'not found' });
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  acceptedRecords() {
    return this.accepted.flatMap((body) =>
      serverRecordsJson.parse(JSON.parse(body)).records.map((r) => r.Custom),
    );
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(): Promise<IngestServer> {
  const server = new IngestServer();
  await server.start();
  cleanups.push(() => server.stop());
  return server;
}

async function queueFor(server: IngestServer, sampleSize: number, options = {}): Promise<ScouterQueue> {
  const queue = await ScouterQueue.fromProfiles(
    { a: profile(sampleSize, ['mae', 'mape']) },
    new HttpConfig({ serverUri: server.uri, username: 'admin', password: 'admin', timeoutMs: 2_000 }, {}),
    { logger: silent, random: () => 0, now: () => T0, ...options },
  );
  cleanups.push(() => queue.shutdown({ timeoutMs: 0 }));
  return queue;
}

describe('ScouterQueue over HTTP (real loopback server)', () => {
  it('posts the exact ServerRecords body to /scouter/message with the bearer token', async () => {
    const server = await startServer();
    const queue = await queueFor(server, 2);
    queue.insert('a', { mae: 1, mape: 10 });
    queue.insert('a', { mae: 2, mape: 20 });
    expect(await queue.flush()).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(server.accepted).toEqual([
      '{"records":[' +
        '{"Custom":{"created_at":"2025-11-24T16:33:58.123000Z","space":"scouter","name":"model","version":"0.1.0","metric":"mae","value":1.5}},' +
        '{"Custom":{"created_at":"2025-11-24T16:33:58.123001Z","space":"scouter","name":"model","version":"0.1.0","metric":"mape","value":15}}' +
        ']}',
    ]);
  });

  it('500 then success: the batch is delivered once, byte-identical on retry', async () => {
    const server = await startServer();
    server.script.push({ status: 500 }, { status: 502 });
    const queue = await queueFor(server, 1);
    queue.insert('a', { mae: 1, mape: 2 });
    expect(await queue.flush()).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(server.attempts.map((a) => a.status)).toEqual([500, 502, 200]);
    expect(new Set(server.attempts.map((a) => a.body)).size).toBe(1);
    expect(server.accepted).toHaveLength(1);
    expect(queue.stats()).toMatchObject({ recordsSent: 2, batchesSent: 1, retries: 2 });
  });

  it('429 with Retry-After: waits at least that long before retrying', async () => {
    const server = await startServer();
    server.script.push({ status: 429, headers: { 'retry-after': '1' } });
    const queue = await queueFor(server, 1);
    queue.insert('a', { mae: 1 });
    expect(await queue.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    const [first, second] = server.attempts;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    expect(server.acceptedRecords().map((r) => [r.metric, r.value])).toEqual([['mae', 1]]);
  });

  it('other 4xx: the batch is dropped without retry and counted as rejected', async () => {
    const server = await startServer();
    server.script.push({ status: 422 });
    const queue = await queueFor(server, 1, { sendLingerMs: 0 });
    queue.insert('a', { mae: 1 });
    queue.insert('a', { mae: 2 });
    expect(await queue.flush()).toEqual({ sent: 1, dropped: 1, pending: 0 });
    expect(server.attempts.map((a) => a.status)).toEqual([422, 200]);
    expect(queue.stats().dropped.rejected).toBe(1);
  });

  it('server down for a while, then back: everything inserted meanwhile is delivered exactly once', async () => {
    const server = await startServer();
    const port = server.port;
    await server.stop();
    const queue = await queueFor(server, 1, {
      retryBaseMs: 20,
      retryMaxMs: 100,
      maxRetries: 100,
      random: () => 1,
      sendLingerMs: 0,
    });
    for (let i = 0; i < 30; i++) queue.insert('a', { mae: i, mape: -i });
    await vi.waitFor(() => expect(queue.stats().retries).toBeGreaterThan(1), { timeout: 10_000 });
    expect(queue.stats().recordsSent).toBe(0);
    await server.start(port);
    expect(await queue.flush()).toEqual({ sent: 60, dropped: 0, pending: 0 });
    const maes = server
      .acceptedRecords()
      .filter((r) => r.metric === 'mae')
      .map((r) => r.value)
      .sort((x, y) => x - y);
    expect(maes).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(server.accepted).toHaveLength(30);
  });

  it('shutdown() drains the partial batch over HTTP before closing', async () => {
    const server = await startServer();
    const queue = await queueFor(server, 25);
    queue.insert('a', { mae: 3, mape: 4 });
    expect(await queue.shutdown({ timeoutMs: 5_000 })).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(server.acceptedRecords().map((r) => r.value)).toEqual([3, 4]);
  });
});

describe('ScouterQueue over HTTP (undici MockAgent)', () => {
  it('sends the exact body; a 503 is retried and the batch delivered once', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    cleanups.push(() => agent.close());
    const origin = agent.get('http://scouter.test');
    origin.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 'tok' });
    const bodies: string[] = [];
    const expected =
      '{"records":[{"Custom":{"created_at":"2025-11-24T16:33:58.123000Z","space":"scouter","name":"model","version":"0.1.0","metric":"mae","value":0.25}}]}';
    origin
      .intercept({
        path: '/scouter/message',
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
        body: (body) => {
          bodies.push(body);
          return body === expected;
        },
      })
      .reply(503, { error: 'busy' });
    origin
      .intercept({ path: '/scouter/message', method: 'POST', body: expected })
      .reply(200, { status: 'success', message: 'Message queued for processing' });
    const transport = new HttpTransport(new HttpConfig({ serverUri: 'http://scouter.test' }, {}), {
      dispatcher: agent,
    });
    const queue = await ScouterQueue.fromProfiles({ a: profile(2, ['mae']) }, transport, {
      logger: silent,
      random: () => 0,
      now: () => T0,
    });
    cleanups.push(() => queue.shutdown({ timeoutMs: 0 }));
    queue.insert('a', { mae: 0 });
    queue.insert('a', { mae: 0.5 });
    expect(await queue.flush()).toEqual({ sent: 1, dropped: 0, pending: 0 });
    expect(bodies.length).toBeGreaterThan(0);
    expect(new Set(bodies)).toEqual(new Set([expected]));
    expect(queue.stats()).toMatchObject({ retries: 1, batchesSent: 1 });
    agent.assertNoPendingInterceptors();
  });
});
