/**
 * The brokers of this test run (started once by `./global-setup.ts`), for test files: `brokerUrl('redis')` is the URL,
 * or null with the skip reason printed, or it throws when the broker is required (SCOUTER_REQUIRE_REDIS=1,
 * SCOUTER_REQUIRE_RABBITMQ=1, as `.ci/run` sets) or installed but broken.
 */
import { inject } from 'vitest';
import { KafkaConfig, RabbitMQConfig, RedisConfig, type ScouterProtocol } from '@scouter-ts/core';
import type { ServerOptions } from '@scouter-ts/server';
import type { ProvidedBrokers } from './global-setup.js';

const REQUIRE: Record<keyof ProvidedBrokers, string> = {
  redis: 'SCOUTER_REQUIRE_REDIS',
  rabbitmq: 'SCOUTER_REQUIRE_RABBITMQ',
  kafka: 'SCOUTER_REQUIRE_KAFKA',
  kafkaSasl: 'SCOUTER_REQUIRE_KAFKA',
};

/** The URL of the run's `kind` broker, or null (skip) when it is not installed and not required. */
export function brokerUrl(kind: keyof ProvidedBrokers): string | null {
  const broker = inject('brokers')[kind];
  if ('url' in broker) return broker.url;
  if ('error' in broker) throw new Error(`The test ${kind} broker did not start: ${broker.error}`);
  const required = REQUIRE[kind];
  if (process.env[required] === '1') throw new Error(`${required}=1 but ${broker.skip}`);
  console.warn(`[skip] ${kind} tests: ${broker.skip}`);
  return null;
}

/** One broker kind as the end-to-end tests use it, each on a channel / queue / topic of the test's own. */
export interface BrokerCase {
  /** Server options that start its consumer on that channel / queue / topic. */
  server(url: string, name: string): Partial<ServerOptions>;
  /** An inference service's environment for the same (as the examples read it). */
  env(url: string, name: string): NodeJS.ProcessEnv;
  /** The producer config for the same, in the given record dialect. */
  config(url: string, name: string, protocol?: ScouterProtocol): RedisConfig | RabbitMQConfig | KafkaConfig;
}

/** The three brokers' cases. */
export const BROKER_CASES: Record<'redis' | 'rabbitmq' | 'kafka', BrokerCase> = {
  redis: {
    server: (address, channel) => ({ redis: { address, channel } }),
    env: (address, channel) => ({ SCOUTER_TRANSPORT: 'redis', REDIS_ADDR: address, REDIS_CHANNEL: channel }),
    config: (address, channel, protocol) => new RedisConfig({ address, channel, protocol }, {}),
  },
  rabbitmq: {
    server: (address, queue) => ({ rabbitmq: { address, queue } }),
    env: (address, queue) => ({
      SCOUTER_TRANSPORT: 'rabbitmq',
      RABBITMQ_ADDR: address,
      RABBITMQ_QUEUE: queue,
    }),
    config: (address, queue, protocol) => new RabbitMQConfig({ address, queue, protocol }, {}),
  },
  kafka: {
    server: (brokers, topic) => ({ kafka: { brokers, topics: [topic], groupId: topic } }),
    env: (brokers, topic) => ({
      SCOUTER_TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers,
      SCOUTER_KAFKA_TOPIC: topic,
    }),
    config: (brokers, topic, protocol) => new KafkaConfig({ brokers, topic, protocol }, {}),
  },
};
