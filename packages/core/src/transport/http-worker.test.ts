import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ScouterHttpError, ScouterNetworkError } from '../errors.js';
import { startLoopbackSink, type LoopbackSink } from '../capture/testing/loopback-sink.js';
import { CustomDriftProfile, CustomMetric, CustomMetricDriftConfig, AlertThreshold } from '../index.js';
import { ScouterQueue } from '../queue/scouter-queue.js';
import { createTransport } from './create.js';
import { HttpConfig } from './http-config.js';
import { WorkerHttpTransport } from './http-worker.js';
import { HttpTransport } from './http.js';

const body = (value: number) =>
  JSON.stringify({
    records: [
      {
        Custom: {
          created_at: '2026-11-26T10:00:00.000000Z',
          space: 'ml',
          name: 'model',
          version: '1.0.0',
          metric: 'mae',
          value,
        },
      },
    ],
  });

let sink: LoopbackSink | undefined;
const transports: WorkerHttpTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await sink?.close();
  sink = undefined;
});

async function start(): Promise<{ sink: LoopbackSink; transport: WorkerHttpTransport }> {
  sink = await startLoopbackSink();
  const transport = new WorkerHttpTransport({ serverUri: sink.url, username: 'admin', password: 'admin' });
  transports.push(transport);
  return { sink, transport };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('WorkerHttpTransport', () => {
  it("is what createTransport builds for an HttpConfig by default; thread: 'main' keeps deliveries in-thread", async () => {
    const worker = createTransport(new HttpConfig({}, {}));
    expect(worker).toBeInstanceOf(WorkerHttpTransport);
    expect(createTransport(new HttpConfig({ thread: 'main' }, {}))).toBeInstanceOf(HttpTransport);
    await worker.close();
  });

  it('posts the exact bodies from a worker thread started with it, logging in there once, and stops it on close()', async () => {
    const { sink, transport } = await start();
    expect(transport.running).toBe(true);
    expect(await transport.whenReady()).toBe(true);
    await transport.publish(body(0.25));
    await Promise.all([transport.publish(body(0.5)), transport.publish(body(0.75))]);
    expect(transport.running).toBe(true);
    expect(sink.bodies).toHaveLength(3);
    expect(sink.bodies[0]).toEqual(JSON.parse(body(0.25)));
    expect(sink.records.map((r) => r.value).sort()).toEqual([0.25, 0.5, 0.75]);
    expect(sink.hits.get('/scouter/auth/login')).toBe(1);
    await transport.close();
    expect(transport.running).toBe(false);
    await expect(transport.publish(body(1))).rejects.toMatchObject({ code: 'ERR_NETWORK', retryable: false });
  });

  it('hands the worker UTF-8 bytes: non-ASCII text arrives intact, and the same body can be published again', async () => {
    const { sink, transport } = await start();
    expect(await transport.whenReady()).toBe(true);
    const text = body(0.5).replace('"mae"', '"précision_µ"').replace('"ml"', '"模型"');
    await transport.publish(text);
    await transport.publish(text);
    expect(sink.bodies).toEqual([JSON.parse(text), JSON.parse(text)]);
    expect(sink.records.map((r) => [r.space, r.metric])).toEqual([
      ['模型', 'précision_µ'],
      ['模型', 'précision_µ'],
    ]);
  });

  it('rejects with the same error class and retry fields the in-thread transport gives', async () => {
    const { sink, transport } = await start();
    expect(await transport.whenReady()).toBe(true);
    sink.messageStatus = 503;
    const unavailable = await transport.publish(body(1)).catch((err: unknown) => err);
    expect(unavailable).toBeInstanceOf(ScouterHttpError);
    expect(unavailable).toMatchObject({ status: 503, retryable: true, code: 'ERR_HTTP_STATUS' });
    expect((unavailable as Error).message).toContain('HTTP 503');
    sink.messageStatus = 422;
    await expect(transport.publish(body(1))).rejects.toMatchObject({ status: 422, retryable: false });

    const refused = new WorkerHttpTransport({ serverUri: `http://127.0.0.1:${await closedPort()}` });
    transports.push(refused);
    expect(await refused.whenReady()).toBe(true);
    const err = await refused.publish(body(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterNetworkError);
    expect(err).toMatchObject({ retryable: true, code: 'ERR_NETWORK' });
  });

  it('carries a ScouterQueue: what is inserted reaches the server, and shutdown() stops the worker', async () => {
    sink = await startLoopbackSink();
    const profile = new CustomDriftProfile(
      new CustomMetricDriftConfig({ space: 'ml', name: 'model', version: '1.0.0', sampleSize: 2 }),
      [new CustomMetric({ name: 'mae', value: 1, alertThreshold: AlertThreshold.Outside })],
    );
    const queue = await ScouterQueue.fromProfiles(
      { model: profile },
      new HttpConfig({ serverUri: sink.url, thread: 'worker' }, {}),
    );
    queue.insert('model', { mae: 1 });
    queue.insert('model', { mae: 2 });
    queue.insert('model', { mae: 4 });
    const result = await queue.shutdown({ timeoutMs: 10_000 });
    expect(result).toEqual({ sent: 2, dropped: 0, pending: 0 });
    expect(sink.records.map((r) => [r.name, r.metric, r.value])).toEqual([
      ['model', 'mae', 1.5],
      ['model', 'mae', 4],
    ]);
  });

  it('fails what a dying worker had in flight as retryable, and starts a new worker for the next body', async () => {
    // A worker that starts, then dies on every body it is handed.
    const dying = new URL(
      `data:text/javascript,${encodeURIComponent(
        "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3)); parentPort.postMessage({ ready: true });",
      )}`,
    );
    const transport = new WorkerHttpTransport({ serverUri: 'http://127.0.0.1:9' }, { script: dying });
    transports.push(transport);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await transport.whenReady()).toBe(true);
      const err = await transport.publish(body(1)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ScouterNetworkError);
      expect(err).toMatchObject({ retryable: true, code: 'ERR_NETWORK' });
      expect((err as Error).message).toContain('exit code 3');
      expect(transport.running).toBe(false);
    }
  });

  it('sends what is published while the worker is still starting from the main thread, the rest from the worker', async () => {
    const { sink, transport } = await start();
    // At once: the worker has not loaded its modules yet, so this body is posted in-thread (its own login).
    await transport.publish(body(0.25));
    expect(sink.hits.get('/scouter/auth/login')).toBe(1);
    expect(await transport.whenReady()).toBe(true);
    await transport.publish(body(0.5));
    await transport.publish(body(0.75));
    // The worker's session logged in once more, for both of its bodies.
    expect(sink.hits.get('/scouter/auth/login')).toBe(2);
    expect(sink.records.map((r) => r.value)).toEqual([0.25, 0.5, 0.75]);
  });

  it('delivers from the main thread, with one warning, when the worker cannot start (e.g. a bundle without its entry)', async () => {
    sink = await startLoopbackSink();
    const missing = new URL('./no-such-http-worker-entry.js', import.meta.url);
    const transport = new WorkerHttpTransport(
      { serverUri: sink.url, username: 'admin', password: 'admin' },
      { script: missing },
    );
    transports.push(transport);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const early = transport.publish(body(0.25));
      expect(await transport.whenReady()).toBe(false);
      await Promise.all([early, transport.publish(body(0.5)), transport.publish(body(0.75))]);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(transport.thread).toBe('main');
    expect(transport.running).toBe(false);
    expect(sink.records.map((r) => r.value).sort()).toEqual([0.25, 0.5, 0.75]);
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toEqual([
      'SCOUTER_WORKER_UNAVAILABLE',
    ]);
    expect(warnings[0]?.message).toContain("thread: 'main'");
  });

  it('keeps the process alive while a body is in flight, and not once the worker is idle', async () => {
    sink = await startLoopbackSink();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./test-fixtures/worker-publish-once.ts', import.meta.url)),
        sink.url,
        body(0.5),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(timer);
    expect({ code, signal, out }).toEqual({ code: 0, signal: null, out: 'sent running=true\n' });
    expect(sink.records.map((r) => r.value)).toEqual([0.5]);
  });
});
