import { InvalidOptionsError } from '../errors.js';
import { HttpConfig } from './http-config.js';
import { WorkerHttpTransport } from './http-worker.js';
import { HttpTransport } from './http.js';
import { MockConfig, MockTransport } from './mock.js';
import type { Transport } from './types.js';

/** The transport configurations built in; any other carrier can be passed to the queue as a `Transport` instance. */
export type TransportConfig = HttpConfig | MockConfig;

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
 * or `HttpTransport` (`thread: 'main'`), `MockConfig` -> `MockTransport`.
 */
export function createTransport(config: TransportConfig): Transport {
  if (config instanceof HttpConfig) {
    return config.thread === 'worker' ? new WorkerHttpTransport(config) : new HttpTransport(config);
  }
  if (config instanceof MockConfig) return new MockTransport(config);
  throw new InvalidOptionsError(
    'Unknown transport config: pass new HttpConfig(...), new MockConfig(...) or an object implementing Transport { kind, publish(body), close() }',
  );
}
