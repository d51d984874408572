/**
 * The Redis and RabbitMQ transports of @scouter-ts/core against the real brokers of this run: the exact bytes on the
 * wire, and every failure (nothing listening, refused credentials, no subscriber) reported as a retryable ScouterError
 * that names the broker, the address and the fix, with the next publish recovering on its own.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  RabbitMQConfig,
  RabbitMQTransport,
  RedisConfig,
  RedisTransport,
  ScouterErrorCode,
  type ScouterError,
} from '@scouter-ts/core';
import { waitFor } from '../e2e/harness.js';
import { freePort } from './broker-process.js';
import { brokerUrl } from './brokers.js';
import { captureRedis, drainRabbitMQ } from './capture.js';
import { REDIS_TEST_USER } from './redis.js';

const body = (value: number) =>
  `{"records":[{"Custom":{"created_at":"2025-11-24T16:33:58.123456Z","space":"s","name":"n","version":"1.0.0","metric":"mae","value":${value}}}]}`;

async function rejection(promise: Promise<unknown>): Promise<ScouterError> {
  try {
    await promise;
  } catch (err) {
    return err as ScouterError;
  }
  throw new Error('expected the publish to fail');
}

const redisUrl = brokerUrl('redis');
const rabbitUrl = brokerUrl('rabbitmq');

describe.skipIf(redisUrl === null)('RedisTransport', () => {
  const url = redisUrl as string;

  it('PUBLISHes each body byte for byte on the channel', async () => {
    const channel = `t-${randomUUID()}`;
    const capture = await captureRedis(url, channel);
    const transport = new RedisTransport(new RedisConfig({ address: url, channel }));
    try {
      await transport.publish(body(1.5));
      await transport.publish(body(2));
      await waitFor('two messages', async () => capture.messages.length === 2);
      expect(capture.messages.map((m) => m.toString('utf8'))).toEqual([body(1.5), body(2)]);
    } finally {
      await transport.close();
      await capture.close();
    }
  });

  it('a publish no subscriber received is a retryable failure, and succeeds once one subscribes', async () => {
    const channel = `t-${randomUUID()}`;
    const transport = new RedisTransport({ address: url, channel });
    try {
      const err = await rejection(transport.publish(body(1)));
      expect(err.code).toBe(ScouterErrorCode.Network);
      expect(err.retryable).toBe(true);
      expect(err.message).toContain(`No subscriber on Redis ${url} channel "${channel}"`);
      const capture = await captureRedis(url, channel);
      await transport.publish(body(1));
      await waitFor('the message', async () => capture.messages.length === 1);
      await capture.close();
    } finally {
      await transport.close();
    }
  });

  it('requireSubscriber: false publishes into the void, as Scouter does', async () => {
    const transport = new RedisTransport({
      address: url,
      channel: `t-${randomUUID()}`,
      requireSubscriber: false,
    });
    await expect(transport.publish(body(1))).resolves.toBeUndefined();
    await transport.close();
  });

  it('nothing listening: a retryable network error naming the address and REDIS_ADDR', async () => {
    const port = await freePort();
    const transport = new RedisTransport({ address: `redis://127.0.0.1:${port}`, connectTimeoutMs: 2000 });
    const err = await rejection(transport.publish(body(1)));
    expect(err.code).toBe(ScouterErrorCode.Network);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      new RegExp(
        `Could not connect to redis at redis://127\\.0\\.0\\.1:${port} .*ECONNREFUSED.*check REDIS_ADDR`,
      ),
    );
    await transport.close();
  });

  it('a wrong password: a retryable ERR_AUTH error with the password masked; the right one then works', async () => {
    const { username, password } = REDIS_TEST_USER;
    const host = new URL(url).host;
    const channel = `t-${randomUUID()}`;
    const wrong = new RedisTransport({ address: `redis://${username}:wrong-password@${host}`, channel });
    const err = await rejection(wrong.publish(body(1)));
    expect(err.code).toBe(ScouterErrorCode.Auth);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`redis at redis://${username}:***@${host}`);
    expect(err.message).not.toContain('wrong-password');
    await wrong.close();
    const capture = await captureRedis(url, channel);
    const right = new RedisTransport({ address: `redis://${username}:${password}@${host}`, channel });
    await right.publish(body(3));
    await waitFor('the message', async () => capture.messages.length === 1);
    await right.close();
    await capture.close();
  });
});

describe.skipIf(rabbitUrl === null)('RabbitMQTransport', () => {
  const url = rabbitUrl as string;

  it("publishes each body byte for byte to the queue through the default exchange, with Scouter's queue declaration", async () => {
    const queue = `t-${randomUUID()}`;
    const transport = new RabbitMQTransport(new RabbitMQConfig({ address: url, queue }));
    try {
      await transport.publish(body(1.5));
      await transport.publish(body(2));
    } finally {
      await transport.close();
    }
    const messages = await drainRabbitMQ(url, queue);
    expect(messages.map((m) => m.content.toString('utf8'))).toEqual([body(1.5), body(2)]);
    expect(messages.map((m) => [m.exchange, m.routingKey])).toEqual([
      ['', queue],
      ['', queue],
    ]);
  });

  it('nothing listening: a retryable network error naming the address and RABBITMQ_ADDR', async () => {
    const port = await freePort();
    const transport = new RabbitMQTransport({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
    const err = await rejection(transport.publish(body(1)));
    expect(err.code).toBe(ScouterErrorCode.Network);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      new RegExp(
        `Could not connect to rabbitmq at amqp://127\\.0\\.0\\.1:${port}/%2f queue "scouter_monitoring": .*ECONNREFUSED.*check RABBITMQ_ADDR`,
      ),
    );
    await transport.close();
  });

  it('a wrong password: a retryable ERR_AUTH error with the password masked', async () => {
    const { port } = new URL(url);
    const transport = new RabbitMQTransport({
      host: '127.0.0.1',
      port: Number(port),
      username: 'guest',
      password: 'wrong-password',
    });
    const err = await rejection(transport.publish(body(1)));
    expect(err.code).toBe(ScouterErrorCode.Auth);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`rabbitmq at amqp://guest:***@127.0.0.1:${port}/%2f`);
    expect(err.message).toMatch(/ACCESS_REFUSED/);
    expect(err.message).not.toContain('wrong-password');
    await transport.close();
  });
});
