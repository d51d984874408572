/**
 * Options of the broker consumers, with Scouter v0.13's defaults (`crates/scouter_settings/src/events.rs`). A consumer
 * runs when its options are present: the bin sets them when Scouter's enabling variable is set (`REDIS_ADDR`,
 * `RABBITMQ_ADDR`), see `configFromEnv`.
 */
import { z } from 'zod';

const count = (what: string) =>
  z.number().int(`must be a whole number of ${what}`).positive(`must be >= 1 ${what}`);

/** Redis pub/sub consumer (`REDIS_ADDR`, `REDIS_CHANNEL`, `REDIS_CONSUMER_COUNT`). */
export const redisConsumerOptionsSchema = z.strictObject({
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). Default `redis://127.0.0.1:6379`. */
  address: z.string().min(1).default('redis://127.0.0.1:6379'),
  /** Pub/sub channel the producers publish to. Default `scouter_monitoring`. */
  channel: z.string().min(1).default('scouter_monitoring'),
  /**
   * Messages stored at the same time. Scouter subscribes this many times and stores every message that often (its
   * unique key drops the copies); one subscription per server is enough for the same result. Default 3.
   */
  consumerCount: count('consumers').default(3),
});

/** RabbitMQ consumer (`RABBITMQ_ADDR`, `RABBITMQ_QUEUE`, `RABBITMQ_CONSUMER_COUNT`, `RABBITMQ_PREFETCH_COUNT`, `RABBITMQ_CONSUMER_TAG`). */
export const rabbitmqConsumerOptionsSchema = z.strictObject({
  /** AMQP URL. Default `amqp://guest:guest@127.0.0.1:5672/%2f`. */
  address: z.string().min(1).default('amqp://guest:guest@127.0.0.1:5672/%2f'),
  /** Queue to consume (declared non-durable, like Scouter's producer and consumer do). Default `scouter_monitoring`. */
  queue: z.string().min(1).default('scouter_monitoring'),
  /** Channels consuming the queue, each with its own prefetch. Default 3. */
  consumerCount: count('consumers').default(3),
  /** Unacknowledged messages per channel (`basic.qos`). Default 10. */
  prefetchCount: count('messages').max(65_535, 'must be <= 65535').default(10),
  /** Consumer tag (each channel appends `-<n>`). Default `scouter`. */
  consumerTag: z.string().min(1).default('scouter'),
});

/** Options of the Redis consumer; every field optional. */
export type RedisConsumerOptions = z.input<typeof redisConsumerOptionsSchema>;
/** Options of the RabbitMQ consumer; every field optional. */
export type RabbitMQConsumerOptions = z.input<typeof rabbitmqConsumerOptionsSchema>;
