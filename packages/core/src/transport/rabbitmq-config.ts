import { z } from 'zod';
import { parseOptions, requireOptionsObject } from '../options.js';
import { BrokerUrlConfig, brokerProtocolOption, brokerTimeoutOptions } from './broker.js';
import type { ScouterProtocol } from '../wire/protocol.js';
import { fromEnv } from './env.js';

const amqpUrl = z
  .string()
  .trim()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'amqp:' || url.protocol === 'amqps:') && url.hostname !== '';
      } catch {
        return false;
      }
    },
    {
      message:
        'expected an amqp:// or amqps:// URL, e.g. "amqp://guest:guest@localhost:5672/%2f" (set address or RABBITMQ_ADDR, or host/port/username/password)',
    },
  );

/** Schema of the `RabbitMQConfig` options (after the environment fallbacks have been applied). */
export const rabbitmqConfigOptionsSchema = z.strictObject({
  /**
   * AMQP URL; when set, `host`/`port`/`username`/`password` are not used. Default: built from those options when any
   * is given, else `$RABBITMQ_ADDR` verbatim, else built from `$RABBITMQ_HOST`, `$RABBITMQ_PORT`, `$RABBITMQ_USERNAME`,
   * `$RABBITMQ_PASSWORD` as `amqp://[user:password@]host:port/%2f`.
   */
  address: amqpUrl.optional(),
  /** Broker host. Default `$RABBITMQ_HOST`, else `localhost`. */
  host: z.string().trim().min(1, 'must not be empty').default('localhost'),
  /** Broker port. Default `$RABBITMQ_PORT`, else 5672. */
  port: z.number().int('must be a whole number').min(1).max(65_535).default(5672),
  /** User name (used only together with `password`). Default `$RABBITMQ_USERNAME`, else none. */
  username: z.string().min(1, 'must not be empty').optional(),
  /** Password (used only together with `username`). Default `$RABBITMQ_PASSWORD`, else none. */
  password: z.string().optional(),
  /** Queue published to through the default exchange (declared non-durable, as Scouter does). Default `$RABBITMQ_QUEUE`, else `scouter_monitoring`. */
  queue: z.string().min(1, 'must not be empty (set queue or RABBITMQ_QUEUE)').default('scouter_monitoring'),
  ...brokerTimeoutOptions,
  /** Record dialect published (`'v0.13'` default, `'v0.25'`/`'latest'`, or a Scouter release); not `'auto'`. */
  protocol: brokerProtocolOption,
});

/** Options of `new RabbitMQConfig(...)`; every field is optional. */
export type RabbitMQConfigOptions = z.input<typeof rabbitmqConfigOptionsSchema>;

function portFromEnv(env: NodeJS.ProcessEnv): number | string | undefined {
  const value = fromEnv('RABBITMQ_PORT', env);
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Where to publish over RabbitMQ, mirroring Python's `scouter.transport.RabbitMQConfig` (Scouter v0.13): the same
 * fields in camelCase and the same defaults and environment variables, read once at construction (options win over
 * the environment; Scouter lets `RABBITMQ_ADDR` win over its arguments). Each body is published to the default
 * exchange with the queue's name as routing key, on a confirm channel: a publish resolves once the broker confirmed
 * it. Needs the optional package `amqplib`. The password never appears in `toString()`, `JSON.stringify()` or
 * `util.inspect()`.
 */
export class RabbitMQConfig extends BrokerUrlConfig {
  /** Transport selector used by `createTransport`; always `'RabbitMQ'`. */
  readonly transportType = 'RabbitMQ' as const;
  /** Queue published to; default `scouter_monitoring`. */
  readonly queue: string;
  /** Connection timeout in ms; default 10000. */
  readonly connectTimeoutMs: number;
  /** Publish (confirm) timeout in ms; default 10000. */
  readonly publishTimeoutMs: number;
  /** Record dialect of the published bodies; default `'v0.13'`. */
  readonly protocol: ScouterProtocol;

  constructor(options: RabbitMQConfigOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    options = requireOptionsObject(options, 'RabbitMQConfig');
    const direct =
      options.host !== undefined ||
      options.port !== undefined ||
      options.username !== undefined ||
      options.password !== undefined;
    const input = {
      ...options,
      address: options.address ?? (direct ? undefined : fromEnv('RABBITMQ_ADDR', env)),
      host: options.host ?? fromEnv('RABBITMQ_HOST', env),
      port: options.port ?? portFromEnv(env),
      username: options.username ?? fromEnv('RABBITMQ_USERNAME', env),
      password: options.password ?? fromEnv('RABBITMQ_PASSWORD', env),
      queue: options.queue ?? fromEnv('RABBITMQ_QUEUE', env),
    };
    const parsed = parseOptions(rabbitmqConfigOptionsSchema, input, 'RabbitMQConfig');
    const host = parsed.host.includes(':') && !parsed.host.startsWith('[') ? `[${parsed.host}]` : parsed.host;
    const credentials =
      parsed.username !== undefined && parsed.password !== undefined
        ? `${encodeURIComponent(parsed.username)}:${encodeURIComponent(parsed.password)}@`
        : '';
    super(parsed.address ?? `amqp://${credentials}${host}:${parsed.port}/%2f`);
    this.queue = parsed.queue;
    this.connectTimeoutMs = parsed.connectTimeoutMs;
    this.publishTimeoutMs = parsed.publishTimeoutMs;
    this.protocol = parsed.protocol;
  }

  protected printable(): Record<string, unknown> {
    return {
      queue: this.queue,
      connectTimeoutMs: this.connectTimeoutMs,
      publishTimeoutMs: this.publishTimeoutMs,
      protocol: this.protocol,
    };
  }
}
