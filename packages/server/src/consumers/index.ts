/**
 * The broker consumers (Scouter v0.13 §3.5): each one is started when the server's options enable it (the bin does so
 * from Scouter's variables: `REDIS_ADDR`, `RABBITMQ_ADDR`, `KAFKA_BROKERS`), reads the same message body Scouter's
 * producers publish and stores it through a `RecordSink`, so every way in ends in the same validation and the same
 * idempotent insert as `POST /scouter/message`.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { Storage } from '../storage/types.js';
import { startKafkaConsumer } from './kafka.js';
import { startRabbitMQConsumer } from './rabbitmq.js';
import { RecordSink } from './record-sink.js';
import { startRedisConsumer } from './redis.js';

/** One running consumer. */
export interface BrokerConsumer {
  /** `'redis'`, `'rabbitmq'` or `'kafka'`. */
  readonly kind: string;
  /** Where its messages go, with its counters. */
  readonly sink: RecordSink;
  /**
   * Resolves once it is subscribed / consuming for the first time (never rejects; connection trouble is logged and
   * retried). Redis pub/sub drops what is published before that.
   */
  readonly ready: Promise<void>;
  /** Stops taking messages, waits for the ones being stored (and their acks), disconnects; idempotent. */
  stop(): Promise<void>;
}

/** Starts one kind of consumer when `config` enables it (else resolves undefined). */
export type ConsumerStarter = (
  config: ServerConfig,
  sink: (kind: string) => RecordSink,
  logger: FastifyBaseLogger,
) => Promise<BrokerConsumer | undefined>;

/** Every consumer kind; a new broker adds its starter here. */
const STARTERS: readonly ConsumerStarter[] = [startRedisConsumer, startRabbitMQConsumer, startKafkaConsumer];

/** The consumers a server runs. */
export interface Consumers {
  /** The consumers started (enabled by the config). */
  readonly running: readonly BrokerConsumer[];
  /** Resolves once every consumer is ready (see `BrokerConsumer.ready`). */
  ready(): Promise<void>;
  /** Stops them all. */
  stop(): Promise<void>;
}

/** Starts every consumer `config` enables; they store into `storage` and log through `logger`. */
export async function startConsumers(
  config: ServerConfig,
  storage: Storage,
  logger: FastifyBaseLogger,
): Promise<Consumers> {
  const running: BrokerConsumer[] = [];
  const sink = (kind: string) => new RecordSink(storage, logger, kind);
  try {
    for (const start of STARTERS) {
      const consumer = await start(config, sink, logger);
      if (consumer !== undefined) running.push(consumer);
    }
  } catch (err) {
    await Promise.all(running.map((c) => c.stop()));
    throw err;
  }
  return {
    running,
    ready: async () => {
      await Promise.all(running.map((c) => c.ready));
    },
    stop: async () => {
      await Promise.all(running.map((c) => c.stop()));
    },
  };
}
