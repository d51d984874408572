import type * as IoRedis from 'ioredis';
import { ScouterNetworkError } from '../errors.js';
import { BrokerTransport, maskUrl, type BrokerConnection, type BrokerDriver } from './broker.js';
import { importOptional } from './optional-import.js';
import { RedisConfig, type RedisConfigOptions } from './redis-config.js';

/** True when Redis refused the credentials (`WRONGPASS`, `NOAUTH`, an `AUTH` without a configured password). */
export function isRedisAuthError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /\b(WRONGPASS|NOAUTH|NOPERM)\b|AUTH.*without any password configured|invalid password/i.test(
    message,
  );
}

/**
 * The `BrokerDriver` of Redis: one `ioredis` connection per open, without ioredis' own reconnecting and offline
 * queue (so a failure reaches the queue at once, which keeps the records and retries with backoff).
 */
export function redisDriver(config: RedisConfig): BrokerDriver {
  const where = `${maskUrl(config.address)} channel "${config.channel}"`;
  return {
    kind: 'redis',
    target: where,
    hint: 'check REDIS_ADDR (host, port, user:password) and that Redis is running',
    isAuthError: isRedisAuthError,
    async open(onLost): Promise<BrokerConnection> {
      const { Redis } = await importOptional<typeof IoRedis>(
        'ioredis',
        'RedisConfig (the Redis transport)',
        () => import('ioredis'),
      );
      const client = new Redis(config.address, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: config.connectTimeoutMs,
      });
      let lastError: Error | undefined;
      // Failures reach the caller as rejections; the listener keeps ioredis from reporting them as unhandled.
      client.on('error', (err: Error) => (lastError = err));
      client.on('end', () => onLost(lastError));
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        // ioredis rejects with "Connection is closed"; the error event said why (ECONNREFUSED, WRONGPASS, …).
        throw lastError ?? err;
      }
      return {
        async send(body) {
          const receivers = await client.publish(config.channel, body);
          if (receivers === 0 && config.requireSubscriber) {
            throw new ScouterNetworkError(
              `No subscriber on Redis ${where}: pub/sub keeps nothing, so the batch stays buffered and is sent again (start scouter-server with REDIS_ADDR, or set requireSubscriber: false)`,
            );
          }
        },
        close() {
          client.disconnect();
          return Promise.resolve();
        },
      };
    },
  };
}

/** Publishes the queue's bodies to a Redis channel (`PUBLISH`), like Scouter's Redis producer. */
export class RedisTransport extends BrokerTransport {
  /** The configuration in use. */
  readonly config: RedisConfig;

  constructor(config: RedisConfig | RedisConfigOptions = {}) {
    const resolved = config instanceof RedisConfig ? config : new RedisConfig(config);
    super(redisDriver(resolved), resolved);
    this.config = resolved;
  }
}
