/**
 * Raw broker clients for the tests: what actually went over the wire, read without scouter-ts in between
 * (a Redis subscriber, an AMQP consumer).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { Redis } from 'ioredis';

/** Collects every message published on a Redis channel while open. */
export interface RedisCapture {
  readonly messages: Buffer[];
  close(): Promise<void>;
}

/** Subscribes to `channel` (resolves once subscribed). */
export async function captureRedis(url: string, channel: string): Promise<RedisCapture> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const messages: Buffer[] = [];
  client.on('messageBuffer', (_channel: Buffer, message: Buffer) => messages.push(message));
  await client.connect();
  await client.subscribe(channel);
  return {
    messages,
    close: async () => {
      client.disconnect();
      await sleep(0);
    },
  };
}

/** One message as it sits in a RabbitMQ queue. */
export interface AmqpMessage {
  readonly content: Buffer;
  readonly properties: amqp.MessageProperties;
  readonly exchange: string;
  readonly routingKey: string;
}

/** Takes (and acks) every message waiting in `queue` now, declaring it as Scouter does. */
export async function drainRabbitMQ(url: string, queue: string): Promise<AmqpMessage[]> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: false, exclusive: false, autoDelete: false });
    const out: AmqpMessage[] = [];
    for (let i = 0; i < 100_000; i++) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      out.push({
        content: message.content,
        properties: message.properties,
        exchange: message.fields.exchange,
        routingKey: message.fields.routingKey,
      });
    }
    return out;
  } finally {
    await connection.close();
  }
}
