/**
 * A broker stopped in the middle of a run and started again: while it is down the queue keeps the records (within
 * its buffer cap, every drop counted) and retries with backoff, the server's consumer reconnects on its own, and
 * afterwards every record that was not counted as dropped is stored exactly once. Each test has a broker of its own
 * (the run's shared ones must stay up for the other files).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlertThreshold,
  CustomMetric,
  CustomMetricDriftConfig,
  Drifter,
  RabbitMQConfig,
  RedisConfig,
  ScouterQueue,
  type CustomDriftProfile,
  type ScouterError,
} from '@scouter-ts/core';
import { type ScouterHarness, startScouter, storedValues, waitFor } from '../e2e/harness.js';
import type { BrokerProcess } from './broker-process.js';
import { brokerUrl } from './brokers.js';
import { startRabbitMQ } from './rabbitmq.js';
import { startRedis } from './redis.js';

const silent = { warn: () => undefined, error: () => undefined };

function profileFor(name: string): CustomDriftProfile {
  const config = new CustomMetricDriftConfig({ space: 'outage', name, version: '1.0.0', sampleSize: 1 });
  return new Drifter().createDriftProfile(
    [new CustomMetric({ name: 'value', value: 1, alertThreshold: AlertThreshold.Above })],
    config,
  );
}

interface Outage {
  readonly broker: { readonly url: string; readonly process: BrokerProcess; close(): Promise<void> };
  server(url: string, name: string): Parameters<typeof startScouter>[0];
  transport(url: string, name: string): RedisConfig | RabbitMQConfig;
}

const cases: Array<[string, boolean, () => Promise<Outage['broker']>, Omit<Outage, 'broker'>]> = [
  [
    'redis',
    brokerUrl('redis') !== null,
    async () => {
      const r = await startRedis();
      return { url: r.url, process: r.process, close: () => r.process.close() };
    },
    {
      server: (address, channel) => ({ redis: { address, channel } }),
      transport: (address, channel) => new RedisConfig({ address, channel, connectTimeoutMs: 1000 }),
    },
  ],
  [
    'rabbitmq',
    brokerUrl('rabbitmq') !== null,
    startRabbitMQ,
    {
      server: (address, queue) => ({ rabbitmq: { address, queue } }),
      transport: (address, queue) => new RabbitMQConfig({ address, queue, connectTimeoutMs: 1000 }),
    },
  ],
];

describe.each(cases)('%s stopped mid-run and restarted', (kind, available, startBroker, how) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.skipIf(!available)(
    'every record within the buffer cap is stored once; the ones over the cap are counted as dropped',
    async () => {
      const broker = await startBroker();
      cleanups.push(() => broker.close());
      const name = `outage-${kind}-${randomUUID()}`;
      const h: ScouterHarness = await startScouter(how.server(broker.url, name));
      cleanups.push(() => h.close());
      const profile = profileFor(name);
      await h.client.registerProfile(profile);
      const problems: string[] = [];
      const queue = await ScouterQueue.fromProfiles({ a: profile }, how.transport(broker.url, name), {
        sendLingerMs: 0,
        concurrency: 1,
        maxBufferedRecords: 10,
        retryBaseMs: 50,
        retryMaxMs: 500,
        maxRetries: 10_000,
        logger: silent,
        onError: (err: ScouterError, info) => problems.push(`${err.code} ${info.problem}`),
      });
      cleanups.push(() => queue.shutdown({ timeoutMs: 1000 }));
      const stored = () => storedValues(h.client, profile, 'value');

      for (let v = 1; v <= 20; v++) {
        queue.insert('a', { value: v });
        expect(await queue.flush({ timeoutMs: 20_000 })).toMatchObject({ dropped: 0, pending: 0 });
      }
      await waitFor('the first 20 records', async () => (await stored()).length === 20, {
        timeoutMs: 30_000,
      });

      await broker.process.stop();
      for (let v = 21; v <= 35; v++) {
        queue.insert('a', { value: v });
        await sleep(20);
      }
      await waitFor('a failed delivery', async () => problems.length > 0);
      expect(
        problems.every((p) => p === 'ERR_NETWORK retrying'),
        problems.join(', '),
      ).toBe(true);
      const droppedWhileDown = queue.stats().dropped.bufferFull;
      // 15 inserts into a buffer of 10: the oldest ones make room (at most one more is kept while it is being sent).
      expect(droppedWhileDown).toBeGreaterThanOrEqual(4);
      expect(droppedWhileDown).toBeLessThanOrEqual(5);

      await broker.process.restart();
      const result = await queue.flush({ timeoutMs: 60_000 });
      expect(result).toMatchObject({ dropped: 0, pending: 0 });
      const expectedCount = 35 - droppedWhileDown;
      await waitFor('every kept record', async () => (await stored()).length >= expectedCount, {
        timeoutMs: 30_000,
      });
      await sleep(500);
      const values = (await stored()).sort((a, b) => a - b);
      expect(values).toHaveLength(expectedCount);
      expect(new Set(values).size).toBe(values.length);
      expect(values.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // Survivors of the outage: the newest inserts (the oldest waiting ones made room), plus at most the one that
      // was being sent when the buffer filled.
      const survivors = values.slice(20);
      expect(survivors.every((v) => v >= 21 && v <= 35)).toBe(true);
      expect(survivors.slice(-(15 - droppedWhileDown - 1))).toEqual(
        Array.from({ length: 15 - droppedWhileDown - 1 }, (_, i) => 36 - (15 - droppedWhileDown - 1) + i),
      );
      expect(queue.stats().dropped).toMatchObject({
        rejected: 0,
        retriesExhausted: 0,
        bufferFull: droppedWhileDown,
      });
    },
    120_000,
  );
});

describe.skipIf(brokerUrl('redis') === null)('Redis pub/sub while scouter-server is down', () => {
  it("loses what Scouter's producer publishes (nobody subscribed); ours keeps it until a subscriber is back", async () => {
    const url = brokerUrl('redis') as string;
    const channel = `pubsub-${randomUUID()}`;
    const h = await startScouter({ redis: { address: url, channel } });
    try {
      const profile = profileFor(channel);
      await h.client.registerProfile(profile);
      const options = {
        sendLingerMs: 0,
        retryBaseMs: 50,
        retryMaxMs: 200,
        maxRetries: 10_000,
        logger: silent,
      };
      const scouterLike = await ScouterQueue.fromProfiles(
        { a: profile },
        new RedisConfig({ address: url, channel, requireSubscriber: false }),
        options,
      );
      const ours = await ScouterQueue.fromProfiles(
        { a: profile },
        new RedisConfig({ address: url, channel }),
        options,
      );
      await h.stop();

      scouterLike.insert('a', { value: 1 });
      // PUBLISH succeeded, so the producer counts it as sent: it reached no one.
      expect(await scouterLike.flush({ timeoutMs: 5000 })).toEqual({ sent: 1, dropped: 0, pending: 0 });
      ours.insert('a', { value: 2 });
      expect(await ours.flush({ timeoutMs: 500 })).toEqual({ sent: 0, dropped: 0, pending: 1 });

      await h.restart();
      expect(await ours.flush({ timeoutMs: 20_000 })).toEqual({ sent: 1, dropped: 0, pending: 0 });
      await waitFor(
        'the kept record',
        async () => (await storedValues(h.client, profile, 'value')).length > 0,
      );
      await sleep(300);
      expect(await storedValues(h.client, profile, 'value')).toEqual([2]);
      await Promise.all([scouterLike.shutdown(), ours.shutdown()]);
    } finally {
      await h.close();
    }
  });
});
