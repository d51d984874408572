import { InvalidOptionsError } from '../errors.js';
import { HttpConfig } from './http-config.js';
import { WorkerHttpTransport } from './http-worker.js';
import { HttpTransport } from './http.js';
import { KafkaConfig } from './kafka-config.js';
import { KafkaTransport } from './kafka.js';
import { MockConfig, MockTransport } from './mock.js';
import { RabbitMQConfig } from './rabbitmq-config.js';
import { RabbitMQTransport } from './rabbitmq.js';
import { RedisConfig } from './redis-config.js';
import { RedisTransport } from './redis.js';
import type { Transport } from './types.js';

/** The transport configurations built in; any other carrier can be passed to the queue as a `Transport` instance. */
export type TransportConfig = HttpConfig | KafkaConfig | MockConfig | RedisConfig | RabbitMQConfig;

/** True when `value` already is a `Transport` (has `publish` and `close`), not a config. */
export function isTransport(value: unknown): value is Transport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Transport).publish === 'function' &&
    typeof (value as Transport).close === 'function'
  );
}

/**
 * Builds the transport a config describes: `HttpConfig` -> `WorkerHttpTransport` (the default `thread: 'worker'`)
 * or `HttpTransport` (`thread: 'main'`), `KafkaConfig` -> `KafkaTransport`, `MockConfig` -> `MockTransport`, `RedisConfig` -> `RedisTransport`, `RabbitMQConfig` -> `RabbitMQTransport`.
 */
export function createTransport(config: TransportConfig): Transport {
  if (config instanceof HttpConfig) {
    return config.thread === 'worker' ? new WorkerHttpTransport(config) : new HttpTransport(config);
  }
  if (config instanceof KafkaConfig) return new KafkaTransport(config);
  if (config instanceof MockConfig) return new MockTransport(config);
  if (config instanceof RedisConfig) return new RedisTransport(config);
  if (config instanceof RabbitMQConfig) return new RabbitMQTransport(config);
  throw new InvalidOptionsError(
    'Unknown transport config: pass new HttpConfig(...), new KafkaConfig(...), new MockConfig(...), new RedisConfig(...), new RabbitMQConfig(...) or an object implementing Transport { kind, publish(body), close() }',
  );
}
