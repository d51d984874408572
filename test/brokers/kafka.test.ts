/**
 * Kafka end to end on a real Apache Kafka 4.4 broker (KRaft, started once per run by ./global-setup.ts): the queue's
 * `KafkaConfig` transport -> broker -> scouter-server's Kafka consumer -> storage; the failures of issue 24 (a bad
 * address, refused credentials, the broker going away and coming back on a private broker); and several server
 * instances sharing one consumer group. Each test has its own topic and group.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlertThreshold,
  CustomMetric,
  CustomMetricDriftConfig,
  Drifter,
  KafkaConfig,
  KafkaTransport,
  ScouterQueue,
  formatTimestampMicros,
  type DeliveryProblem,
  type ScouterQueueOptions,
} from '@scouter-ts/core';
import { SqliteStorage, startServer, type ScouterServer } from '@scouter-ts/server';
import { brokerUrl } from './brokers.js';
import { KAFKA_SASL_USER, startKafka } from './kafka.js';

const brokers = brokerUrl('kafka');
const saslBrokers = brokerUrl('kafkaSasl');

let counter = 0;
/** A topic (or group) name no other test uses; the broker auto-creates topics with 3 partitions. */
const unique = (what: string) => `${what}_${process.pid}_${++counter}_${Date.now()}`;
const quiet = { warn: () => undefined, error: () => undefined };
const T0_MICROS = Date.UTC(2025, 10, 24, 16, 0, 0) * 1000;
const NAME = 'kafka';
const VERSION = '1.0.0';

/** `{"records":[…]}` with Custom records of `mae` valued `from .. from+n-1`, one microsecond apart. */
function recordsBody(space: string, from: number, n: number): string {
  const records = Array.from({ length: n }, (_, i) => ({
    Custom: {
      created_at: formatTimestampMicros(T0_MICROS + from + i),
      space,
      name: NAME,
      version: VERSION,
      metric: 'mae',
      value: from + i,
    },
  }));
  return JSON.stringify({ records });
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function profileFor(space: string, sampleSize: number) {
  return Drifter.createDriftProfile(
    [new CustomMetric({ name: 'mae', value: 1, alertThreshold: AlertThreshold.Above })],
    new CustomMetricDriftConfig({ space, name: NAME, version: VERSION, sampleSize }),
  );
}

/** Every stored `mae` value of `space`, oldest first (1 µs bins: each record is its own bin). */
async function storedValues(store: SqliteStorage, space: string): Promise<number[]> {
  const rows = await store.binnedCustomMetrics({
    space,
    name: NAME,
    version: VERSION,
    sinceMicros: 0,
    binWidthMicros: 1,
  });
  return rows
    .filter((r) => r.metric === 'mae')
    .sort((a, b) => a.binStartMicros - b.binStartMicros)
    .map((r) => r.avg);
}

describe.skipIf(brokers === null || saslBrokers === null)(
  'Kafka transport and consumer (real broker)',
  () => {
    const broker = brokers as string;
    const sasl = saslBrokers as string;
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function storage(): Promise<SqliteStorage> {
      const dir = await mkdtemp(join(tmpdir(), 'scouter-kafka-test-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const store = new SqliteStorage({ filename: join(dir, 'scouter.db') });
      await store.init();
      cleanups.push(() => store.close());
      return store;
    }

    interface ServerKafka {
      topic: string;
      groupId: string;
      store: SqliteStorage;
      workerCount?: number;
      brokers?: string;
      username?: string;
      password?: string;
      securityProtocol?: 'SASL_PLAINTEXT';
    }

    type Running = ScouterServer & { closeOnce(): Promise<void> };

    /** A scouter-server (HTTP on port 0, scheduler off) whose Kafka consumer reads `topic` in group `groupId`. */
    async function server(options: ServerKafka): Promise<Running> {
      const { topic, store, brokers: at, ...kafka } = options;
      const app = await startServer({
        host: '127.0.0.1',
        port: 0,
        logLevel: 'silent',
        schedulerEnabled: false,
        storage: store,
        kafka: { workerCount: 2, ...kafka, brokers: at ?? broker, topics: [topic] },
      });
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await app.close();
      };
      cleanups.push(close);
      await app.scouterServer.consumers?.ready();
      return Object.assign(app, { closeOnce: close });
    }

    const sinkOf = (app: ScouterServer) => {
      const consumer = app.scouterServer.consumers?.running.find((c) => c.kind === 'kafka');
      if (consumer === undefined) throw new Error('the server runs no Kafka consumer');
      return consumer.sink;
    };

    async function queueTo(
      config: KafkaConfig,
      space: string,
      sampleSize: number,
      options: ScouterQueueOptions = {},
    ) {
      const queue = await ScouterQueue.fromProfiles({ a: profileFor(space, sampleSize) }, config, {
        flushIntervalMs: 600_000,
        sendLingerMs: 0,
        logger: quiet,
        ...options,
      });
      cleanups.push(() => queue.shutdown({ timeoutMs: 1000 }));
      return queue;
    }

    it('queue -> Kafka -> server: each batch mean stored once, exactly', async () => {
      const topic = unique('means');
      const store = await storage();
      const app = await server({ topic, groupId: unique('g'), store });
      const queue = await queueTo(new KafkaConfig({ brokers: broker, topic }, {}), 'kafka-means', 3);
      const values = [1, 2, 4, 0.1, 0.2, 0.4, 10, 20];
      for (const mae of values) queue.get('a').insert({ mae });
      expect(await queue.shutdown({ timeoutMs: 20_000 })).toEqual({ sent: 3, dropped: 0, pending: 0 });
      await waitFor('3 stored records', () => (sinkOf(app).stats.recordsInserted === 3 ? true : undefined));
      // Batch means in the queue's arithmetic: (1+2+4)/3, (0.1+0.2+0.4)/3 and the shutdown tail (10+20)/2.
      expect(await storedValues(store, 'kafka-means')).toStrictEqual([
        (1 + 2 + 4) / 3,
        (0.1 + 0.2 + 0.4) / 3,
        15,
      ]);
      expect(sinkOf(app).stats).toMatchObject({ messages: 3, recordsInserted: 3, duplicates: 0, invalid: 0 });
    });

    it('a bad broker address: reported through onError, never thrown by insert(), drops counted at the buffer cap', async () => {
      const problems: Array<[string, DeliveryProblem, string]> = [];
      const queue = await queueTo(
        new KafkaConfig({ brokers: '127.0.0.1:1', topic: unique('nowhere') }, {}),
        'bad',
        1,
        {
          maxBufferedRecords: 3,
          retryBaseMs: 50,
          retryMaxMs: 200,
          maxRetries: 1000,
          onError: (err, info) => problems.push([err.code, info.problem, err.message]),
        },
      );
      for (let i = 0; i < 5; i++) expect(() => queue.get('a').insert({ mae: i })).not.toThrow();
      await waitFor('a reported failure', () => (problems.length > 0 ? true : undefined));
      const [code, problem, message] = problems[0] as [string, string, string];
      expect([code, problem]).toStrictEqual(['ERR_NETWORK', 'retrying']);
      expect(message).toContain('kafka at 127.0.0.1:1');
      expect(message).toContain('KAFKA_BROKERS');
      const stats = queue.stats();
      // Five one-record batches, a cap of three: the two oldest were evicted and counted.
      expect(stats.dropped.bufferFull).toBe(2);
      expect(stats.bufferedRecords).toBe(3);
      expect(stats.recordsSent).toBe(0);
    });

    it('SASL: a wrong password is reported (retrying) with the broker’s reason; the right one delivers', async () => {
      const topic = unique('sasl');
      const store = await storage();
      const app = await server({
        topic,
        groupId: unique('g'),
        store,
        brokers: sasl,
        username: KAFKA_SASL_USER.username,
        password: KAFKA_SASL_USER.password,
        securityProtocol: 'SASL_PLAINTEXT',
      });
      const problems: Array<[string, string, string]> = [];
      const wrong = await queueTo(
        new KafkaConfig(
          { brokers: sasl, topic },
          {
            KAFKA_USERNAME: KAFKA_SASL_USER.username,
            KAFKA_PASSWORD: 'wrong',
            KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
          },
        ),
        'sasl-wrong',
        1,
        {
          retryBaseMs: 50,
          retryMaxMs: 200,
          onError: (err, info) => problems.push([err.code, info.problem, err.message]),
        },
      );
      expect(() => wrong.get('a').insert({ mae: 1 })).not.toThrow();
      await waitFor('the refused credentials', () => (problems.length > 0 ? true : undefined));
      expect(problems[0]?.slice(0, 2)).toStrictEqual(['ERR_AUTH', 'retrying']);
      expect(problems[0]?.[2]).toMatch(/refused the credentials: .*Invalid username or password/);

      const right = await queueTo(
        new KafkaConfig(
          { brokers: sasl, topic },
          {
            KAFKA_USERNAME: KAFKA_SASL_USER.username,
            KAFKA_PASSWORD: KAFKA_SASL_USER.password,
            KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
          },
        ),
        'sasl-right',
        1,
      );
      right.get('a').insert({ mae: 42 });
      expect(await right.shutdown({ timeoutMs: 20_000 })).toEqual({ sent: 1, dropped: 0, pending: 0 });
      await waitFor('the SASL record stored', () =>
        sinkOf(app).stats.recordsInserted === 1 ? true : undefined,
      );
      expect(await storedValues(store, 'sasl-right')).toStrictEqual([42]);
    });

    it('several server instances in one group: every message stored once, none lost when one stops or all restart', async () => {
      const topic = unique('instances');
      const groupId = unique('g');
      const space = 'kafka-instances';
      const store = await storage();
      const producer = new KafkaTransport(new KafkaConfig({ brokers: broker, topic }, {}));
      cleanups.push(() => producer.close());
      const a = await server({ topic, groupId, store, workerCount: 2 });
      const b = await server({ topic, groupId, store, workerCount: 2 });
      const PER = 5;
      const publish = async (from: number, to: number) => {
        for (let m = from; m < to; m++) await producer.publish(recordsBody(space, m * PER, PER));
      };
      const inserted = () => sinkOf(a).stats.recordsInserted + sinkOf(b).stats.recordsInserted;

      await publish(0, 20);
      await waitFor('the first 20 messages', () => (inserted() === 20 * PER ? true : undefined));
      // One instance goes away mid-stream; the group hands its partitions to the other.
      const publishing = publish(20, 40);
      await a.closeOnce();
      await publishing;
      await waitFor('40 messages', () => (inserted() === 40 * PER ? true : undefined));
      await b.closeOnce();

      // Published while no instance runs, then a fresh instance resumes from the group's committed offsets.
      await publish(40, 50);
      const c = await server({ topic, groupId, store, workerCount: 3 });
      await waitFor('all 50 messages', async () =>
        (await storedValues(store, space)).length === 50 * PER ? true : undefined,
      );
      const stored = await storedValues(store, space);
      expect(stored).toStrictEqual(Array.from({ length: 50 * PER }, (_, i) => i));
      // Stored once: the rows inserted add up to the records published; a redelivery would count as a duplicate.
      const all = [a, b, c].map((app) => sinkOf(app).stats);
      expect(all.reduce((sum, s) => sum + s.recordsInserted, 0)).toBe(50 * PER);
      // c read only what was published while no instance ran (offsets were committed after each store).
      expect(sinkOf(c).stats.messages).toBe(10);
    });

    it('the broker stopped mid-run and restarted: no record lost within the buffer cap, none duplicated', async () => {
      const kafka = await startKafka();
      cleanups.push(() => kafka.process.close());
      const topic = unique('outage');
      const space = 'kafka-outage';
      const store = await storage();
      const app = await server({ topic, groupId: unique('g'), store, brokers: kafka.url });
      const problems: string[] = [];
      const queue = await queueTo(new KafkaConfig({ brokers: kafka.url, topic }, {}), space, 1, {
        retryBaseMs: 100,
        retryMaxMs: 500,
        maxRetries: 1000,
        onError: (err) => problems.push(err.code),
      });
      for (let i = 0; i < 10; i++) queue.get('a').insert({ mae: i });
      expect(await queue.flush()).toEqual({ sent: 10, dropped: 0, pending: 0 });

      await kafka.process.stop();
      for (let i = 10; i < 30; i++) expect(() => queue.get('a').insert({ mae: i })).not.toThrow();
      await waitFor('a failed delivery while the broker is down', () =>
        problems.length > 0 ? true : undefined,
      );
      expect(queue.stats().bufferedRecords).toBeGreaterThan(0);
      await kafka.process.restart();
      for (let i = 30; i < 40; i++) queue.get('a').insert({ mae: i });
      expect(await queue.shutdown({ timeoutMs: 30_000 })).toMatchObject({ dropped: 0, pending: 0 });
      expect(queue.stats().dropped).toMatchObject({ bufferFull: 0, retriesExhausted: 0, rejected: 0 });

      await waitFor('40 stored records', async () =>
        (await storedValues(store, space)).length >= 40 ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stored = await storedValues(store, space);
      expect(stored).toHaveLength(40);
      expect([...stored].sort((x, y) => x - y)).toStrictEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(sinkOf(app).stats.recordsInserted).toBe(40);
    }, 120_000);
  },
);
