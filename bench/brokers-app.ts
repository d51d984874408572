// One Fastify benchmark server of bench/brokers.ts: `POST /predict` (10 floats, a logistic regression), bare or with
// @scouter-ts/fastify sending over one transport (BENCH_VARIANT: bare | http | redis | rabbitmq | kafka) to the scouter-server
// the orchestrator runs. Controlled over IPC: `stats` (CPU µs and requests so far), `finish` (close: final flush).
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import {
  HttpConfig,
  KafkaConfig,
  RabbitMQConfig,
  RedisConfig,
  type AdapterTransport,
} from '@scouter-ts/core';
import { scouterPlugin } from '@scouter-ts/fastify';

const variant = process.env.BENCH_VARIANT ?? 'bare';
const WEIGHTS = [0.12, -0.4, 0.33, 0.05, -0.27, 0.9, -0.61, 0.18, 0.44, -0.09];
let served = 0;

function predict(features: number[]): number {
  let z = 0.1;
  for (let i = 0; i < WEIGHTS.length; i++) z += (WEIGHTS[i] as number) * (features[i] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** The transport of each variant; each config reads its own environment (set by bench/brokers.ts). */
const transports: Record<string, () => AdapterTransport> = {
  http: () => new HttpConfig(),
  redis: () => new RedisConfig(),
  rabbitmq: () => new RabbitMQConfig(),
  kafka: () => new KafkaConfig(),
};

const app = Fastify({ keepAliveTimeout: 60_000 });
const transport = transports[variant];
if (transport !== undefined) {
  await app.register(scouterPlugin, {
    profiles: { model: process.env.BENCH_PROFILE ?? '' },
    transport: transport(),
    logger: {
      warn: (o: object, m?: string) => console.error(m, o),
      error: (o: object, m?: string) => console.error(m, o),
    },
  });
}
interface Monitored {
  body: { features: number[] };
  scouter?: { insert(metrics: Record<string, number>): void } | null;
}
app.post('/predict', (request, reply) => {
  const { body, scouter } = request as unknown as Monitored;
  const score = predict(body.features);
  scouter?.insert({ mae: Math.abs(score - 0.5), confidence: score });
  served++;
  void reply.send({ score });
});
await app.listen({ port: 0, host: '127.0.0.1' });

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'stats', cpuMicros: user + system, served });
  } else if (message.type === 'finish') {
    const queue =
      transport !== undefined ? (app as unknown as { scouter: { stats(): object } }).scouter : undefined;
    void app.close().then(() => {
      process.send?.({ type: 'finished', served, queue: queue?.stats() });
      process.disconnect();
    });
  }
});
process.send?.({ type: 'ready', port: (app.server.address() as AddressInfo).port });
