// One benchmark server process: a small inference endpoint (POST /predict) on Express or Fastify, bare or with one
// monitoring variant (`control` and any unknown name run bare; `work-<µs>` adds that much computation per request;
// `emitter` emits a few events at startup, as most apps do; `register-empty` registers an empty plugin or middleware).
// Started by bench/adapters.ts, pinned to a CPU, controlled over IPC (stats, finish).
// Frameworks and instrumented libraries are loaded with require() after OpenTelemetry is set up, so its
// require hooks can patch them (as an application preloading an OTel SDK would).
import { createRequire } from 'node:module';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpConfig, MockConfig } from '@scouter-ts/core';
import { scouter } from '@scouter-ts/express';
import { scouterPlugin } from '@scouter-ts/fastify';

const require = createRequire(import.meta.url);
// Measure what applications run: the built packages (bench/adapters.ts points tsx at bench/servers/tsconfig.json).
for (const name of ['@scouter-ts/core', '@scouter-ts/express', '@scouter-ts/fastify']) {
  const resolved = import.meta.resolve(name);
  if (!resolved.includes('/dist/'))
    throw new Error(
      `${name} resolved to ${resolved}, not to its dist/: run \`pnpm build\` and start the bench with tsconfig ${String(process.env.TSX_TSCONFIG_PATH)}`,
    );
}
const framework = process.env.BENCH_FRAMEWORK as 'express' | 'fastify';
const variant = process.env.BENCH_VARIANT ?? 'bare';
const sinkUrl = process.env.BENCH_SINK_URL ?? '';
const profilePath = process.env.BENCH_PROFILE ?? '';

const WEIGHTS = [0.12, -0.4, 0.33, 0.05, -0.27, 0.9, -0.61, 0.18, 0.44, -0.09];
let served = 0;

/** The "model": a logistic regression over 10 features. */
function predict(features: number[]): number {
  let z = 0.1;
  for (let i = 0; i < WEIGHTS.length; i++) z += (WEIGHTS[i] as number) * (features[i] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** `work-<µs>`: a calibration variant that adds a known amount of pure computation per request. */
let workSink = 1;
function work(iterations: number): void {
  let x = workSink;
  for (let i = 0; i < iterations; i++) x = (x * 1103515245 + 12345) % 2147483648;
  workSink = x;
}
/** Iterations of `work()` for the µs in the variant's name, timed at startup (fastest of 20 runs). */
const workIterations = (() => {
  if (!variant.startsWith('work-')) return 0;
  let perMicro = 0;
  for (let run = 0; run < 20; run++) {
    const started = performance.now();
    work(200_000);
    perMicro = Math.max(perMicro, 200_000 / ((performance.now() - started) * 1000));
  }
  return Math.round(Number(variant.slice('work-'.length)) * perMicro);
})();

/**
 * Our variants: `scouter` (defaults: deliveries from a worker thread), `scouter-als` (asyncContext: true, for
 * record()), `scouter-main` (deliveries from the app's thread: `HttpConfig({ thread: 'main' })`), `scouter-mock`
 * (in-memory transport), `scouter-null` (a transport that discards: everything but the delivery),
 * `scouter-null-noinsert` (the same, the handler never inserting), `scouter-linger<ms>` (longer coalescing).
 */
const isScouter = variant.startsWith('scouter');
/** `…-noinsert`: the plugin registered, the handler never touching `request.scouter` (bisection of startup effects). */
const noInsert = variant.endsWith('-noinsert');
const scouterOptions = () => ({
  profiles: { model: profilePath },
  transport:
    variant === 'scouter-mock'
      ? new MockConfig()
      : variant.startsWith('scouter-null')
        ? { kind: 'null', publish: async () => undefined, close: async () => undefined }
        : new HttpConfig({
            serverUri: sinkUrl,
            username: 'admin',
            password: 'admin',
            ...(variant === 'scouter-main' ? { thread: 'main' as const } : {}),
          }),
  ...(variant === 'scouter-als' ? { asyncContext: true } : {}),
  // `scouter-linger<ms>`: POSTs coalesced over <ms> (default 1000), up to 5000 records each.
  ...(variant.startsWith('scouter-linger')
    ? { sendLingerMs: Number(variant.slice('scouter-linger'.length)), maxRecordsPerSend: 5000 }
    : {}),
  // BENCH_SCOUTER_OPTIONS='{"sendLingerMs":0}' adds plugin options to our variants, for diagnosis.
  ...(JSON.parse(process.env.BENCH_SCOUTER_OPTIONS ?? '{}') as object),
});

function setupOtel(): unknown {
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const exporter = new OTLPTraceExporter({ url: `${sinkUrl}/v1/traces` });
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  const instrumentations: unknown[] = [new HttpInstrumentation()];
  let fastifyOtel: unknown;
  if (framework === 'express') {
    const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
    instrumentations.push(new ExpressInstrumentation());
  } else {
    const { FastifyOtelInstrumentation } = require('@fastify/otel');
    fastifyOtel = new FastifyOtelInstrumentation();
    instrumentations.push(fastifyOtel);
  }
  registerInstrumentations({ instrumentations });
  return fastifyOtel;
}

type Finish = () => Promise<object>;
interface Monitored {
  body: { features: number[] };
  scouter?: { insert(metrics: Record<string, number>): void } | null;
}
interface Sendable {
  json(body: unknown): void;
  send(body: unknown): void;
}

async function startExpress(): Promise<{ port: number; finish: Finish }> {
  const express = require('express');
  const app = express();
  app.use(express.json());
  let finish: Finish = async () => ({});
  if (isScouter) {
    const mw = scouter(scouterOptions());
    await mw.ready();
    app.use(mw);
    finish = async () => ({ flush: await mw.close(), queue: mw.queue?.stats(), capture: mw.stats() });
  } else if (variant === 'hook') {
    // The floor of the design: a response-end listener that does nothing.
    app.use((_req: unknown, res: { once(event: string, fn: () => void): void }, next: () => void) => {
      res.once('close', () => undefined);
      next();
    });
  } else if (variant === 'register-empty') {
    // What any middleware costs: one more layer in the router for every request, doing nothing.
    app.use((_req: unknown, _res: unknown, next: () => void) => next());
  } else if (variant === 'prom') {
    const promBundle = require('express-prom-bundle');
    app.use(promBundle({ includeMethod: true, includePath: true }));
  }
  app.post('/predict', (req: Monitored, res: Sendable) => {
    if (workIterations > 0) work(workIterations);
    const score = predict(req.body.features);
    if (!noInsert) req.scouter?.insert({ mae: Math.abs(score - 0.5), confidence: score });
    served++;
    res.json({ score });
  });
  const server = app.listen(0, '127.0.0.1') as Server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.keepAliveTimeout = 60_000;
  return { port: (server.address() as AddressInfo).port, finish };
}

async function startFastify(
  fastifyOtel: { plugin(): unknown } | undefined,
): Promise<{ port: number; finish: Finish }> {
  const Fastify = require('fastify');
  const app = Fastify({ keepAliveTimeout: 60_000 });
  let finish: Finish = async () => ({});
  if (isScouter) {
    await app.register(scouterPlugin, scouterOptions());
    finish = async () => {
      const queue = app.scouter;
      await app.close();
      return { queue: queue.stats() };
    };
  } else if (variant === 'register-empty') {
    // An empty plugin. Any register() (or `await app.after()`) before the routes costs the plugin-free app an
    // escape-analysis win in node's http path (~380 bytes per request), as `emitter` does.
    const plugin = Object.assign(async () => undefined, { [Symbol.for('skip-override')]: true });
    await app.register(plugin);
  } else if (variant === 'hook') {
    // The floor of the design: an onResponse hook that does nothing.
    app.addHook('onResponse', (_request: unknown, _reply: unknown, done: () => void) => done());
  } else if (variant === 'prom') {
    await app.register(require('fastify-metrics'), { endpoint: '/metrics' });
  } else if (variant === 'otel') {
    await app.register(fastifyOtel?.plugin());
  }
  app.post('/predict', (request: Monitored, reply: Sendable) => {
    if (workIterations > 0) work(workIterations);
    const score = predict(request.body.features);
    if (!noInsert) request.scouter?.insert({ mae: Math.abs(score - 0.5), confidence: score });
    served++;
    reply.send({ score });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, finish };
}

if (variant === 'emitter') {
  // No monitoring, but a plain EventEmitter that emits a few events at startup (BENCH_EMITS, default 50),
  // as a logger, database client or model loader would. With Fastify even 5 cost as much per request as an empty
  // plugin (bench/README.md): node's EventEmitter code has then seen more than http objects, and V8 optimises node's
  // http path less. Real apps are in this state before they add any monitoring.
  const { EventEmitter } = require('node:events');
  const emitter = new EventEmitter();
  emitter.on('event', () => undefined);
  for (let i = 0; i < Number(process.env.BENCH_EMITS ?? 50); i++) emitter.emit('event', i);
}
const fastifyOtel = variant === 'otel' ? (setupOtel() as { plugin(): unknown } | undefined) : undefined;
const { port, finish } = framework === 'express' ? await startExpress() : await startFastify(fastifyOtel);

/** Milliseconds spent in GC pauses on the main thread: scavenges and mark-compacts (incl. incremental steps). */
const gcMs = { minor: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
      gcMs.minor += entry.duration;
    } else {
      gcMs.major += entry.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats' || message.type === 'gc-stats') {
    // Before a block: a full collection, so no block inherits a heap that is due for a major GC from the last one.
    // Its GC notification arrives during the block: take its duration off the major GC time in advance.
    if (message.type === 'gc-stats') {
      const started = performance.now();
      (globalThis as { gc?: () => void }).gc?.();
      gcMs.major -= performance.now() - started;
    }
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'stats',
      cpuMicros: cpu.user + cpu.system,
      gcMinorMs: gcMs.minor,
      gcMajorMs: gcMs.major,
      served,
      rss: process.memoryUsage().rss,
    });
  } else if (message.type === 'exit') {
    process.exit(0);
  } else if (message.type === 'finish') {
    void finish().then((result) => process.send?.({ type: 'finished', served, ...result }));
  }
});
process.send?.({ type: 'ready', port });
