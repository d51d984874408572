/**
 * Redis consumer: `SUBSCRIBE <channel>` like Scouter v0.13 (`crates/scouter_events/src/consumer/redis/consumer.rs`),
 * so it reads what Scouter's producers `PUBLISH`. Pub/sub keeps nothing: a message published while no subscriber is
 * connected (server down, reconnecting) is lost for good, as with Scouter; there is nothing to ack.
 */
import { importOptional, maskUrl } from '@scouter-ts/core';
import type * as IoRedis from 'ioredis';
import type { ConsumerStarter } from './index.js';

/** Messages waiting to be stored while `consumerCount` are being stored; more are dropped (and logged). */
const MAX_WAITING_MESSAGES = 10_000;
const RECONNECT_MAX_MS = 10_000;

/** Starts the Redis consumer when `config.redis` is set. */
export const startRedisConsumer: ConsumerStarter = async (config, makeSink, logger) => {
  if (config.redis === undefined) return undefined;
  const options = config.redis;
  const { Redis } = await importOptional<typeof IoRedis>(
    'ioredis',
    'The Redis consumer (REDIS_ADDR)',
    () => import('ioredis'),
  );
  const sink = makeSink('redis');
  const where = `${maskUrl(options.address)} channel "${options.channel}"`;
  const log = logger.child({ consumer: 'redis' });
  const client = new Redis(options.address, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    retryStrategy: (attempt) => Math.min(RECONNECT_MAX_MS, 100 * 2 ** Math.min(attempt, 10)),
  });
  let failing = false;
  client.on('error', (err: Error) => {
    if (failing) return;
    failing = true;
    log.error({ err, where }, 'Redis consumer lost its connection; reconnecting (check REDIS_ADDR)');
  });
  client.on('ready', () => {
    if (failing) log.info({ where }, 'Redis consumer reconnected');
    failing = false;
  });

  const waiting: Buffer[] = [];
  let active = 0;
  let dropped = 0;
  let drained: (() => void) | undefined;
  const next = (): void => {
    while (active < options.consumerCount && waiting.length > 0) {
      const body = waiting.shift() as Buffer;
      active++;
      sink
        .ingest(body)
        .catch(() => undefined)
        .finally(() => {
          active--;
          if (active === 0 && waiting.length === 0) drained?.();
          next();
        });
    }
  };
  client.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
    if (waiting.length >= MAX_WAITING_MESSAGES) {
      if (dropped++ === 0) {
        log.error(
          { where },
          `Redis consumer: ${MAX_WAITING_MESSAGES} messages wait for storage; dropping new ones`,
        );
      }
      return;
    }
    waiting.push(message);
    next();
  });

  const ready = client.subscribe(options.channel).then(
    () => log.info({ where }, 'Redis consumer subscribed'),
    (err: unknown) => log.error({ err, where }, 'Redis consumer could not subscribe'),
  );
  let stopping: Promise<void> | undefined;
  return {
    kind: 'redis',
    sink,
    ready,
    stop: () =>
      (stopping ??= (async () => {
        client.disconnect();
        if (active > 0 || waiting.length > 0) await new Promise<void>((resolve) => (drained = resolve));
      })()),
  };
};
