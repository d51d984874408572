import { describe, expect, it } from 'vitest';
import {
  InvalidOptionsError,
  MissingDependencyError,
  ScouterErrorCode,
  ScouterNetworkError,
  type ScouterError,
} from '../errors.js';
import { BrokerTransport, maskUrl, type BrokerConnection, type BrokerDriver } from './broker.js';
import { KafkaConfig } from './kafka-config.js';
import { RabbitMQConfig } from './rabbitmq-config.js';
import { RedisConfig } from './redis-config.js';

/** A driver whose connections are scripted by the test (the real brokers are exercised in test/brokers/). */
function scriptedDriver(open: (onLost: (cause: unknown) => void) => Promise<BrokerConnection>) {
  const driver: BrokerDriver & { opened: number } = {
    kind: 'fake',
    target: 'fake://host:1 topic "t"',
    hint: 'check FAKE_ADDR',
    opened: 0,
    isAuthError: (err) => err instanceof Error && err.message.includes('denied'),
    open: (onLost) => {
      driver.opened++;
      return open(onLost);
    },
  };
  return driver;
}

const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err as ScouterError,
  );
const timeouts = { connectTimeoutMs: 200, publishTimeoutMs: 200 };

describe('BrokerTransport', () => {
  it('opens one connection lazily, on the first publish, and reuses it', async () => {
    const sent: string[] = [];
    const driver = scriptedDriver(async () => ({
      send: async (b) => void sent.push(b),
      close: async () => {},
    }));
    const transport = new BrokerTransport(driver, timeouts);
    expect(driver.opened).toBe(0);
    await Promise.all([transport.publish('a'), transport.publish('b')]);
    await transport.publish('c');
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(driver.opened).toBe(1);
    await transport.close();
    await transport.close();
    expect((await fail(transport.publish('d')))?.code).toBe(ScouterErrorCode.QueueShutDown);
  });

  it('a failed connect rejects with a retryable error naming the broker, address and fix; the next publish tries again', async () => {
    let attempt = 0;
    const driver = scriptedDriver(async () => {
      if (++attempt === 1)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      return { send: async () => {}, close: async () => {} };
    });
    const transport = new BrokerTransport(driver, timeouts);
    const err = await fail(transport.publish('a'));
    expect(err).toBeInstanceOf(ScouterNetworkError);
    expect(err?.retryable).toBe(true);
    expect(err?.message).toBe(
      'Could not connect to fake at fake://host:1 topic "t": connect ECONNREFUSED 127.0.0.1:1 (check FAKE_ADDR)',
    );
    await transport.publish('a');
    expect(driver.opened).toBe(2);
  });

  it('refused credentials are a retryable ERR_AUTH; a missing client package is not retryable', async () => {
    const denied = new BrokerTransport(
      scriptedDriver(() => Promise.reject(new Error('access denied'))),
      timeouts,
    );
    const auth = await fail(denied.publish('a'));
    expect(auth).toMatchObject({ code: ScouterErrorCode.Auth, retryable: true });
    const missing = new MissingDependencyError('fake-client', 'FakeConfig');
    const absent = new BrokerTransport(
      scriptedDriver(() => Promise.reject(missing)),
      timeouts,
    );
    expect(await fail(absent.publish('a'))).toBe(missing);
  });

  it('a connection that does not open in time is a timeout, and is closed when it opens later', async () => {
    let closed = 0;
    let resolveLate: ((c: BrokerConnection) => void) | undefined;
    const driver = scriptedDriver(
      () =>
        new Promise<BrokerConnection>((resolve) => {
          resolveLate = resolve;
        }),
    );
    const transport = new BrokerTransport(driver, { connectTimeoutMs: 20, publishTimeoutMs: 20 });
    const err = await fail(transport.publish('a'));
    expect(err).toMatchObject({ code: ScouterErrorCode.Timeout, retryable: true });
    expect(err?.message).toMatch(/within 20 ms \(check FAKE_ADDR\)/);
    resolveLate?.({ send: async () => {}, close: async () => void closed++ });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(closed).toBe(1);
  });

  it('a lost connection is dropped: the next publish opens a new one', async () => {
    const lost: Array<(cause: unknown) => void> = [];
    const driver = scriptedDriver(async (onLost) => {
      lost.push(onLost);
      return { send: async () => {}, close: async () => {} };
    });
    const transport = new BrokerTransport(driver, timeouts);
    await transport.publish('a');
    lost[0]?.(new Error('socket closed'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await transport.publish('b');
    expect(driver.opened).toBe(2);
  });

  it('a send that fails drops the connection; a confirm that never comes is a timeout', async () => {
    let sends = 0;
    const driver = scriptedDriver(async () => ({
      send: () => (++sends === 1 ? Promise.reject(new Error('channel closed')) : new Promise<void>(() => {})),
      close: async () => {},
    }));
    const transport = new BrokerTransport(driver, timeouts);
    expect((await fail(transport.publish('a')))?.message).toMatch(
      /^Could not publish to fake at .*: channel closed/,
    );
    expect((await fail(transport.publish('b')))?.code).toBe(ScouterErrorCode.Timeout);
    expect(driver.opened).toBe(2);
  });
});

describe('maskUrl', () => {
  it('masks the password only', () => {
    expect(maskUrl('amqp://u:p@h:5672/%2f')).toBe('amqp://u:***@h:5672/%2f');
    expect(maskUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});

describe('the protocol option of the broker configs', () => {
  const configs: [string, (protocol?: string) => { protocol: string; toJSON(): Record<string, unknown> }][] =
    [
      ['RedisConfig', (protocol) => new RedisConfig(protocol === undefined ? {} : { protocol }, {})],
      ['RabbitMQConfig', (protocol) => new RabbitMQConfig(protocol === undefined ? {} : { protocol }, {})],
      ['KafkaConfig', (protocol) => new KafkaConfig(protocol === undefined ? {} : { protocol }, {})],
    ];

  it.each(configs)(
    "%s: v0.13 by default, v0.25 for 'latest' or a release, 'auto' and unknown ones refused",
    (name, make) => {
      expect(make().protocol).toBe('v0.13');
      expect(make('v0.25').protocol).toBe('v0.25');
      expect(make('latest').protocol).toBe('v0.25');
      expect(make('0.25.0').protocol).toBe('v0.25');
      expect(make('0.12.0').protocol).toBe('v0.13');
      expect(make('latest').toJSON()).toMatchObject({ protocol: 'v0.25' });
      expect(() => make('auto')).toThrow(InvalidOptionsError);
      expect(() => make('auto')).toThrow(new RegExp(`${name}.*protocol.*'auto'.*'v0\\.13'.*'v0\\.25'`, 's'));
      expect(() => make('0.99.0')).toThrow(/protocol.*unknown Scouter version "0\.99\.0"/s);
    },
  );
});
