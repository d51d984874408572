/**
 * Which transport the example services use, chosen by `SCOUTER_TRANSPORT` (both examples' `start` scripts and the
 * end-to-end tests): `http` (default), `redis`, `rabbitmq` or `kafka`. Each config then reads Scouter's own variables
 * for that transport: `SCOUTER_SERVER_URI`/`SCOUTER_USERNAME`/`SCOUTER_PASSWORD`, `REDIS_ADDR`/`REDIS_CHANNEL`,
 * `RABBITMQ_ADDR` (or `RABBITMQ_HOST`/`RABBITMQ_PORT`/`RABBITMQ_USERNAME`/`RABBITMQ_PASSWORD`)/`RABBITMQ_QUEUE`,
 * `KAFKA_BROKERS`/`SCOUTER_KAFKA_TOPIC` (or `KAFKA_TOPIC`)/`KAFKA_USERNAME`/`KAFKA_PASSWORD`/`KAFKA_SECURITY_PROTOCOL`.
 */
import { HttpConfig, KafkaConfig, RabbitMQConfig, RedisConfig } from '@scouter-ts/core';

/** The names `SCOUTER_TRANSPORT` accepts. */
export const TRANSPORT_NAMES = ['http', 'redis', 'rabbitmq', 'kafka'] as const;

/** A transport config for `SCOUTER_TRANSPORT` in `env` (default `http`); throws on an unknown name. */
export function transportFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): HttpConfig | RedisConfig | RabbitMQConfig | KafkaConfig {
  const name = (env.SCOUTER_TRANSPORT ?? 'http').trim().toLowerCase() || 'http';
  switch (name) {
    case 'http':
      return new HttpConfig({}, env);
    case 'redis':
      return new RedisConfig({}, env);
    case 'rabbitmq':
      return new RabbitMQConfig({}, env);
    case 'kafka':
      return new KafkaConfig({}, env);
    default:
      throw new Error(
        `SCOUTER_TRANSPORT=${JSON.stringify(env.SCOUTER_TRANSPORT)} is not one of ${TRANSPORT_NAMES.join(', ')}`,
      );
  }
}
