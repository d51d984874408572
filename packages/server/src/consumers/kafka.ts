/**
 * Kafka consumer, like Scouter v0.13's (`crates/scouter_events/src/consumer/kafka/consumer.rs`, settings in
 * `crates/scouter_settings/src/events.rs`): `workerCount` consumers in one group (`groupId`) subscribed to `topics`, so
 * the partitions are shared out and each message goes to one worker. A worker commits a message's offset only after its
 * records are stored (Scouter also turns on auto-commit, which may commit before; we do not). A message that cannot be
 * stored now (storage down) is retried in place with backoff, so nothing after it on that partition is committed
 * first; one that will never be valid is logged and committed past, as Scouter skips it. A worker whose connection
 * breaks is re-created with backoff and resumes from the group's committed offsets; redelivered messages are stored
 * once by the idempotent insert.
 */
import type * as PlatformaticKafka from '@platformatic/kafka';
import { importOptional } from '@scouter-ts/core';
import type { Consumer, Message, MessagesStream } from '@platformatic/kafka';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ConsumerStarter } from './index.js';

type KafkaModule = typeof PlatformaticKafka;
type Worker = Consumer<Buffer, Buffer, Buffer, Buffer>;
type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

const count = (what: string) =>
  z.number().int(`must be a whole number of ${what}`).positive(`must be >= 1 ${what}`);

/**
 * Kafka consumer (`KAFKA_BROKERS`, `KAFKA_TOPIC`, `KAFKA_GROUP`, `KAFKA_WORKER_COUNT`, `KAFKA_OFFSET_RESET`,
 * `KAFKA_USERNAME`, `KAFKA_PASSWORD`, `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_MECHANISM`, `KAFKA_CERT_LOCATION`).
 */
export const kafkaConsumerOptionsSchema = z.strictObject({
  /** Bootstrap brokers, comma-separated `host:port`. Default `localhost:9092`. */
  brokers: z.string().min(1).default('localhost:9092'),
  /** Topics to consume (`KAFKA_TOPIC` is a comma-separated list). Default `['scouter_monitoring']`. */
  topics: z.array(z.string().min(1)).min(1).default(['scouter_monitoring']),
  /** Consumer group; instances sharing it share the partitions. Default `scouter`. */
  groupId: z.string().min(1).default('scouter'),
  /** Consumers in the group run by this server, each storing one message at a time. Default 3. */
  workerCount: count('workers').default(3),
  /** Where a group without committed offsets starts: `earliest` or `latest`. Default `earliest`. */
  offsetReset: z
    .enum(['earliest', 'latest'], { message: "must be 'earliest' or 'latest'" })
    .default('earliest'),
  /** SASL user name; SASL is used only when both it and `password` are set. Default none. */
  username: z.string().min(1).optional(),
  /** SASL password. Default none. */
  password: z.string().optional(),
  /**
   * `security.protocol`, applied (as by Scouter) only when `username` and `password` are both set; otherwise the
   * connection is PLAINTEXT. Default `SASL_SSL`.
   */
  securityProtocol: z
    .enum(['SASL_SSL', 'SASL_PLAINTEXT', 'SSL', 'PLAINTEXT'], {
      message: "must be 'SASL_SSL', 'SASL_PLAINTEXT', 'SSL' or 'PLAINTEXT'",
    })
    .default('SASL_SSL'),
  /** SASL mechanism. Default `PLAIN`. */
  saslMechanism: z
    .enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], {
      message: "must be 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'",
    })
    .default('PLAIN'),
  /** PEM file of the CA to trust over SASL_SSL (`ssl.ca.location`). Default none (the system's CAs). */
  certLocation: z.string().min(1).optional(),
});

/** Options of the Kafka consumer; every field optional. */
export type KafkaConsumerOptions = z.input<typeof kafkaConsumerOptionsSchema>;

/** Scouter's consumer session timeout (`session.timeout.ms`). */
const SESSION_TIMEOUT_MS = 6000;
const HEARTBEAT_INTERVAL_MS = 1000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 10_000;

const backoff = (attempt: number): number =>
  Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));

/** Starts the Kafka consumer when `config.kafka` is set. */
export const startKafkaConsumer: ConsumerStarter = async (config, makeSink, logger) => {
  if (config.kafka === undefined) return undefined;
  const options = kafkaConsumerOptionsSchema.parse(config.kafka);
  const kafka = await importOptional<KafkaModule>(
    '@platformatic/kafka',
    'The Kafka consumer (KAFKA_BROKERS)',
    () => import('@platformatic/kafka'),
  );
  const sink = makeSink('kafka');
  const where = `${options.brokers} topics ${options.topics.join(',')} group "${options.groupId}"`;
  const log = logger.child({ consumer: 'kafka' });
  const credentials = options.username !== undefined && options.password !== undefined;
  const sasl = credentials && options.securityProtocol.startsWith('SASL_');
  const tls =
    credentials && options.securityProtocol.endsWith('SSL')
      ? options.certLocation === undefined
        ? {}
        : { ca: await readFile(options.certLocation) }
      : undefined;

  let stopped = false;
  const wakeUps = new Set<() => void>();
  const streams = new Set<Stream>();
  const handling = new Set<Promise<void>>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wakeUps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUps.add(done);
    });

  /** Stores one message, retrying a storage failure in place until it works or the server stops; true to commit. */
  const store = async (message: Message<Buffer, Buffer, Buffer, Buffer>): Promise<boolean> => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await sink.ingest(message.value);
        return true;
      } catch {
        await sleep(backoff(attempt));
      }
    }
    return false;
  };

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let readyWorkers = 0;

  const runWorker = async (id: number): Promise<void> => {
    let failures = 0;
    let counted = false;
    while (!stopped) {
      const consumer: Worker = new kafka.Consumer({
        clientId: `scouter-ts-server-${id}`,
        groupId: options.groupId,
        bootstrapBrokers: options.brokers.split(',').map((b) => b.trim()),
        sessionTimeout: SESSION_TIMEOUT_MS,
        heartbeatInterval: HEARTBEAT_INTERVAL_MS,
        // Subscribing to a topic no producer created yet would fail; the broker creates it (when it allows that)
        // as it does for Scouter's producers.
        autocreateTopics: true,
        ...(tls === undefined ? {} : { tls }),
        ...(sasl
          ? {
              sasl: {
                mechanism: options.saslMechanism,
                username: options.username ?? '',
                password: options.password ?? '',
              },
            }
          : {}),
      });
      let stream: Stream | undefined;
      try {
        stream = await consumer.consume({
          topics: options.topics,
          mode: 'committed',
          fallbackMode: options.offsetReset,
          autocommit: false,
        });
        streams.add(stream);
        if (stopped) break;
        if (!counted && ++readyWorkers === options.workerCount) markReady();
        counted = true;
        if (failures > 0) log.info({ where, worker: id }, 'Kafka consumer reconnected');
        failures = 0;
        for await (const message of stream as AsyncIterable<Message<Buffer, Buffer, Buffer, Buffer>>) {
          const handled = store(message).then((stored) => (stored ? message.commit() : undefined));
          const tracked = handled.catch(() => undefined);
          handling.add(tracked);
          try {
            await handled;
          } finally {
            handling.delete(tracked);
          }
          if (stopped) break;
        }
      } catch (err) {
        if (stopped) break;
        if (failures++ === 0) {
          log.error(
            { err, where, worker: id },
            'Kafka consumer failed; reconnecting with backoff (check KAFKA_BROKERS)',
          );
        }
      } finally {
        if (stream !== undefined) streams.delete(stream);
        await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
      }
      if (!stopped) await sleep(backoff(failures));
    }
  };

  const workers = Array.from({ length: options.workerCount }, (_, id) => runWorker(id));
  void ready.then(() => log.info({ where, workers: options.workerCount }, 'Kafka consumer joined its group'));
  let stopping: Promise<void> | undefined;
  return {
    kind: 'kafka',
    sink,
    ready,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        for (const wake of wakeUps) wake();
        markReady();
        // The message being stored finishes and is committed before the streams close.
        await Promise.all(handling);
        await Promise.all([...streams].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
        await Promise.all(workers);
      })()),
  };
};
