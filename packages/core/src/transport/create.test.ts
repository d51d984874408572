import { describe, expect, it } from 'vitest';
import {
  HttpConfig,
  HttpTransport,
  InvalidOptionsError,
  MockConfig,
  MockTransport,
  WorkerHttpTransport,
  createTransport,
  isTransport,
  type TransportConfig,
} from '@scouter-ts/core';

describe('createTransport', () => {
  it('builds the HTTP transports for an HttpConfig and a MockTransport recording into a MockConfig', async () => {
    const worker = createTransport(new HttpConfig({ serverUri: 'http://127.0.0.1:1' }, {}));
    expect(worker).toBeInstanceOf(WorkerHttpTransport);
    const main = createTransport(new HttpConfig({ serverUri: 'http://127.0.0.1:1', thread: 'main' }, {}));
    expect(main).toBeInstanceOf(HttpTransport);
    expect([worker.kind, main.kind]).toEqual(['http', 'http']);
    await Promise.all([worker.close(), main.close()]);

    const config = new MockConfig();
    const mock = createTransport(config);
    expect(mock).toBeInstanceOf(MockTransport);
    await mock.publish('{"records":[]}');
    expect(config.bodies).toEqual(['{"records":[]}']);
  });

  it('rejects anything else with InvalidOptionsError naming the accepted configs', () => {
    expect(() => createTransport({ transportType: 'Kafka' } as unknown as TransportConfig)).toThrow(
      InvalidOptionsError,
    );
    expect(() => createTransport(undefined as unknown as TransportConfig)).toThrow(
      /HttpConfig.*MockConfig.*Transport/,
    );
  });

  it('recognises Transport instances by publish() and close()', () => {
    expect(isTransport(new MockTransport())).toBe(true);
    expect(isTransport({ kind: 'x', publish: async () => undefined, close: async () => undefined })).toBe(
      true,
    );
    expect(isTransport(new MockConfig())).toBe(false);
    expect(isTransport(null)).toBe(false);
  });
});
