/**
 * A minimal inference service for the fault matrix, run as its own process (`node --import tsx`): Express or Fastify
 * with the scouter-ts adapter, `POST /work {"seq": n}` inserts `seq` into the queue (a one-metric profile with
 * `sampleSize` 1, so every request is one record with a value of its own), `GET /__stats` reports the queue's
 * counters and `GET /__memory` the process's memory (bench/soak.ts). On SIGTERM it stops accepting requests, closes the adapter (the final flush) and prints its counters as
 * the last stdout line before exiting 0.
 *
 * Environment: SERVICE_FRAMEWORK (express | fastify), SERVICE_PROFILE (profile JSON path), SCOUTER_URI,
 * SERVICE_QUEUE_OPTIONS (JSON of queue options), SERVICE_HTTP_TIMEOUT_MS.
 */
import type { AddressInfo } from 'node:net';
import { HttpConfig } from '@scouter-ts/core';
import type { FlushResult, QueueStats } from '@scouter-ts/core';
import { scouter } from '@scouter-ts/express';
import { scouterPlugin } from '@scouter-ts/fastify';
import express from 'express';
import Fastify from 'fastify';

const framework = process.env.SERVICE_FRAMEWORK;
const transport = new HttpConfig({
  serverUri: process.env.SCOUTER_URI ?? '',
  username: 'admin',
  password: 'admin',
  timeoutMs: Number(process.env.SERVICE_HTTP_TIMEOUT_MS ?? 2000),
});
const options = {
  profiles: { seq: process.env.SERVICE_PROFILE ?? '' },
  transport,
  shutdownTimeoutMs: 15_000,
  ...(JSON.parse(process.env.SERVICE_QUEUE_OPTIONS ?? '{}') as Record<string, unknown>),
};
const seqOf = (body: unknown): number => Number((body as { seq?: unknown } | null)?.seq);

interface Running {
  url: string;
  stats(): QueueStats;
  close(): Promise<FlushResult>;
}

async function startExpress(): Promise<Running> {
  const monitoring = scouter(options);
  const queue = await monitoring.ready();
  const app = express();
  app.use(express.json());
  app.use(monitoring);
  app.post('/work', (req, res) => {
    req.scouter.insert('seq', { seq: seqOf(req.body) });
    res.json({ ok: true });
  });
  app.get('/__stats', (_req, res) => {
    res.json(queue.stats());
  });
  app.get('/__memory', (_req, res) => {
    res.json(process.memoryUsage());
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => queue.stats(),
    close: async () => {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return monitoring.close();
    },
  };
}

async function startFastify(): Promise<Running> {
  const app = Fastify({ forceCloseConnections: 'idle' });
  await app.register(scouterPlugin, options);
  app.post('/work', (request) => {
    request.scouter.insert('seq', { seq: seqOf(request.body) });
    return { ok: true };
  });
  app.get('/__stats', () => app.scouter.stats());
  app.get('/__memory', () => process.memoryUsage());
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    stats: () => app.scouter.stats(),
    close: async () => {
      await app.close();
      return app.scouter.shutdown();
    },
  };
}

const running = framework === 'fastify' ? await startFastify() : await startExpress();
process.stdout.write(`${JSON.stringify({ listening: running.url })}\n`);
process.once('SIGTERM', () => {
  void running.close().then((shutdown) => {
    process.stdout.write(`${JSON.stringify({ final: running.stats(), shutdown })}\n`);
    process.exit(0);
  });
});
