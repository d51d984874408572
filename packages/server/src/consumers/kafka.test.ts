import { describe, expect, it } from 'vitest';
import { configFromEnv, parseServerOptions } from '../config.js';

describe('Kafka consumer settings from the environment (Scouter v0.13 KafkaSettings)', () => {
  it('is off without KAFKA_BROKERS', () => {
    expect(parseServerOptions(configFromEnv({}, [])).kafka).toBeUndefined();
  });

  it("has Scouter's defaults once KAFKA_BROKERS is set", () => {
    // toEqual: the unset optional fields are present as undefined.
    expect(parseServerOptions(configFromEnv({ KAFKA_BROKERS: 'k1:9092' }, [])).kafka).toEqual({
      brokers: 'k1:9092',
      topics: ['scouter_monitoring'],
      groupId: 'scouter',
      workerCount: 3,
      offsetReset: 'earliest',
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'PLAIN',
    });
  });

  it('reads every KAFKA_* variable; KAFKA_TOPIC is a comma-separated list', () => {
    const env = {
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      KAFKA_TOPIC: 'a,b',
      KAFKA_GROUP: 'g',
      KAFKA_WORKER_COUNT: '5',
      KAFKA_OFFSET_RESET: 'latest',
      KAFKA_USERNAME: 'u',
      KAFKA_PASSWORD: 'p',
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_CERT_LOCATION: '/etc/ca.pem',
      // The producers' topic variable; Scouter's server does not read it, nor do we.
      SCOUTER_KAFKA_TOPIC: 'ignored',
    };
    expect(parseServerOptions(configFromEnv(env, [])).kafka).toStrictEqual({
      brokers: 'k1:9092,k2:9092',
      topics: ['a', 'b'],
      groupId: 'g',
      workerCount: 5,
      offsetReset: 'latest',
      username: 'u',
      password: 'p',
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanism: 'SCRAM-SHA-256',
      certLocation: '/etc/ca.pem',
    });
  });

  it('names the variable that is wrong', () => {
    expect(() =>
      parseServerOptions(configFromEnv({ KAFKA_BROKERS: 'k:1', KAFKA_WORKER_COUNT: 'many' }, [])),
    ).toThrow(/KAFKA_WORKER_COUNT/);
    expect(() =>
      parseServerOptions(configFromEnv({ KAFKA_BROKERS: 'k:1', KAFKA_OFFSET_RESET: 'middle' }, [])),
    ).toThrow(/kafka\.offsetReset: must be 'earliest' or 'latest'/);
  });
});
