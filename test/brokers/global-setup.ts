/**
 * vitest globalSetup: starts one Redis and one RabbitMQ for the whole test run (in parallel, before any test file),
 * hands their addresses to the tests through `provide('brokers')`, and stops them at the end. A missing binary is
 * passed on as a skip reason (the tests fail instead when SCOUTER_REQUIRE_REDIS / SCOUTER_REQUIRE_RABBITMQ is 1, see
 * `./brokers.ts`); a broker that is installed but does not start is an error for its tests. SCOUTER_BROKERS=0 starts
 * none (quick local runs of unrelated tests).
 */
import type { TestProject } from 'vitest/node';
import { type TestRabbitMQ, rabbitmqUnavailableReason, startRabbitMQ } from './rabbitmq.js';
import { type TestRedis, redisUnavailableReason, startRedis } from './redis.js';
import { type TestKafka, kafkaUnavailableReason, startKafka } from './kafka.js';

/** What a test gets for one broker: its URL, or why it is not there. */
export type ProvidedBroker =
  { readonly url: string; readonly port: number } | { readonly skip: string } | { readonly error: string };

/** Every broker the run started; the Kafka helper adds `kafka`. */
export interface ProvidedBrokers {
  redis: ProvidedBroker;
  rabbitmq: ProvidedBroker;
  /** Kafka's PLAINTEXT listener; `url` is `127.0.0.1:<port>` (a bootstrap broker, not a URL). */
  kafka: ProvidedBroker;
  /** The same Kafka's SASL_PLAINTEXT listener (PLAIN, `KAFKA_SASL_USER`). */
  kafkaSasl: ProvidedBroker;
}

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: ProvidedBrokers;
  }
}

async function start<T extends { url: string; port: number }>(
  unavailable: () => string | null,
  run: () => Promise<T>,
): Promise<{ provided: ProvidedBroker; running?: T }> {
  if (process.env.SCOUTER_BROKERS === '0') return { provided: { skip: 'SCOUTER_BROKERS=0' } };
  const reason = unavailable();
  if (reason !== null) return { provided: { skip: reason } };
  try {
    const running = await run();
    return { provided: { url: running.url, port: running.port }, running };
  } catch (err) {
    return { provided: { error: err instanceof Error ? err.message : String(err) } };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, rabbitmq, kafka] = await Promise.all([
    start<TestRedis>(redisUnavailableReason, startRedis),
    start<TestRabbitMQ>(rabbitmqUnavailableReason, startRabbitMQ),
    start<TestKafka>(kafkaUnavailableReason, startKafka),
  ]);
  const kafkaSasl: ProvidedBroker =
    kafka.running === undefined
      ? kafka.provided
      : { url: kafka.running.saslUrl, port: kafka.running.saslPort };
  project.provide('brokers', {
    redis: redis.provided,
    rabbitmq: rabbitmq.provided,
    kafka: kafka.provided,
    kafkaSasl,
  });
  return async () => {
    await Promise.all([
      redis.running?.process.close(),
      rabbitmq.running?.close(),
      kafka.running?.process.close(),
    ]);
  };
}
