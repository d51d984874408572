import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HttpConfig, MockConfig, ScouterQueue } from '@scouter-ts/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLoopbackSink, type LoopbackSink } from '../../core/src/capture/testing/loopback-sink.js';
import {
  MICROS_TIMESTAMP,
  brief,
  makeProfile,
  memoryLogger,
  saveProfile,
} from '../../express/src/test-fixtures/profiles.js';
import { startRealServer, storedRecords } from '../../express/src/test-fixtures/real-server.js';
import { record, scouterPlugin } from './index.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function sink(): Promise<LoopbackSink> {
  const s = await startLoopbackSink();
  cleanups.push(() => s.close());
  return s;
}
const http = (s: LoopbackSink) => new HttpConfig({ serverUri: s.url, username: 'admin', password: 'admin' });
function app(): FastifyInstance {
  const instance = Fastify();
  cleanups.push(() => instance.close());
  return instance;
}

function addPredict(instance: FastifyInstance): void {
  instance.post<{ Body: { x: number } }>('/predict', async (request) => {
    request.scouter.insert({ mae: request.body.x });
    return { y: request.body.x * 2 };
  });
}

describe('@scouter-ts/fastify', () => {
  it('sends the exact records to a Scouter server over HTTP, and close() flushes the rest', async () => {
    const server = await sink();
    const fastify = app();
    await fastify.register(scouterPlugin, {
      profiles: { model: saveProfile(makeProfile('model', ['mae'], 2)) },
      transport: http(server),
    });
    addPredict(fastify);
    for (const x of [1, 2, 3]) {
      const res = await fastify.inject({ method: 'POST', url: '/predict', payload: { x } });
      expect(res.json()).toEqual({ y: x * 2 });
    }
    await server.waitForRecords(1);
    expect(server.records).toHaveLength(1);
    await fastify.close();
    const base = { space: 'test', name: 'model', version: '1.0.0', metric: 'mae' };
    expect(server.records).toEqual([
      { created_at: expect.stringMatching(MICROS_TIMESTAMP), ...base, value: 1.5 },
      { created_at: expect.stringMatching(MICROS_TIMESTAMP), ...base, value: 3 },
    ]);
    expect(fastify.scouter.stats()).toMatchObject({ recordsSent: 2, bufferedRecords: 0 });
  });

  it('delivers to the real scouter-server, which stores the records', async () => {
    const { server, url } = await startRealServer();
    cleanups.push(() => server.close());
    const fastify = app();
    await fastify.register(scouterPlugin, {
      profiles: { model: makeProfile('real', ['mae'], 2) },
      transport: new HttpConfig({ serverUri: url, username: 'admin', password: 'admin' }),
    });
    addPredict(fastify);
    for (const x of [1, 2, 3]) await fastify.inject({ method: 'POST', url: '/predict', payload: { x } });
    await fastify.close();
    expect(await storedRecords(server, 'real')).toEqual([
      { metric: 'mae', value: 1.5 },
      { metric: 'mae', value: 3 },
    ]);
  });

  it('serves several profiles, with automatic latency_ms and error where declared', async () => {
    const server = await sink();
    const fastify = app();
    await fastify.register(scouterPlugin, {
      profiles: {
        quality: makeProfile('quality', ['mae']),
        ops: makeProfile('ops', ['latency_ms', 'error']),
      },
      transport: http(server),
    });
    fastify.get('/ok', async (request) => {
      request.scouter.insert('quality', { mae: 0.25 });
      return 'ok';
    });
    fastify.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'slow';
    });
    fastify.get('/fail', async () => {
      throw new Error('model crashed');
    });
    expect(fastify.scouter.aliases).toEqual(['quality', 'ops']);
    for (const url of ['/ok', '/slow', '/fail', '/missing']) await fastify.inject({ url });
    await fastify.close();
    const records = brief(server.records);
    expect(records.filter((r) => r.name === 'quality')).toEqual([
      { name: 'quality', metric: 'mae', value: 0.25 },
    ]);
    expect(records.filter((r) => r.metric === 'error').map((r) => r.value)).toEqual([0, 0, 1, 0]);
    const latencies = records.filter((r) => r.metric === 'latency_ms').map((r) => r.value);
    expect(latencies).toHaveLength(4);
    expect(latencies[1]).toBeGreaterThanOrEqual(29);
  });

  it('hands values over at insert without automatic metrics, and in onResponse with them (over real HTTP too)', async () => {
    const seen = async (metrics: string[]) => {
      const mock = new MockConfig();
      const fastify = app();
      await fastify.register(scouterPlugin, {
        profiles: { model: makeProfile('model', metrics) },
        transport: mock,
      });
      const inHandler: number[] = [];
      fastify.post<{ Body: { x: number } }>('/predict', async (request) => {
        request.scouter.insert({ mae: request.body.x });
        inHandler.push(fastify.scouter.stats().inserted);
        return { y: request.body.x * 2 };
      });
      await fastify.inject({ method: 'POST', url: '/predict', payload: { x: 3 } });
      await fastify.listen({ port: 0, host: '127.0.0.1' });
      const { port } = fastify.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ x: 4 }),
      });
      expect(await res.json()).toEqual({ y: 8 });
      await fastify.close();
      const values = brief(mock.records).filter((r) => r.metric === 'mae');
      expect(values.map((r) => r.value)).toEqual([3, 4]);
      return inHandler;
    };
    // In the queue while the handler still runs: no end of response is waited for.
    expect(await seen(['mae'])).toEqual([1, 2]);
    // With latency_ms the values wait for the response, to go out together with its latency.
    expect(await seen(['mae', 'latency_ms'])).toEqual([0, 1]);
  });

  it('lets record() reach the request from nested async code, after the body was parsed', async () => {
    const mock = new MockConfig();
    const fastify = app();
    await fastify.register(scouterPlugin, {
      profiles: { model: makeProfile('model', ['score']) },
      transport: mock,
      asyncContext: true,
    });
    async function predict(x: number): Promise<number> {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await new Promise((resolve) => setImmediate(resolve));
      record({ score: x * 10 });
      return x;
    }
    fastify.post<{ Body: { x: number } }>('/predict', async (request) => ({
      y: await predict(request.body.x),
    }));
    await Promise.all([1, 2].map((x) => fastify.inject({ method: 'POST', url: '/predict', payload: { x } })));
    await fastify.close();
    expect(
      brief(mock.records)
        .map((r) => r.value)
        .sort((a, b) => a - b),
    ).toEqual([10, 20]);
  });

  it('respects encapsulation, and keeps many instances in one process apart', async () => {
    const mockA = new MockConfig();
    const mockB = new MockConfig();
    const a = app();
    await a.register(async (child) => {
      await child.register(scouterPlugin, {
        profiles: { model: makeProfile('a', ['mae']) },
        transport: mockA,
      });
      addPredict(child);
    });
    a.get('/outside', async (request) => ({
      monitored: request.scouter !== undefined && request.scouter !== null,
    }));
    const b = app();
    await b.register(scouterPlugin, { profiles: { model: makeProfile('b', ['mae']) }, transport: mockB });
    addPredict(b);
    await Promise.all(
      [1, 2, 3].flatMap((x) => [
        a.inject({ method: 'POST', url: '/predict', payload: { x } }),
        b.inject({ method: 'POST', url: '/predict', payload: { x: x * 100 } }),
      ]),
    );
    expect((await a.inject({ url: '/outside' })).json()).toEqual({ monitored: false });
    expect(a.hasDecorator('scouter')).toBe(false);
    await Promise.all([a.close(), b.close()]);
    expect(brief(mockA.records).map((r) => `${r.name}:${r.value}`)).toEqual(['a:1', 'a:2', 'a:3']);
    expect(brief(mockB.records).map((r) => `${r.name}:${r.value}`)).toEqual(['b:100', 'b:200', 'b:300']);
  });

  it('keeps answering while the monitoring server fails, reporting through onError and fastify.log', async () => {
    const server = await sink();
    server.messageStatus = 500;
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const fastify = Fastify({ logger: { level: 'warn', stream } });
    cleanups.push(() => fastify.close());
    const onError = vi.fn();
    await fastify.register(scouterPlugin, {
      profiles: { model: makeProfile('model', ['mae']) },
      transport: http(server),
      maxRetries: 1,
      retryBaseMs: 5,
      retryMaxMs: 10,
      onError,
    });
    addPredict(fastify);
    for (const x of [1, 2]) {
      const res = await fastify.inject({ method: 'POST', url: '/predict', payload: { x } });
      expect(res.statusCode).toBe(200);
    }
    const res = await fastify.inject({ method: 'POST', url: '/predict', payload: { x: 'not a number' } });
    expect(res.json()).toEqual({ y: null });
    await fastify.close();
    expect(server.records).toEqual([]);
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'ERR_HTTP_STATUS', status: 500 }),
      expect.objectContaining({ problem: 'retriesExhausted' }),
    );
    expect(fastify.scouter.stats().dropped).toMatchObject({ retriesExhausted: 2, invalidValue: 1 });
    expect(lines.some((line) => line.includes('"level":40') && line.includes('scouter-ts'))).toBe(true);
  });

  it('fails registration for bad options or a profile that cannot be loaded', async () => {
    const bad = app();
    await expect(
      bad.register(scouterPlugin, { profiles: { model: 'p.json' }, maxRetries: -1 }),
    ).rejects.toThrow(/Invalid @scouter-ts\/fastify options:\n {2}- maxRetries: must be >= 0/);
    const missing = app();
    const logger = memoryLogger();
    missing.register(scouterPlugin, {
      profiles: { model: '/does/not/exist.json' },
      transport: new MockConfig(),
      logger,
    });
    await expect(missing.ready()).rejects.toMatchObject({ code: 'ERR_IO' });
    expect(logger.lines).toEqual([['error', expect.stringContaining('could not be created')]]);
  });

  it('uses an existing queue, which close() flushes but does not shut down', async () => {
    const mock = new MockConfig();
    const queue = await ScouterQueue.fromProfiles({ model: makeProfile('model', ['mae'], 10) }, mock);
    const fastify = app();
    await fastify.register(scouterPlugin, { queue, prefix: '/ignored' });
    expect(fastify.scouter).toBe(queue);
    addPredict(fastify);
    await fastify.inject({ method: 'POST', url: '/predict', payload: { x: 7 } });
    await fastify.close();
    expect(brief(mock.records)).toEqual([{ name: 'model', metric: 'mae', value: 7 }]);
    queue.insert('model', { mae: 1 });
    expect(await queue.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
  });

  it('monitors only the requests shouldRecord accepts', async () => {
    const mock = new MockConfig();
    const fastify = app();
    await fastify.register(scouterPlugin, {
      profiles: { model: makeProfile('model', ['mae', 'error']) },
      transport: mock,
      shouldRecord: (request) => request.url !== '/health',
    });
    fastify.get('/health', async (request) => {
      request.scouter.insert({ mae: 99 });
      return 'up';
    });
    addPredict(fastify);
    await fastify.inject({ url: '/health' });
    await fastify.inject({ method: 'POST', url: '/predict', payload: { x: 1 } });
    await fastify.close();
    expect(brief(mock.records)).toEqual([
      { name: 'model', metric: 'mae', value: 1 },
      { name: 'model', metric: 'error', value: 0 },
    ]);
  });
});

describe('@scouter-ts/fastify handleSignals (child process)', () => {
  it('flushes on SIGTERM, then ends the process by the signal', async () => {
    const server = await sink();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./test-fixtures/signal-app.ts', import.meta.url))],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        env: {
          ...process.env,
          SINK_URL: server.url,
          PROFILE: saveProfile(makeProfile('model', ['mae'], 100)),
          HANDLE_SIGNALS: '1',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    for (const x of [2, 4]) {
      const res = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ x }),
      });
      expect(res.status).toBe(200);
    }
    child.kill('SIGTERM');
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(brief(server.records)).toEqual([{ name: 'model', metric: 'mae', value: 3 }]);
  });
});
