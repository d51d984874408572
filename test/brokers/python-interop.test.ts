/**
 * Scouter's own Python client (scouter-ml 0.12.0 in test/interop/.venv, whose wheel has the Redis, RabbitMQ and Kafka
 * producers compiled in) publishing with its `RedisConfig` / `RabbitMQConfig` / `KafkaConfig` through the real brokers
 * to our server: the same inserts are stored and alerted exactly as when it sends over HTTP. And our producer puts the same bytes on
 * the broker as Python's for the same inserts (timestamps aside: they are the clock at publish time).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpConfig,
  KafkaConfig,
  RabbitMQConfig,
  RedisConfig,
  ScouterClient,
  ScouterQueue,
  TimeInterval,
  type Alert,
} from '@scouter-ts/core';
import { buildTsProfile, type ProfileSpec } from '../interop/profile-spec.js';
import { VENVS, requirePython, runPython, skipMessage, type PythonEnv } from '../interop/python.js';
import { startTestServer, type RunningServer } from '../interop/server.js';
import { waitFor } from '../e2e/harness.js';
import { brokerUrl } from './brokers.js';
import { captureRedis, drainRabbitMQ, kafkaBatchCodecs, readKafka } from './capture.js';

const auth = { username: 'admin', password: 'admin' };
const redisUrl = brokerUrl('redis');
const rabbitUrl = brokerUrl('rabbitmq');
const kafkaUrl = brokerUrl('kafka');
// The broker configs are the v0.13.0 producers: scouter-ml 0.12.0's venv.
const venv = VENVS.find((v) => v.id === 'v0.13');
let env: PythonEnv | { ok: false; reason: string } = {
  ok: false,
  reason: 'SCOUTER_INTEROP_VENVS excludes v0.13',
};
let server: RunningServer | undefined;

beforeAll(async () => {
  if (venv !== undefined) env = await requirePython(venv);
}, 300_000);

/** Runs a script in the scouter-ml 0.12.0 venv. */
function runScouterPython<T = unknown>(
  script: string,
  args: unknown,
  options?: Parameters<typeof runPython>[3],
): Promise<T> {
  return runPython<T>(venv as NonNullable<typeof venv>, script, args, options);
}
const skipReason = () =>
  env.ok ? '' : 'venv' in env ? skipMessage(env) : `Scouter Python interop skipped: ${env.reason}`;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Via = 'http' | 'redis' | 'rabbitmq' | 'kafka';

/**
 * Scouter v0.13's Kafka producer sends in the background and its `shutdown()` does not wait for it (nor flush
 * librdkafka): batches still on their way are lost. Scouter's own Kafka test sleeps 15 s before shutting down; a few
 * seconds are enough on loopback.
 */
const KAFKA_PYTHON_PAUSE_S = 3;

/** `broker_send.py`'s transport argument, and the environment Python needs for it. */
function pythonTransport(
  via: Via,
  names: { channel: string; queue: string; topic: string },
): { transport: Record<string, unknown>; env: Record<string, string> } {
  if (via === 'http') {
    return { transport: { kind: 'http', server_uri: server?.serverUri, ...auth }, env: {} };
  }
  if (via === 'kafka')
    return { transport: { kind: 'kafka', brokers: kafkaUrl, topic: names.topic }, env: {} };
  if (via === 'redis')
    return { transport: { kind: 'redis', address: redisUrl, channel: names.channel }, env: {} };
  // Scouter's RabbitMQConfig takes host/port/user/password or RABBITMQ_ADDR; the URL is simplest.
  return { transport: { kind: 'rabbitmq', queue: names.queue }, env: { RABBITMQ_ADDR: rabbitUrl as string } };
}

/**
 * A message's bytes with what may differ between two producers taken out: the publish-time stamps (the clock; 9
 * digits from Python, 6 from us), and the order of the records within the message, which in Scouter follows a Rust
 * HashMap (random per process) and in ours the profile's metric order. Every record's own bytes and the envelope
 * stay as sent.
 */
function comparable(message: Buffer | string): string {
  const text = message.toString().replace(/"created_at":"[^"]*"/g, '"created_at":"<publish time>"');
  const records = text.match(/\{"Custom":\{[^{}]*\}\}/g) ?? [];
  expect(text).toBe(`{"records":[${records.join(',')}]}`);
  return `{"records":[${records.sort().join(',')}]}`;
}

describe("Scouter's Python client over the brokers", { timeout: 120_000 }, () => {
  it('stores and alerts exactly as over HTTP (RedisConfig, RabbitMQConfig, KafkaConfig)', async (ctx) => {
    if (!env.ok) ctx.skip(skipReason());
    const vias: Via[] = ['http'];
    if (redisUrl !== null) vias.push('redis');
    if (rabbitUrl !== null) vias.push('rabbitmq');
    if (kafkaUrl !== null) vias.push('kafka');
    if (vias.length === 1) ctx.skip('no broker available');
    const names = { channel: `py-${randomUUID()}`, queue: `py-${randomUUID()}`, topic: `py-${randomUUID()}` };
    server = await startTestServer({
      schedulerEnabled: true,
      pollIntervalMs: 200,
      ...(redisUrl !== null ? { redis: { address: redisUrl, channel: names.channel } } : {}),
      ...(rabbitUrl !== null ? { rabbitmq: { address: rabbitUrl, queue: names.queue } } : {}),
      ...(kafkaUrl !== null
        ? { kafka: { brokers: kafkaUrl, topics: [names.topic], groupId: names.topic } }
        : {}),
    });
    await server.app.scouterServer.consumers?.ready();
    const client = new ScouterClient(new HttpConfig({ serverUri: server.serverUri, ...auth }));
    try {
      const inserts = Array.from({ length: 100 }, (_, i) => ({ mae: i, mape: i + 1 }));
      const results = new Map<Via, { stored: Record<string, number[]>; alerts: Alert[] }>();
      for (const via of vias) {
        const spec: ProfileSpec = {
          space: 'interop',
          name: `broker-${via}`,
          version: '1.0.0',
          sample_size: 5,
          schedule: '*/2 * * * * *',
          metrics: [
            { name: 'mae', value: 1, threshold: 'Outside', threshold_value: 0.5 },
            { name: 'mape', value: 2, threshold: 'Outside', threshold_value: 0.5 },
          ],
        };
        const profile = buildTsProfile(spec);
        await client.registerProfile(profile, { setActive: false });
        const path = profile.save(join(server.dir, `profile-${via}`));
        const { transport, env: pyEnv } = pythonTransport(via, names);
        const sent = await runScouterPython<{ transport: string }>(
          'broker_send',
          { transport, path, inserts, pause_s: via === 'kafka' ? KAFKA_PYTHON_PAUSE_S : 0 },
          { timeoutMs: 90_000, env: pyEnv },
        );
        expect(sent.transport).toBe(
          { http: 'HttpConfig', redis: 'RedisConfig', rabbitmq: 'RabbitMQConfig', kafka: 'KafkaConfig' }[via],
        );
        const key = { space: 'interop', name: spec.name as string, version: '1.0.0' };
        const stored = async () => {
          const binned = await client.getBinnedDrift({
            ...key,
            timeInterval: TimeInterval.FiveMinutes,
            maxDataPoints: 300_000_000,
          });
          return {
            mae: (binned.get('mae')?.stats ?? []).map((s) => s.avg).reverse(),
            mape: (binned.get('mape')?.stats ?? []).map((s) => s.avg).reverse(),
          };
        };
        await waitFor(`20 batches via ${via}`, async () => (await stored()).mae.length >= 20, {
          timeoutMs: 30_000,
        });
        await client.updateProfileStatus({ ...key, active: true });
        const alerts = await waitFor(
          `alerts via ${via}`,
          async () => {
            const found = await client.getAlerts(key);
            return found.length >= 2 ? found : undefined;
          },
          { timeoutMs: 30_000 },
        );
        results.set(via, { stored: await stored(), alerts });
      }
      const http = results.get('http');
      expect(http?.stored.mae).toEqual(Array.from({ length: 20 }, (_, b) => b * 5 + 2));
      const firstAlerts = (alerts: Alert[]) =>
        ['mae', 'mape'].map((metric) => {
          const first = alerts.filter((a) => a.entityName === metric).sort((a, b) => a.id - b.id)[0];
          const {
            alert_threshold,
            alert_threshold_value,
            entity_name,
            observed_metric_value,
            training_metric_value,
          } = first?.alert ?? {};
          return {
            alert_threshold,
            alert_threshold_value,
            entity_name,
            observed_metric_value,
            training_metric_value,
          };
        });
      expect(firstAlerts(http?.alerts ?? [])).toEqual([
        {
          alert_threshold: 'Outside',
          alert_threshold_value: '0.5',
          entity_name: 'mae',
          observed_metric_value: '49.5',
          training_metric_value: '1',
        },
        {
          alert_threshold: 'Outside',
          alert_threshold_value: '0.5',
          entity_name: 'mape',
          observed_metric_value: '50.5',
          training_metric_value: '2',
        },
      ]);
      for (const via of vias.slice(1)) {
        const result = results.get(via);
        expect(result?.stored, via).toEqual(http?.stored);
        expect(firstAlerts(result?.alerts ?? []), via).toEqual(firstAlerts(http?.alerts ?? []));
      }
      expect(server.consoleOutput.join('')).toContain('Drift detected for interop/broker-redis/1.0.0!');
    } finally {
      await client.close();
    }
  });

  const inserts: Record<string, number>[] = [
    { mae: 1, mape: 0.5 },
    { mae: 2 },
    { mape: 0.7, unknown: 1 },
    { mae: 0.1, mape: 0.2 },
    { mae: 0.2, mape: 0.4 },
    { MAE: 0.3, mape: 0.1 },
  ];
  const spec: ProfileSpec = {
    space: 'interop',
    name: 'broker-bytes',
    version: '1.0.0',
    sample_size: 3,
    metrics: [
      { name: 'mae', value: 1, threshold: 'Above', threshold_value: 0.1 },
      { name: 'mape', value: 0.9, threshold: 'Below', threshold_value: 0.1 },
    ],
  };

  it.skipIf(redisUrl === null)('Redis: our producer publishes the bytes Python publishes', async (ctx) => {
    if (!env.ok) ctx.skip(skipReason());
    server = await startTestServer({ schedulerEnabled: false });
    const path = buildTsProfile(spec).save(join(server.dir, 'bytes-profile'));
    const channel = `bytes-${randomUUID()}`;
    const capture = await captureRedis(redisUrl as string, channel);
    try {
      await runScouterPython('broker_send', {
        transport: { kind: 'redis', address: redisUrl, channel },
        path,
        inserts,
      });
      await waitFor('Python messages', async () => capture.messages.length >= 2);
      const python = capture.messages.splice(0).map(comparable);
      const queue = await ScouterQueue.fromPath(
        { a: path },
        new RedisConfig({ address: redisUrl as string, channel }),
        {
          sendLingerMs: 0,
          flushIntervalMs: 600_000,
          logger: { warn() {}, error() {} },
        },
      );
      for (const values of inserts) queue.insert('a', values);
      expect(await queue.shutdown({ timeoutMs: 10_000 })).toMatchObject({ dropped: 0, pending: 0 });
      await sleep(100);
      const ours = capture.messages.map(comparable);
      expect(python).toHaveLength(2);
      expect(ours).toEqual(python);
    } finally {
      await capture.close();
    }
  });

  it.skipIf(rabbitUrl === null)(
    'RabbitMQ: our producer publishes the bytes Python publishes',
    async (ctx) => {
      if (!env.ok) ctx.skip(skipReason());
      server = await startTestServer({ schedulerEnabled: false });
      const path = buildTsProfile(spec).save(join(server.dir, 'bytes-profile'));
      const queueName = `bytes-${randomUUID()}`;
      await runScouterPython(
        'broker_send',
        { transport: { kind: 'rabbitmq', queue: queueName }, path, inserts },
        { env: { RABBITMQ_ADDR: rabbitUrl as string } },
      );
      const python = await drainRabbitMQ(rabbitUrl as string, queueName);
      const queue = await ScouterQueue.fromPath(
        { a: path },
        new RabbitMQConfig({ address: rabbitUrl as string, queue: queueName }),
        { sendLingerMs: 0, flushIntervalMs: 600_000, logger: { warn() {}, error() {} } },
      );
      for (const values of inserts) queue.insert('a', values);
      expect(await queue.shutdown({ timeoutMs: 10_000 })).toMatchObject({ dropped: 0, pending: 0 });
      const ours = await drainRabbitMQ(rabbitUrl as string, queueName);
      expect(python).toHaveLength(2);
      expect(ours.map((m) => comparable(m.content))).toEqual(python.map((m) => comparable(m.content)));
      expect(ours.map((m) => [m.exchange, m.routingKey])).toEqual(
        python.map((m) => [m.exchange, m.routingKey]),
      );
      // Scouter sends lapin's default properties (none); amqplib always adds an empty headers table.
      expect(python.map((m) => m.properties)).toEqual([{}, {}]);
      expect(ours.map((m) => m.properties)).toEqual([{ headers: {} }, { headers: {} }]);
    },
  );

  it.skipIf(kafkaUrl === null)(
    'Kafka: our producer publishes the bytes Python publishes (value, no key, no headers, gzip batches)',
    async (ctx) => {
      if (!env.ok) ctx.skip(skipReason());
      server = await startTestServer({ schedulerEnabled: false });
      const path = buildTsProfile(spec).save(join(server.dir, 'bytes-profile'));
      const pyTopic = `bytes-py-${randomUUID()}`;
      const tsTopic = `bytes-ts-${randomUUID()}`;
      await runScouterPython('broker_send', {
        transport: { kind: 'kafka', brokers: kafkaUrl, topic: pyTopic },
        path,
        inserts,
        pause_s: KAFKA_PYTHON_PAUSE_S,
      });
      const python = await readKafka(kafkaUrl as string, pyTopic, 2);
      const queue = await ScouterQueue.fromPath(
        { a: path },
        new KafkaConfig({ brokers: kafkaUrl as string, topic: tsTopic }, {}),
        { sendLingerMs: 0, flushIntervalMs: 600_000, logger: { warn() {}, error() {} } },
      );
      for (const values of inserts) queue.insert('a', values);
      expect(await queue.shutdown({ timeoutMs: 10_000 })).toMatchObject({ dropped: 0, pending: 0 });
      const ours = await readKafka(kafkaUrl as string, tsTopic, 2);
      expect(python).toHaveLength(2);
      // Both batches may land on different partitions (no key), so compare them as a set.
      const values = (messages: typeof python) => messages.map((m) => comparable(m.value)).sort();
      expect(values(ours)).toEqual(values(python));
      expect(ours.map((m) => [m.key, m.headers])).toEqual(python.map((m) => [m.key, m.headers]));
      expect(python.map((m) => [m.key, m.headers])).toEqual([
        [undefined, 0],
        [undefined, 0],
      ]);
      // gzip is a batch codec: the values above are plain JSON, the record batches on disk are gzip for both.
      expect(kafkaBatchCodecs(pyTopic)).toEqual(['gzip', 'gzip']);
      expect(kafkaBatchCodecs(tsTopic)).toEqual(['gzip', 'gzip']);
    },
  );
});
