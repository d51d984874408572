import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { createTransport } from './create.js';
import { RabbitMQConfig } from './rabbitmq-config.js';
import { RabbitMQTransport } from './rabbitmq.js';

describe('RabbitMQConfig', () => {
  it("defaults like Scouter's RabbitMQConfig(): amqp://localhost:5672/%2f, queue scouter_monitoring", () => {
    expect(new RabbitMQConfig({}, {}).toJSON()).toEqual({
      transportType: 'RabbitMQ',
      address: 'amqp://localhost:5672/%2f',
      queue: 'scouter_monitoring',
      connectTimeoutMs: 10_000,
      publishTimeoutMs: 10_000,
      protocol: 'v0.13',
    });
  });

  it('builds the address from RABBITMQ_HOST/PORT/USERNAME/PASSWORD (credentials only when both are set)', () => {
    const env = {
      RABBITMQ_HOST: 'mq',
      RABBITMQ_PORT: '5673',
      RABBITMQ_USERNAME: 'app',
      RABBITMQ_PASSWORD: 'p@ss',
    };
    expect(new RabbitMQConfig({}, env).address).toBe('amqp://app:p%40ss@mq:5673/%2f');
    expect(new RabbitMQConfig({}, { RABBITMQ_HOST: 'mq', RABBITMQ_USERNAME: 'app' }).address).toBe(
      'amqp://mq:5672/%2f',
    );
  });

  it('uses RABBITMQ_ADDR verbatim, unless host/port/credentials are passed as options; RABBITMQ_QUEUE names the queue', () => {
    const env = {
      RABBITMQ_ADDR: 'amqps://u:p@broker.example.com:5671/prod',
      RABBITMQ_HOST: 'ignored',
      RABBITMQ_QUEUE: 'q',
    };
    expect(new RabbitMQConfig({}, env)).toMatchObject({ address: env.RABBITMQ_ADDR, queue: 'q' });
    expect(new RabbitMQConfig({ host: '10.0.0.5', port: 5672 }, env).address).toBe(
      'amqp://10.0.0.5:5672/%2f',
    );
    expect(new RabbitMQConfig({ address: 'amqp://x:5672/%2f', queue: 'mine' }, env)).toMatchObject({
      address: 'amqp://x:5672/%2f',
      queue: 'mine',
    });
    expect(new RabbitMQConfig({ host: '::1' }, {}).address).toBe('amqp://[::1]:5672/%2f');
  });

  it('rejects bad values, naming the field', () => {
    expect(() => new RabbitMQConfig({}, { RABBITMQ_PORT: 'abc' })).toThrow(InvalidOptionsError);
    expect(() => new RabbitMQConfig({}, { RABBITMQ_PORT: '70000' })).toThrow(/port/);
    expect(() => new RabbitMQConfig({ address: 'redis://x' }, {})).toThrow(
      /address.*amqp:\/\/.*RABBITMQ_ADDR/,
    );
  });

  it('never prints the password', () => {
    const config = new RabbitMQConfig({ username: 'app', password: 's3cret', host: 'mq' }, {});
    for (const text of [String(config), JSON.stringify(config), inspect(config)]) {
      expect(text).toContain('amqp://app:***@mq:5672/%2f');
      expect(text).not.toContain('s3cret');
    }
  });

  it('createTransport builds a RabbitMQTransport (no connection until the first publish)', async () => {
    const transport = createTransport(new RabbitMQConfig({}, {}));
    expect(transport).toBeInstanceOf(RabbitMQTransport);
    expect(transport.kind).toBe('rabbitmq');
    await transport.close();
  });
});
