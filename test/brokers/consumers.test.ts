/**
 * scouter-server's broker consumers on the real brokers, fed by raw clients (no scouter-ts producer in between): two
 * server instances on one database store every message once (RabbitMQ: competing consumers, ack after the insert;
 * Redis: both subscribed, the unique key drops the second copy), a message published while the server is down
 * waits in the RabbitMQ queue and is stored after the restart, and an invalid message is counted, logged and not
 * redelivered.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { formatTimestampMicros } from '@scouter-ts/core';
import {
  SqliteStorage,
  createServer,
  type ScouterServer,
  type ServerOptions,
  type Storage,
} from '@scouter-ts/server';
import { waitFor } from '../e2e/harness.js';
import { brokerUrl } from './brokers.js';
import { drainRabbitMQ } from './capture.js';

const T0 = Date.UTC(2030, 0, 1) * 1000;
const KEY = { space: 'consumers', version: '1.0.0' };

/** One `{"records":[…]}` body with one record per value, timestamps unique per (name, i). */
function body(name: string, i: number): string {
  const record = {
    created_at: formatTimestampMicros(T0 + i),
    space: KEY.space,
    name,
    version: KEY.version,
    metric: 'mae',
    value: i,
  };
  return JSON.stringify({ records: [{ Custom: record }] });
}

async function storedCount(storage: Storage, name: string): Promise<number> {
  const rows = await storage.binnedCustomMetrics({ ...KEY, name, sinceMicros: 0, binWidthMicros: 1 });
  return rows.length;
}

describe('broker consumers', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function sharedStorage(): Promise<Storage> {
    const dir = mkdtempSync(join(tmpdir(), 'scouter-consumers-'));
    const storage = new SqliteStorage({ filename: join(dir, 'scouter.db') });
    await storage.init();
    cleanups.push(async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return storage;
  }

  async function server(storage: Storage, options: Partial<ServerOptions>): Promise<ScouterServer> {
    const app = await createServer({ storage, logLevel: 'silent', schedulerEnabled: false, ...options });
    await app.ready();
    await app.scouterServer.consumers?.ready();
    cleanups.push(() => app.close());
    return app;
  }

  const stats = (apps: ScouterServer[]) =>
    apps
      .flatMap((app) => app.scouterServer.consumers?.running ?? [])
      .map((c) => c.sink.stats)
      .reduce(
        (sum, s) => ({
          recordsInserted: sum.recordsInserted + s.recordsInserted,
          duplicates: sum.duplicates + s.duplicates,
          invalid: sum.invalid + s.invalid,
        }),
        { recordsInserted: 0, duplicates: 0, invalid: 0 },
      );

  const rabbitUrl = brokerUrl('rabbitmq');
  it.skipIf(rabbitUrl === null)(
    'RabbitMQ: two servers with 3 channels each store every message once and ack it; an invalid one is dropped, not redelivered',
    async () => {
      const url = rabbitUrl as string;
      const queue = `consumers-${randomUUID()}`;
      const storage = await sharedStorage();
      const apps = [
        await server(storage, { rabbitmq: { address: url, queue, consumerCount: 3, prefetchCount: 5 } }),
        await server(storage, { rabbitmq: { address: url, queue, consumerCount: 3, prefetchCount: 5 } }),
      ];
      const connection = await amqp.connect(url);
      cleanups.push(() => connection.close());
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < 60; i++) channel.sendToQueue(queue, Buffer.from(body(queue, i)));
      channel.sendToQueue(queue, Buffer.from('{"records": [{"Custom": {"space": 1}}]}'));
      channel.sendToQueue(queue, Buffer.from('not json'));
      await channel.waitForConfirms();

      await waitFor('60 stored records', async () => (await storedCount(storage, queue)) === 60);
      await waitFor('both invalid messages', async () => stats(apps).invalid === 2);
      await sleep(300);
      expect(await storedCount(storage, queue)).toBe(60);
      expect(stats(apps)).toEqual({ recordsInserted: 60, duplicates: 0, invalid: 2 });
      // Everything was acked (or rejected without requeue): nothing is left for a redelivery.
      expect(await drainRabbitMQ(url, queue)).toEqual([]);
    },
  );

  it.skipIf(rabbitUrl === null)(
    'RabbitMQ: what is published while the server is down waits in the queue and is stored after the restart',
    async () => {
      const url = rabbitUrl as string;
      const queue = `consumers-${randomUUID()}`;
      const storage = await sharedStorage();
      const first = await createServer({
        storage,
        logLevel: 'silent',
        schedulerEnabled: false,
        rabbitmq: { address: url, queue },
      });
      await first.ready();
      await first.scouterServer.consumers?.ready();
      await first.close();
      const connection = await amqp.connect(url);
      cleanups.push(() => connection.close());
      const channel = await connection.createConfirmChannel();
      for (let i = 0; i < 10; i++) channel.sendToQueue(queue, Buffer.from(body(queue, i)));
      await channel.waitForConfirms();
      await sleep(200);
      expect(await storedCount(storage, queue)).toBe(0);
      await server(storage, { rabbitmq: { address: url, queue } });
      await waitFor('10 stored records', async () => (await storedCount(storage, queue)) === 10);
    },
  );

  const redisUrl = brokerUrl('redis');
  it.skipIf(redisUrl === null)(
    'Redis: two subscribed servers both receive every message; it is stored once (the second copy is a duplicate)',
    async () => {
      const url = redisUrl as string;
      const channel = `consumers-${randomUUID()}`;
      const storage = await sharedStorage();
      const apps = [
        await server(storage, { redis: { address: url, channel } }),
        await server(storage, { redis: { address: url, channel } }),
      ];
      const publisher = new Redis(url);
      cleanups.push(async () => publisher.disconnect());
      const receivers: number[] = [];
      for (let i = 0; i < 30; i++) receivers.push(await publisher.publish(channel, body(channel, i)));
      expect(new Set(receivers)).toEqual(new Set([2]));
      await publisher.publish(channel, 'not json');

      await waitFor('every copy handled', async () => {
        const s = stats(apps);
        return s.recordsInserted + s.duplicates === 60 && s.invalid === 2;
      });
      expect(stats(apps)).toEqual({ recordsInserted: 30, duplicates: 30, invalid: 2 });
      expect(await storedCount(storage, channel)).toBe(30);
    },
  );
});
