import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { createTransport } from './create.js';
import { RedisConfig } from './redis-config.js';
import { RedisTransport } from './redis.js';

describe('RedisConfig', () => {
  it("defaults like Scouter's RedisConfig() when neither options nor environment are set", () => {
    expect(new RedisConfig({}, {}).toJSON()).toEqual({
      transportType: 'Redis',
      address: 'redis://127.0.0.1:6379',
      channel: 'scouter_monitoring',
      requireSubscriber: true,
      connectTimeoutMs: 10_000,
      publishTimeoutMs: 10_000,
      protocol: 'v0.13',
    });
  });

  it('falls back to REDIS_ADDR and REDIS_CHANNEL; options win; empty variables count as unset', () => {
    const env = { REDIS_ADDR: 'rediss://cache.example.com:6380/2', REDIS_CHANNEL: 'metrics' };
    expect(new RedisConfig({}, env)).toMatchObject({ address: env.REDIS_ADDR, channel: 'metrics' });
    expect(new RedisConfig({ channel: 'mine' }, env).channel).toBe('mine');
    expect(new RedisConfig({}, { REDIS_ADDR: '', REDIS_CHANNEL: '' }).channel).toBe('scouter_monitoring');
  });

  it('rejects an address that is not a redis URL, naming the field and the variable', () => {
    expect(() => new RedisConfig({}, { REDIS_ADDR: '127.0.0.1:6379' })).toThrow(InvalidOptionsError);
    expect(() => new RedisConfig({ address: 'http://x' }, {})).toThrow(/address.*redis:\/\/.*REDIS_ADDR/);
    expect(() => new RedisConfig({ connectTimeoutMs: 0 }, {})).toThrow(/connectTimeoutMs/);
  });

  it('never prints the password', () => {
    const config = new RedisConfig({ address: 'redis://app:s3cret@cache:6379/0' }, {});
    expect(config.address).toBe('redis://app:s3cret@cache:6379/0');
    for (const text of [String(config), JSON.stringify(config), inspect(config)]) {
      expect(text).toContain('redis://app:***@cache:6379/0');
      expect(text).not.toContain('s3cret');
    }
  });

  it('createTransport builds a RedisTransport (no connection until the first publish)', async () => {
    const transport = createTransport(new RedisConfig({}, {}));
    expect(transport).toBeInstanceOf(RedisTransport);
    expect(transport.kind).toBe('redis');
    await transport.close();
  });
});
