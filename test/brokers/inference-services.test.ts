/**
 * Both example inference services (Express and Fastify) sending through each broker: the service picks its transport
 * from the environment (`SCOUTER_TRANSPORT`, `REDIS_ADDR`, `RABBITMQ_ADDR`, … as its `start` script does), the
 * records go through the real broker of this run to scouter-server's consumer, and the stored values are exactly the
 * batch means, each stored once.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CommonCrons } from '@scouter-ts/core';
import { startInferenceService as startExpressService } from '../../examples/express-inference/src/app.js';
import { startInferenceService as startFastifyService } from '../../examples/fastify-inference/src/app.js';
import { loadIris, type IrisModel, type IrisExample } from '../../examples/express-inference/src/model.js';
import { LATENCY_METRIC, trainAndRegister } from '../../examples/express-inference/src/monitoring.js';
import type { StartInferenceService } from '../../examples/express-inference/src/service.js';
import { sendTraffic } from '../../examples/express-inference/src/traffic.js';
import { transportFromEnv } from '../../examples/express-inference/src/transport.js';
import { batchMeans, startScouter, storedValues, waitFor } from '../e2e/harness.js';
import { BROKER_CASES as brokers, brokerUrl } from './brokers.js';

const frameworks: Array<[string, StartInferenceService]> = [
  ['express', startExpressService],
  ['fastify', startFastifyService],
];

function expectedValues(model: IrisModel, rows: IrisExample[]) {
  return {
    accuracy: rows.map((r) => (model.predict(r.features).species === r.species ? 1 : 0)),
    petal_length: rows.map((r) => r.features.petal_length),
    sepal_width: rows.map((r) => r.features.sepal_width),
  };
}

describe.each(Object.keys(brokers) as Array<keyof typeof brokers>)('over %s', (kind) => {
  const url = brokerUrl(kind);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  describe.skipIf(url === null).each(frameworks)('the %s example', (framework, startService) => {
    it('stores each batch mean exactly once; the shutdown flush delivers the tail', async () => {
      const address = url as string;
      const name = `e2e-${framework}-${randomUUID()}`;
      const h = await startScouter(brokers[kind].server(address, name));
      cleanups.push(() => h.close());
      const training = await trainAndRegister(
        h.client,
        {
          space: 'e2e',
          name: `iris-${kind}-${framework}`,
          version: '1.0.0',
          sampleSize: 4,
          schedule: CommonCrons.EveryDay,
        },
        join(h.dir, 'artifacts'),
      );
      const transport = transportFromEnv(brokers[kind].env(address, name));
      expect(transport.transportType).toBe({ redis: 'Redis', rabbitmq: 'RabbitMQ', kafka: 'Kafka' }[kind]);
      const service = await startService({
        model: training.model,
        profilePath: training.profilePath,
        transport,
        queueOptions: { flushIntervalMs: 600_000, retryBaseMs: 50, retryMaxMs: 500 },
      });
      cleanups.push(() => service.close());
      const rows = loadIris().holdout.slice(0, 10);
      await sendTraffic(service.url, rows);
      const finalFlush = await service.close();
      expect(finalFlush).toMatchObject({ dropped: 0, pending: 0 });

      // Two full batches of 4 and the tail of 2 from the shutdown flush; the consumer stores them asynchronously.
      await waitFor(
        'three stored batches',
        async () => (await storedValues(h.client, training.profile, LATENCY_METRIC)).length >= 3,
        { timeoutMs: 20_000 },
      );
      await sleep(300);
      for (const [metric, values] of Object.entries(expectedValues(training.model, rows))) {
        const stored = await storedValues(h.client, training.profile, metric);
        const means = batchMeans(values, 4);
        expect(stored, metric).toHaveLength(3);
        stored.forEach((value, i) => expect(value, `${metric} batch ${i}`).toBe(means[i]));
      }
      expect(await storedValues(h.client, training.profile, LATENCY_METRIC)).toHaveLength(3);
    });
  });
});
