import { z } from 'zod';
import { parseOptions, requireOptionsObject } from '../options.js';
import { BrokerUrlConfig, brokerProtocolOption, brokerTimeoutOptions } from './broker.js';
import type { ScouterProtocol } from '../wire/protocol.js';
import { fromEnv } from './env.js';

const redisUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
      } catch {
        return false;
      }
    },
    {
      message:
        'expected a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379" or "redis://user:password@host:6379/0" (set address or REDIS_ADDR)',
    },
  );

/** Schema of the `RedisConfig` options (after the environment fallbacks have been applied). */
export const redisConfigOptionsSchema = z.strictObject({
  /** Redis URL, credentials and database included. Default `$REDIS_ADDR`, else `redis://127.0.0.1:6379`. */
  address: redisUrl.default('redis://127.0.0.1:6379'),
  /** Pub/sub channel published to. Default `$REDIS_CHANNEL`, else `scouter_monitoring`. */
  channel: z
    .string()
    .min(1, 'must not be empty (set channel or REDIS_CHANNEL)')
    .default('scouter_monitoring'),
  /**
   * Treat a `PUBLISH` that reached no subscriber as a failed delivery (retried with backoff, kept in the buffer),
   * because pub/sub keeps nothing: Scouter's producer counts it as sent and the records are gone. Default true.
   */
  requireSubscriber: z.boolean().default(true),
  ...brokerTimeoutOptions,
  /** Record dialect published (`'v0.13'` default, `'v0.25'`/`'latest'`, or a Scouter release); not `'auto'`. */
  protocol: brokerProtocolOption,
});

/** Options of `new RedisConfig(...)`; every field is optional. */
export type RedisConfigOptions = z.input<typeof redisConfigOptionsSchema>;

/**
 * Where to publish over Redis pub/sub, mirroring Python's `scouter.transport.RedisConfig` (Scouter v0.13): `address`
 * and `channel` with the same defaults and environment variables (`REDIS_ADDR`, `REDIS_CHANNEL`), read once at
 * construction; options win. Each body is sent with `PUBLISH <channel> <body>`, the bytes Scouter's producer sends.
 * Needs the optional package `ioredis`. The password in `address` never appears in `toString()`, `JSON.stringify()`
 * or `util.inspect()`.
 */
export class RedisConfig extends BrokerUrlConfig {
  /** Transport selector used by `createTransport`; always `'Redis'`. */
  readonly transportType = 'Redis' as const;
  /** Pub/sub channel; default `scouter_monitoring`. */
  readonly channel: string;
  /** Whether a publish nobody received is retried; default true. */
  readonly requireSubscriber: boolean;
  /** Connection timeout in ms; default 10000. */
  readonly connectTimeoutMs: number;
  /** Publish timeout in ms; default 10000. */
  readonly publishTimeoutMs: number;
  /** Record dialect of the published bodies; default `'v0.13'`. */
  readonly protocol: ScouterProtocol;
  constructor(options: RedisConfigOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    options = requireOptionsObject(options, 'RedisConfig');
    const input = {
      ...options,
      address: options.address ?? fromEnv('REDIS_ADDR', env),
      channel: options.channel ?? fromEnv('REDIS_CHANNEL', env),
    };
    const parsed = parseOptions(redisConfigOptionsSchema, input, 'RedisConfig');
    super(parsed.address);
    this.channel = parsed.channel;
    this.requireSubscriber = parsed.requireSubscriber;
    this.connectTimeoutMs = parsed.connectTimeoutMs;
    this.publishTimeoutMs = parsed.publishTimeoutMs;
    this.protocol = parsed.protocol;
  }

  protected printable(): Record<string, unknown> {
    return {
      channel: this.channel,
      requireSubscriber: this.requireSubscriber,
      connectTimeoutMs: this.connectTimeoutMs,
      publishTimeoutMs: this.publishTimeoutMs,
      protocol: this.protocol,
    };
  }
}
