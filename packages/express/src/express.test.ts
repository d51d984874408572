import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { HttpConfig, MockConfig, ScouterQueue } from '@scouter-ts/core';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLoopbackSink, type LoopbackSink } from '../../core/src/capture/testing/loopback-sink.js';
import { record, scouter, type ScouterMiddleware } from './index.js';
import { MICROS_TIMESTAMP, brief, makeProfile, memoryLogger, saveProfile } from './test-fixtures/profiles.js';
import { startRealServer, storedRecords } from './test-fixtures/real-server.js';

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
function track(mw: ScouterMiddleware): ScouterMiddleware {
  cleanups.push(() => mw.close());
  return mw;
}

function predictApp(mw: ScouterMiddleware): Express {
  const app = express();
  app.use(express.json());
  app.use(mw);
  app.post('/predict', (req, res) => {
    const { x } = req.body as { x: number };
    req.scouter.insert({ mae: x });
    res.json({ y: x * 2 });
  });
  return app;
}

describe('@scouter-ts/express', () => {
  it('sends the exact records to a Scouter server over HTTP, batch means per sampleSize, the rest on close', async () => {
    const server = await sink();
    const mw = track(
      scouter({
        profiles: { model: saveProfile(makeProfile('model', ['mae'], 2)) },
        transport: http(server),
      }),
    );
    const app = predictApp(mw);
    for (const x of [1, 2, 3])
      await request(app)
        .post('/predict')
        .send({ x })
        .expect(200, { y: x * 2 });
    await server.waitForRecords(1);
    expect(server.records).toHaveLength(1);
    expect(await mw.close()).toMatchObject({ dropped: 0, pending: 0 });
    expect(server.records).toEqual([
      {
        created_at: expect.stringMatching(MICROS_TIMESTAMP),
        space: 'test',
        name: 'model',
        version: '1.0.0',
        metric: 'mae',
        value: 1.5,
      },
      {
        created_at: expect.stringMatching(MICROS_TIMESTAMP),
        space: 'test',
        name: 'model',
        version: '1.0.0',
        metric: 'mae',
        value: 3,
      },
    ]);
    expect(server.hits.get('/scouter/message')).toBe(2);
  });

  it('delivers to the real scouter-server, which stores the records', async () => {
    const { server, url } = await startRealServer();
    cleanups.push(() => server.close());
    const mw = track(
      scouter({
        profiles: { model: makeProfile('real', ['mae', 'error']) },
        transport: new HttpConfig({ serverUri: url, username: 'admin', password: 'admin' }),
      }),
    );
    const app = predictApp(mw);
    for (const x of [0.5, 1.5]) await request(app).post('/predict').send({ x }).expect(200);
    expect(await mw.close()).toEqual({ sent: 4, dropped: 0, pending: 0 });
    expect(await storedRecords(server, 'real')).toEqual([
      { metric: 'mae', value: 0.5 },
      { metric: 'error', value: 0 },
      { metric: 'mae', value: 1.5 },
      { metric: 'error', value: 0 },
    ]);
  });

  it('serves several profiles in one app, with automatic latency_ms and error where a profile declares them', async () => {
    const server = await sink();
    const mw = track(
      scouter({
        profiles: {
          quality: makeProfile('quality', ['mae']),
          ops: makeProfile('ops', ['latency_ms', 'error']),
        },
        transport: http(server),
      }),
    );
    const app = express();
    app.use(mw);
    app.get('/ok', (req, res) => {
      req.scouter.insert('quality', { mae: 0.25 });
      res.send('ok');
    });
    app.get('/slow', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      res.send('slow');
    });
    app.get('/fail', () => {
      throw new Error('model crashed');
    });
    app.get('/missing', (_req, res) => {
      res.status(404).send('nope');
    });
    await mw.ready();
    await request(app).get('/ok').expect(200);
    await request(app).get('/slow').expect(200);
    await request(app).get('/fail').expect(500);
    await request(app).get('/missing').expect(404);
    await mw.close();
    const records = brief(server.records);
    expect(records.filter((r) => r.name === 'quality')).toEqual([
      { name: 'quality', metric: 'mae', value: 0.25 },
    ]);
    expect(records.filter((r) => r.metric === 'error').map((r) => r.value)).toEqual([0, 0, 1, 0]);
    const latencies = records.filter((r) => r.metric === 'latency_ms').map((r) => r.value);
    expect(latencies).toHaveLength(4);
    expect(latencies[1]).toBeGreaterThanOrEqual(29);
    expect(latencies.every((ms) => ms > 0 && ms < 5_000)).toBe(true);
  });

  it('hands values over at insert without automatic metrics, and when the response finished with them', async () => {
    const seen = async (metrics: string[]) => {
      const mock = new MockConfig();
      const mw = track(scouter({ profiles: { model: makeProfile('model', metrics) }, transport: mock }));
      const queue = await mw.ready();
      const inHandler: number[] = [];
      const app = express();
      app.use(mw);
      app.get('/predict', (req, res) => {
        req.scouter.insert({ mae: Number(req.query.x) });
        inHandler.push(queue.stats().inserted);
        res.send('ok');
      });
      for (const x of [3, 4]) await request(app).get(`/predict?x=${x}`).expect(200);
      await vi.waitFor(() => expect(queue.stats().inserted).toBe(2));
      await mw.close();
      expect(
        brief(mock.records)
          .filter((r) => r.metric === 'mae')
          .map((r) => r.value),
      ).toEqual([3, 4]);
      return inHandler;
    };
    // In the queue while the handler still runs: no end of response is waited for.
    expect(await seen(['mae'])).toEqual([1, 2]);
    // With error the values wait for the response, to go out together with its status.
    expect(await seen(['mae', 'error'])).toEqual([0, 1]);
  });

  it('exposes req.scouter in mounted routers and sub-apps', async () => {
    const mock = new MockConfig();
    const mw = track(scouter({ profiles: { model: makeProfile('model', ['mae']) }, transport: mock }));
    const app = express();
    app.use(mw);
    const sub = express();
    sub.get('/x', (req, res) => {
      req.scouter.insert({ mae: 1 });
      res.send('sub');
    });
    const router = express.Router();
    router.get('/y', (req, res) => {
      req.scouter.insert({ mae: 2 });
      res.send('router');
    });
    app.use('/sub', sub);
    app.use('/r', router);
    await request(app).get('/sub/x').expect(200, 'sub');
    await request(app).get('/r/y').expect(200, 'router');
    await mw.close();
    expect(brief(mock.records).map((r) => r.value)).toEqual([1, 2]);
  });

  it('lets record() reach the request from nested async model code that never sees req', async () => {
    const mock = new MockConfig();
    const mw = track(
      scouter({
        profiles: { model: makeProfile('model', ['score', 'confidence']) },
        transport: mock,
        asyncContext: true,
      }),
    );
    async function embed(x: number): Promise<number> {
      await new Promise((resolve) => setImmediate(resolve));
      record({ confidence: x / 10 });
      return x;
    }
    async function predict(x: number): Promise<number> {
      await new Promise((resolve) => setTimeout(resolve, 2));
      const [a, b] = await Promise.all([embed(x), embed(x + 1)]);
      record({ score: a + b });
      return a + b;
    }
    const app = express();
    app.use(mw);
    app.use(express.json());
    app.post('/predict', async (req, res) => {
      res.json({ y: await predict((req.body as { x: number }).x) });
    });
    await Promise.all([1, 5].map((x) => request(app).post('/predict').send({ x }).expect(200)));
    await mw.close();
    const sorted = brief(mock.records).sort((a, b) => a.metric.localeCompare(b.metric) || a.value - b.value);
    expect(sorted).toEqual([
      { name: 'model', metric: 'confidence', value: 0.1 },
      { name: 'model', metric: 'confidence', value: 0.2 },
      { name: 'model', metric: 'confidence', value: 0.5 },
      { name: 'model', metric: 'confidence', value: 0.6 },
      { name: 'model', metric: 'score', value: 3 },
      { name: 'model', metric: 'score', value: 11 },
    ]);
  });

  it('hands the values to the queue when the client closes the connection before the response', async () => {
    const mock = new MockConfig();
    const mw = track(
      scouter({ profiles: { model: makeProfile('model', ['mae', 'latency_ms']) }, transport: mock }),
    );
    const app = express();
    app.use(mw);
    let closed!: () => void;
    const aborted = new Promise<void>((resolve) => (closed = resolve));
    app.get('/hang', (req, res) => {
      req.scouter.insert({ mae: 8 });
      res.once('close', () => setImmediate(closed));
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/hang`, { signal: controller.signal }).catch(
      () => 'aborted',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(await pending).toBe('aborted');
    await aborted;
    await mw.close();
    expect(brief(mock.records).map((r) => r.metric)).toEqual(['mae', 'latency_ms']);
    expect(mock.records[0]?.value).toBe(8);
  });

  it('keeps answering normally while the monitoring server fails, and reports through onError and counters', async () => {
    const server = await sink();
    server.messageStatus = 503;
    const onError = vi.fn();
    const logger = memoryLogger();
    const mw = track(
      scouter({
        profiles: { model: makeProfile('model', ['mae']) },
        transport: http(server),
        maxRetries: 1,
        retryBaseMs: 5,
        retryMaxMs: 10,
        onError,
        logger,
      }),
    );
    const app = predictApp(mw);
    for (const x of [1, 2, 3])
      await request(app)
        .post('/predict')
        .send({ x })
        .expect(200, { y: x * 2 });
    await request(app).post('/predict').send({ x: Number.NaN }).expect(200);
    expect(await mw.close()).toMatchObject({ sent: 0, pending: 0 });
    expect(server.records).toEqual([]);
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'ERR_HTTP_STATUS', status: 503 }),
      expect.objectContaining({ problem: 'retriesExhausted' }),
    );
    expect(mw.queue?.stats().dropped).toMatchObject({ retriesExhausted: 3, invalidValue: 1 });
  });

  it('keeps answering when the monitoring server is unreachable or never answers', async () => {
    const down = await startLoopbackSink();
    await down.close();
    const mw = track(
      scouter({
        profiles: { model: makeProfile('model', ['mae']) },
        transport: new HttpConfig({ serverUri: down.url, timeoutMs: 200 }),
        maxRetries: 0,
        shutdownTimeoutMs: 1_000,
        logger: memoryLogger(),
      }),
    );
    const app = predictApp(mw);
    await request(app).post('/predict').send({ x: 1 }).expect(200, { y: 2 });
    expect(await mw.close()).toEqual({ sent: 0, dropped: 1, pending: 0 });
  });

  it('skips requests shouldRecord rejects, and warns instead of double counting when registered twice', async () => {
    const mock = new MockConfig();
    const logger = memoryLogger();
    const options = {
      profiles: { model: makeProfile('model', ['mae', 'latency_ms']) },
      transport: mock,
      logger,
      shouldRecord: (req: express.Request) => req.path !== '/health',
    };
    const first = track(scouter(options));
    const second = track(scouter({ ...options, transport: new MockConfig() }));
    const app = express();
    app.use(first);
    app.use(first);
    app.use(second);
    app.get('/health', (req, res) => {
      req.scouter.insert({ mae: 100 });
      res.send('up');
    });
    app.get('/work', (req, res) => {
      req.scouter.insert({ mae: 1 });
      res.send('done');
    });
    await request(app).get('/health').expect(200);
    await request(app).get('/work').expect(200);
    await first.close();
    expect(brief(mock.records).map((r) => [r.metric, r.metric === 'mae' ? r.value : 'ms'])).toEqual([
      ['mae', 1],
      ['latency_ms', 'ms'],
    ]);
    expect(first.stats()).toMatchObject({ requests: 1, filtered: 1, inserted: 1 });
    expect(second.stats()).toMatchObject({ requests: 0 });
    expect(logger.lines.filter(([, m]) => m.includes('second scouter middleware'))).toHaveLength(2);
  });

  it('does not block app.use on profile loading; a bad path rejects ready() and requests still succeed', async () => {
    const logger = memoryLogger();
    const mw = scouter({ profiles: { model: '/does/not/exist.json' }, transport: new MockConfig(), logger });
    expect(mw.queue).toBeUndefined();
    const app = predictApp(mw);
    await request(app).post('/predict').send({ x: 1 }).expect(200, { y: 2 });
    await expect(mw.ready()).rejects.toMatchObject({ code: 'ERR_IO' });
    await request(app).post('/predict').send({ x: 1 }).expect(200, { y: 2 });
    expect(logger.lines).toEqual([['error', expect.stringContaining('could not be created')]]);
    expect(mw.stats()).toMatchObject({ requests: 2, droppedNotReady: 2 });
    await mw.close();
  });

  it('accepts an existing queue, exposes it, and only flushes it on close', async () => {
    const mock = new MockConfig();
    const queue = await ScouterQueue.fromProfiles({ model: makeProfile('model', ['mae'], 10) }, mock);
    const mw = scouter(queue);
    expect(mw.queue).toBe(queue);
    await request(predictApp(mw)).post('/predict').send({ x: 4 }).expect(200);
    await mw.close();
    expect(brief(mock.records)).toEqual([{ name: 'model', metric: 'mae', value: 4 }]);
    queue.insert('model', { mae: 1 });
    expect(await queue.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
  });

  it('validates options at construction with errors naming the field', () => {
    expect(() => scouter({})).toThrow(/Invalid @scouter-ts\/express options:\n {2}- profiles:/);
    expect(() => scouter({ profiles: { m: 'p.json' }, flushIntervalMs: 0 })).toThrow(
      /flushIntervalMs: must be > 0/,
    );
  });
});

describe('@scouter-ts/express handleSignals (child process)', () => {
  const script = fileURLToPath(new URL('./test-fixtures/signal-app.ts', import.meta.url));
  const root = fileURLToPath(new URL('../../..', import.meta.url));

  async function runChild(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    for (const x of [1, 2, 3]) {
      const res = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ x }),
      });
      expect(res.status).toBe(200);
    }
    child.kill('SIGTERM');
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return { code, signal };
  }

  it('flushes on SIGTERM, then ends the process by the signal as it would have without the middleware', async () => {
    const server = await sink();
    const profile = saveProfile(makeProfile('model', ['mae'], 100));
    const withUs = await runChild({ SINK_URL: server.url, PROFILE: profile, HANDLE_SIGNALS: '1' });
    expect(withUs).toEqual({ code: null, signal: 'SIGTERM' });
    expect(brief(server.records)).toEqual([{ name: 'model', metric: 'mae', value: 2 }]);

    const without = await runChild({ SINK_URL: server.url, PROFILE: profile, HANDLE_SIGNALS: '' });
    expect(without).toEqual({ code: null, signal: 'SIGTERM' });
    expect(server.records).toHaveLength(1);
  });

  it('leaves the exit to an application SIGTERM handler, after flushing', async () => {
    const server = await sink();
    const profile = saveProfile(makeProfile('model', ['mae'], 100));
    const result = await runChild({
      SINK_URL: server.url,
      PROFILE: profile,
      HANDLE_SIGNALS: '1',
      OWN_HANDLER: '1',
    });
    expect(result).toEqual({ code: 3, signal: null });
    expect(brief(server.records)).toEqual([{ name: 'model', metric: 'mae', value: 2 }]);
  });
});
