import { inspect } from 'node:util';
import zlib from 'node:zlib';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { parseOptions, requireOptionsObject } from '../options.js';
import { brokerProtocolOption, brokerTimeoutOptions } from './broker.js';
import type { ScouterProtocol } from '../wire/protocol.js';
import { firstFromEnv, fromEnv } from './env.js';

/** Batch compression codecs, as Scouter's `CompressionType` names them. */
export const KAFKA_COMPRESSION_TYPES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** One of `KAFKA_COMPRESSION_TYPES`. */
export type KafkaCompressionType = (typeof KAFKA_COMPRESSION_TYPES)[number];

/** `security.protocol` values (librdkafka's names). */
export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
/** SASL mechanisms the Kafka client supports through `sasl.mechanism`. */
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** Keys the producer always sets from the options, over whatever `config` says (as Scouter does). */
const OVERWRITTEN_KEYS = ['bootstrap.servers', 'compression.type', 'message.timeout.ms', 'message.max.bytes'];
/**
 * The librdkafka keys of Scouter's `config` dict that this client honours. Scouter passes the dict to librdkafka; our
 * client is not librdkafka, so any other key is refused at construction instead of being silently ignored.
 */
export const KAFKA_CONFIG_KEYS = [
  ...OVERWRITTEN_KEYS,
  'security.protocol',
  'sasl.mechanism',
  'sasl.username',
  'sasl.password',
  'ssl.ca.location',
  'client.id',
  'acks',
] as const;

const brokerAddress = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

const brokersSchema = z
  .string()
  .trim()
  .refine(
    (value) =>
      value.split(',').every((part) => {
        const match = brokerAddress.exec(part.trim());
        return match !== null && Number(match[1]) > 0 && Number(match[1]) < 65536;
      }),
    {
      message:
        'expected comma-separated host:port pairs, e.g. "localhost:9092" or "10.0.0.1:9092,10.0.0.2:9092" (set brokers or KAFKA_BROKERS)',
    },
  );

/** Schema of the `KafkaConfig` options (after the environment fallbacks have been applied). */
export const kafkaConfigOptionsSchema = z.strictObject({
  /** SASL user name. Default `$KAFKA_USERNAME`, else `$KAFKA_KEY`, else none (no SASL). */
  username: z.string().min(1, 'must not be empty').optional(),
  /** SASL password. Default `$KAFKA_PASSWORD`, else `$KAFKA_SECRET`, else none (no SASL). */
  password: z.string().optional(),
  /** Bootstrap brokers, comma-separated `host:port`. Default `$KAFKA_BROKERS`, else `localhost:9092`. */
  brokers: brokersSchema.default('localhost:9092'),
  /** Topic the records are published to. Default `$SCOUTER_KAFKA_TOPIC`, else `$KAFKA_TOPIC`, else `scouter_monitoring`. */
  topic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name: 1-249 of A-Z a-z 0-9 . _ -')
    .default('scouter_monitoring'),
  /** Batch compression codec. Default `gzip` (Scouter's). */
  compressionType: z
    .enum(KAFKA_COMPRESSION_TYPES, { message: `must be one of ${KAFKA_COMPRESSION_TYPES.join(', ')}` })
    .default('gzip'),
  /** Longest wait for the broker to acknowledge one message, in ms. Default 600000 (Scouter's `message.timeout.ms`). */
  messageTimeoutMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .positive('must be > 0 (milliseconds)')
    .max(2_147_483_647, 'must be <= 2147483647 ms')
    .default(600_000),
  /** Largest message value accepted, in bytes; larger bodies are refused (not retried). Default 2097164 (Scouter's). */
  messageMaxBytes: z
    .number()
    .int('must be a whole number of bytes')
    .min(1024, 'must be >= 1024')
    .default(2_097_164),
  /** Extra librdkafka-style settings, from `KAFKA_CONFIG_KEYS` only (e.g. `security.protocol`). Default `{}`. */
  config: z.record(z.string(), z.string()).default({}),
  /** Attempts of one send inside the client (leader changes, a lost connection) before the queue's retry takes over. Default 3 (Scouter's). */
  maxRetries: z.number().int('must be a whole number').min(1, 'must be >= 1').default(3),
  /** Longest wait for the first connection (and SASL handshake) to a bootstrap broker, in ms. Default 10000. */
  connectTimeoutMs: brokerTimeoutOptions.connectTimeoutMs,
  /** Record dialect published (`'v0.13'` default, `'v0.25'`/`'latest'`, or a Scouter release); not `'auto'`. */
  protocol: brokerProtocolOption,
});

/** Options of `new KafkaConfig(...)`; every field is optional. */
export type KafkaConfigOptions = z.input<typeof kafkaConfigOptionsSchema>;

function oneOf<T extends string>(values: readonly T[], value: string, field: string): T {
  if ((values as readonly string[]).includes(value)) return value as T;
  throw new InvalidOptionsError(
    `KafkaConfig: ${field}: must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`,
  );
}

/**
 * Where and how to publish to Kafka, mirroring Python's `scouter.transport.KafkaConfig` (Scouter v0.13): the same
 * fields in camelCase, the same defaults and environment variables, read once at construction. The queue's bodies
 * are published unchanged as message values, with no key and no headers, as Scouter's producer does; `gzip` (the
 * default) compresses the record batch, never the value. With a username and a password (and no `sasl.*` key in
 * `config`) it authenticates with `security.protocol` from `$KAFKA_SECURITY_PROTOCOL` (default `SASL_SSL`) and
 * `sasl.mechanism` from `$KAFKA_SASL_MECHANISM` (default `PLAIN`). Needs the optional package `@platformatic/kafka`.
 * The password never appears in `toString()`, `JSON.stringify()` or `util.inspect()`.
 */
export class KafkaConfig {
  /** Transport selector used by `createTransport`; always `'Kafka'`. */
  readonly transportType = 'Kafka' as const;
  /** Bootstrap brokers, comma-separated; default `localhost:9092`. */
  readonly brokers: string;
  /** Topic published to; default `scouter_monitoring`. */
  readonly topic: string;
  /** Batch compression codec; default `gzip`. */
  readonly compressionType: KafkaCompressionType;
  /** Acknowledgement timeout of one message in ms; default 600000. */
  readonly messageTimeoutMs: number;
  /** Largest message value in bytes; default 2097164. */
  readonly messageMaxBytes: number;
  /** Send attempts inside the client; default 3. */
  readonly maxRetries: number;
  /** Longest wait for a connection to a bootstrap broker in ms; default 10000. */
  readonly connectTimeoutMs: number;
  /** Record dialect of the published bodies; default `'v0.13'`. */
  readonly protocol: ScouterProtocol;
  /** `security.protocol` in force; default `PLAINTEXT`, or `SASL_SSL` once credentials are given. */
  readonly securityProtocol: (typeof KAFKA_SECURITY_PROTOCOLS)[number];
  /** `sasl.mechanism` in force when authenticating; default `PLAIN`. */
  readonly saslMechanism: (typeof KAFKA_SASL_MECHANISMS)[number];
  /** SASL user name in force (`sasl.username`); default none. */
  readonly username: string | undefined;
  /** `ssl.ca.location`: a PEM file with the CA to trust; default none (the system's CAs). */
  readonly sslCaLocation: string | undefined;
  /** `client.id` sent to the broker; default `scouter-ts`. */
  readonly clientId: string;
  /** `acks` required of the broker: -1 (all in-sync replicas, librdkafka's default), 0 or 1. */
  readonly acks: -1 | 0 | 1;
  readonly #config: Readonly<Record<string, string>>;

  constructor(options: KafkaConfigOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    options = requireOptionsObject(options, 'KafkaConfig');
    const input = {
      ...options,
      username: options.username ?? firstFromEnv(['KAFKA_USERNAME', 'KAFKA_KEY'], env),
      password: options.password ?? firstFromEnv(['KAFKA_PASSWORD', 'KAFKA_SECRET'], env),
      brokers: options.brokers ?? fromEnv('KAFKA_BROKERS', env),
      topic: options.topic ?? firstFromEnv(['SCOUTER_KAFKA_TOPIC', 'KAFKA_TOPIC'], env),
    };
    const parsed = parseOptions(kafkaConfigOptionsSchema, input, 'KafkaConfig');
    const unknown = Object.keys(parsed.config).filter(
      (key) => !(KAFKA_CONFIG_KEYS as readonly string[]).includes(key),
    );
    if (unknown.length > 0) {
      throw new InvalidOptionsError(
        `KafkaConfig: config: unsupported key(s) ${unknown.map((k) => `"${k}"`).join(', ')}; this client honours only ${KAFKA_CONFIG_KEYS.join(', ')}`,
      );
    }
    if (
      parsed.compressionType === 'zstd' &&
      typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function'
    ) {
      throw new InvalidOptionsError(
        `KafkaConfig: compressionType: zstd needs a Node.js with zstd in node:zlib (22.15 or later; this is ${process.version}); use gzip, snappy or lz4`,
      );
    }
    const config: Record<string, string> = { ...parsed.config };
    // Scouter: direct or environment credentials only when the dict holds neither sasl key, and only both together.
    if (!('sasl.username' in config) && !('sasl.password' in config)) {
      if (parsed.username !== undefined && parsed.password !== undefined) {
        config['sasl.username'] = parsed.username;
        config['sasl.password'] = parsed.password;
        config['security.protocol'] ??= fromEnv('KAFKA_SECURITY_PROTOCOL', env) ?? 'SASL_SSL';
        config['sasl.mechanism'] ??= fromEnv('KAFKA_SASL_MECHANISM', env) ?? 'PLAIN';
      }
    }
    config['bootstrap.servers'] = parsed.brokers;
    config['compression.type'] = parsed.compressionType;
    config['message.timeout.ms'] = String(parsed.messageTimeoutMs);
    config['message.max.bytes'] = String(parsed.messageMaxBytes);

    this.brokers = parsed.brokers;
    this.topic = parsed.topic;
    this.compressionType = parsed.compressionType;
    this.messageTimeoutMs = parsed.messageTimeoutMs;
    this.messageMaxBytes = parsed.messageMaxBytes;
    this.maxRetries = parsed.maxRetries;
    this.connectTimeoutMs = parsed.connectTimeoutMs;
    this.protocol = parsed.protocol;
    this.securityProtocol = oneOf(
      KAFKA_SECURITY_PROTOCOLS,
      (config['security.protocol'] ?? 'PLAINTEXT').toUpperCase(),
      'config["security.protocol"]',
    );
    this.saslMechanism = oneOf(
      KAFKA_SASL_MECHANISMS,
      (config['sasl.mechanism'] ?? 'PLAIN').toUpperCase(),
      'config["sasl.mechanism"]',
    );
    this.username = config['sasl.username'];
    if (
      this.securityProtocol.startsWith('SASL_') &&
      (this.username === undefined || config['sasl.password'] === undefined)
    ) {
      throw new InvalidOptionsError(
        `KafkaConfig: security.protocol ${this.securityProtocol} needs a username and a password (options, KAFKA_USERNAME/KAFKA_PASSWORD, or config["sasl.username"]/["sasl.password"])`,
      );
    }
    this.sslCaLocation = config['ssl.ca.location'];
    this.clientId = config['client.id'] ?? 'scouter-ts';
    const acks = config.acks ?? '-1';
    const acksValue = acks === 'all' ? -1 : Number(acks);
    if (acksValue !== -1 && acksValue !== 0 && acksValue !== 1) {
      throw new InvalidOptionsError(
        `KafkaConfig: config["acks"]: must be -1, all, 0 or 1, got ${JSON.stringify(acks)}`,
      );
    }
    this.acks = acksValue;
    this.#config = Object.freeze(config);
  }

  /** The resolved librdkafka-style settings, like Python's `KafkaConfig.config` (`sasl.password` included). */
  get config(): Readonly<Record<string, string>> {
    return this.#config;
  }

  /** SASL password in force; kept out of every printed or serialised form of the config. */
  get password(): string | undefined {
    return this.#config['sasl.password'];
  }

  /** Brokers as a list of `host:port`. */
  get brokerList(): string[] {
    return this.brokers.split(',').map((broker) => broker.trim());
  }

  /** Printable form with the password masked. */
  toJSON(): Record<string, unknown> {
    const config = { ...this.#config };
    if ('sasl.password' in config) config['sasl.password'] = '***';
    return {
      transportType: this.transportType,
      brokers: this.brokers,
      topic: this.topic,
      compressionType: this.compressionType,
      messageTimeoutMs: this.messageTimeoutMs,
      messageMaxBytes: this.messageMaxBytes,
      maxRetries: this.maxRetries,
      connectTimeoutMs: this.connectTimeoutMs,
      protocol: this.protocol,
      config,
    };
  }

  /** `KafkaConfig { … }` with the password masked. */
  toString(): string {
    return `KafkaConfig ${JSON.stringify(this.toJSON())}`;
  }

  /** Keeps `console.log(config)` free of secrets. */
  [inspect.custom](): string {
    return this.toString();
  }
}
