/**
 * Raw broker clients for the tests: what actually went over the wire, read without scouter-ts in between
 * (a Redis subscriber, an AMQP consumer, a Kafka consumer and the broker's log segments).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type Message } from '@platformatic/kafka';
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

/** One Kafka message as a consumer of the topic sees it. */
export interface KafkaMessage {
  readonly value: Buffer;
  /** Undefined for a message without a key (Scouter's producer sets none). */
  readonly key: Buffer | undefined;
  readonly headers: number;
  readonly partition: number;
}

/** Reads `count` messages of `topic` from the start, in a consumer group of its own (waits up to 20 s for them). */
export async function readKafka(brokers: string, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = new Consumer({
    clientId: 'scouter-ts-test-capture',
    groupId: `capture-${topic}-${Date.now()}`,
    bootstrapBrokers: [brokers],
    autocreateTopics: true,
  });
  const out: KafkaMessage[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const deadline = setTimeout(() => void stream.close(() => undefined), 20_000);
    for await (const message of stream as AsyncIterable<Message<Buffer, Buffer, Buffer, Buffer>>) {
      out.push({
        value: message.value,
        key: message.key === undefined || message.key === null ? undefined : message.key,
        headers: message.headers.size,
        partition: message.partition,
      });
      if (out.length >= count) break;
    }
    clearTimeout(deadline);
  } finally {
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
  return out;
}

const KAFKA_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * The compression codec of every record batch of `topic` on disk, read from the broker's log segments (test brokers
 * keep their data under `<tmpdir>/scouter-kafka-*`): `attributes & 7` of each batch header (KIP-98 format v2).
 */
export function kafkaBatchCodecs(topic: string): string[] {
  const codecs: string[] = [];
  for (const root of readdirSync(tmpdir()).filter((d) => d.startsWith('scouter-kafka-'))) {
    const data = join(tmpdir(), root, 'data');
    if (!existsSync(data)) continue;
    for (const dir of readdirSync(data).filter((d) => d.startsWith(`${topic}-`))) {
      for (const file of readdirSync(join(data, dir)).filter((f) => f.endsWith('.log'))) {
        const log = readFileSync(join(data, dir, file));
        for (let at = 0; at + 23 <= log.length;) {
          const length = log.readInt32BE(at + 8);
          codecs.push(KAFKA_CODECS[log.readInt16BE(at + 21) & 7] ?? 'unknown');
          at += 12 + length;
        }
      }
    }
  }
  return codecs;
}
