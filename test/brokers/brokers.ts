/**
 * The brokers of this test run (started once by `./global-setup.ts`), for test files: `brokerUrl('redis')` is the URL,
 * or null with the skip reason printed, or it throws when the broker is required (SCOUTER_REQUIRE_REDIS=1,
 * SCOUTER_REQUIRE_RABBITMQ=1, as `.ci/run` sets) or installed but broken.
 */
import { inject } from 'vitest';
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
