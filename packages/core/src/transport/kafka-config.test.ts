import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { createTransport } from './create.js';
import { KafkaConfig } from './kafka-config.js';
import { KafkaTransport } from './kafka.js';

describe('KafkaConfig', () => {
  it("has Scouter v0.13's defaults and resolved config keys", () => {
    const config = new KafkaConfig({}, {});
    expect(config.toJSON()).toStrictEqual({
      transportType: 'Kafka',
      brokers: 'localhost:9092',
      topic: 'scouter_monitoring',
      compressionType: 'gzip',
      messageTimeoutMs: 600_000,
      messageMaxBytes: 2_097_164,
      maxRetries: 3,
      connectTimeoutMs: 10_000,
      protocol: 'v0.13',
      // What Python's KafkaConfig().config holds with no credentials.
      config: {
        'bootstrap.servers': 'localhost:9092',
        'compression.type': 'gzip',
        'message.timeout.ms': '600000',
        'message.max.bytes': '2097164',
      },
    });
    expect(config.securityProtocol).toBe('PLAINTEXT');
    expect(config.username).toBeUndefined();
    expect(config.acks).toBe(-1);
  });

  it('reads the environment as Scouter does: SCOUTER_KAFKA_TOPIC before KAFKA_TOPIC, KAFKA_KEY/KAFKA_SECRET as fallbacks', () => {
    const env = {
      KAFKA_BROKERS: '10.0.0.1:9092,10.0.0.2:9093',
      SCOUTER_KAFKA_TOPIC: 'scouter_topic',
      KAFKA_TOPIC: 'other',
      KAFKA_KEY: 'key-user',
      KAFKA_SECRET: 'key-secret',
    };
    const config = new KafkaConfig({}, env);
    expect(config.brokerList).toStrictEqual(['10.0.0.1:9092', '10.0.0.2:9093']);
    expect(config.topic).toBe('scouter_topic');
    expect(config.username).toBe('key-user');
    expect(config.password).toBe('key-secret');
    expect(config.securityProtocol).toBe('SASL_SSL');
    expect(config.saslMechanism).toBe('PLAIN');
    expect(new KafkaConfig({}, { KAFKA_TOPIC: 'plain_topic' }).topic).toBe('plain_topic');
    expect(new KafkaConfig({ topic: 'arg', brokers: 'h:1' }, env).topic).toBe('arg');
  });

  it('uses KAFKA_USERNAME/KAFKA_PASSWORD first and KAFKA_SECURITY_PROTOCOL/KAFKA_SASL_MECHANISM when credentials are set', () => {
    const config = new KafkaConfig(
      {},
      {
        KAFKA_USERNAME: 'u',
        KAFKA_KEY: 'k',
        KAFKA_PASSWORD: 'p',
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      },
    );
    expect(config.config).toMatchObject({
      'sasl.username': 'u',
      'sasl.password': 'p',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-512',
    });
  });

  it('needs both username and password for SASL, and lets config sasl.* keys win over them (Scouter)', () => {
    expect(new KafkaConfig({ username: 'only-user' }, {}).securityProtocol).toBe('PLAINTEXT');
    const config = new KafkaConfig(
      {
        username: 'ignored',
        password: 'ignored',
        config: { 'sasl.username': 'cfg', 'sasl.password': 'cfg-pw', 'security.protocol': 'SASL_PLAINTEXT' },
      },
      {},
    );
    expect(config.username).toBe('cfg');
    expect(config.password).toBe('cfg-pw');
  });

  it('always overwrites bootstrap.servers, compression.type, message.timeout.ms and message.max.bytes', () => {
    const config = new KafkaConfig(
      { brokers: 'a:1', config: { 'bootstrap.servers': 'b:2', 'compression.type': 'lz4' } },
      {},
    );
    expect(config.config['bootstrap.servers']).toBe('a:1');
    expect(config.config['compression.type']).toBe('gzip');
  });

  it('never prints the password', () => {
    const config = new KafkaConfig({ username: 'u', password: 'hunter2' }, {});
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(String(config)).not.toContain('hunter2');
    expect(inspect(config)).not.toContain('hunter2');
    expect(config.password).toBe('hunter2');
  });

  it.each([
    [{ brokers: 'no-port' }, /brokers: expected comma-separated host:port/],
    [{ brokers: 'h:99999' }, /brokers/],
    [{ topic: 'bad topic' }, /topic: expected a Kafka topic name/],
    [{ compressionType: 'brotli' }, /compressionType: must be one of none, gzip, snappy, lz4, zstd/],
    [{ config: { 'linger.ms': '5' } }, /unsupported key\(s\) "linger.ms"; this client honours only/],
    [{ config: { 'security.protocol': 'SASL_SSL' } }, /needs a username and a password/],
    [{ config: { 'security.protocol': 'TLS' } }, /must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
    [{ config: { acks: '2' } }, /acks.*must be -1, all, 0 or 1/],
    [{ maxRetries: 0 }, /maxRetries: must be >= 1/],
  ])('rejects %j with a message naming the field', (options, message) => {
    expect(() => new KafkaConfig(options as never, {})).toThrow(InvalidOptionsError);
    expect(() => new KafkaConfig(options as never, {})).toThrow(message);
  });

  it('is built into a KafkaTransport by createTransport, without loading the client', async () => {
    const transport = createTransport(new KafkaConfig({ brokers: '127.0.0.1:1' }, {}));
    expect(transport).toBeInstanceOf(KafkaTransport);
    expect(transport.kind).toBe('kafka');
    await transport.close();
  });
});
