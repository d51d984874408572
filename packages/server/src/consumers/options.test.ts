import { describe, expect, it } from 'vitest';
import { configFromEnv, parseServerOptions } from '../config.js';

describe('broker consumer options', () => {
  it("are off unless Scouter's enabling variable is set", () => {
    const config = parseServerOptions(configFromEnv({}, []));
    expect(config.redis).toBeUndefined();
    expect(config.rabbitmq).toBeUndefined();
  });

  it("REDIS_ADDR / RABBITMQ_ADDR enable them with Scouter's defaults", () => {
    const config = parseServerOptions(configFromEnv({ REDIS_ADDR: 'redis://r:6379', RABBITMQ_ADDR: '' }, []));
    expect(config.redis).toEqual({
      address: 'redis://r:6379',
      channel: 'scouter_monitoring',
      consumerCount: 3,
    });
    expect(config.rabbitmq).toEqual({
      address: 'amqp://guest:guest@127.0.0.1:5672/%2f',
      queue: 'scouter_monitoring',
      consumerCount: 3,
      prefetchCount: 10,
      consumerTag: 'scouter',
    });
  });

  it('read the other variables of Scouter v0.13 and name a bad one', () => {
    const env = {
      REDIS_ADDR: 'redis://r:6379',
      REDIS_CHANNEL: 'c',
      REDIS_CONSUMER_COUNT: '2',
      RABBITMQ_ADDR: 'amqp://u:p@mq:5672/%2f',
      RABBITMQ_QUEUE: 'q',
      RABBITMQ_CONSUMER_COUNT: '1',
      RABBITMQ_PREFETCH_COUNT: '50',
      RABBITMQ_CONSUMER_TAG: 't',
    };
    const config = parseServerOptions(configFromEnv(env, []));
    expect(config.redis).toEqual({ address: 'redis://r:6379', channel: 'c', consumerCount: 2 });
    expect(config.rabbitmq).toEqual({
      address: 'amqp://u:p@mq:5672/%2f',
      queue: 'q',
      consumerCount: 1,
      prefetchCount: 50,
      consumerTag: 't',
    });
    expect(() => configFromEnv({ REDIS_ADDR: 'x', REDIS_CONSUMER_COUNT: 'three' }, [])).toThrow(
      /REDIS_CONSUMER_COUNT/,
    );
    expect(() =>
      parseServerOptions(configFromEnv({ RABBITMQ_ADDR: 'x', RABBITMQ_PREFETCH_COUNT: '0' }, [])),
    ).toThrow(/rabbitmq\.prefetchCount/);
  });
});
