/**
 * RabbitMQ consumer, like Scouter v0.13's (`crates/scouter_events/src/consumer/rabbitmq/consumer.rs`): declares the
 * queue non-durable (lapin's defaults, as the producers do), `consumerCount` channels each with `basic.qos
 * prefetchCount`, and acks a message only after its records are stored. A message that cannot be stored now (storage
 * down) is requeued a second later; one that will never be valid is rejected without requeue (Scouter leaves it
 * unacked). The connection is re-opened with backoff (amqplib's recovery) when the broker goes away; unacked messages
 * are redelivered and the idempotent insert stores them once.
 */
import { importOptional, maskUrl } from '@scouter-ts/core';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type * as Amqplib from 'amqplib';
import type { ConsumerStarter } from './index.js';

const REQUEUE_DELAY_MS = 1000;

/** Starts the RabbitMQ consumer when `config.rabbitmq` is set. */
export const startRabbitMQConsumer: ConsumerStarter = async (config, makeSink, logger) => {
  if (config.rabbitmq === undefined) return undefined;
  const options = config.rabbitmq;
  const amqp = await importOptional<typeof Amqplib>(
    'amqplib',
    'The RabbitMQ consumer (RABBITMQ_ADDR)',
    () => import('amqplib'),
  );
  const sink = makeSink('rabbitmq');
  const where = `${maskUrl(options.address)} queue "${options.queue}"`;
  const log = logger.child({ consumer: 'rabbitmq' });
  const inFlight = new Set<Promise<void>>();
  const channels = new Set<Channel>();
  let stopped = false;

  const handle = (channel: Channel, message: ConsumeMessage): void => {
    const settle = (action: () => void): void => {
      try {
        action();
      } catch {
        // The channel closed meanwhile: the broker redelivers the message.
      }
    };
    const work = sink.ingest(message.content).then(
      (outcome) =>
        settle(() =>
          outcome.status === 'stored' ? channel.ack(message) : channel.nack(message, false, false),
        ),
      () =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            settle(() => channel.nack(message, false, true));
            resolve();
          }, REQUEUE_DELAY_MS).unref();
        }),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const model = await amqp.connect(options.address, {
    recovery: {
      waitForConnect: false,
      maxDelay: 10_000,
      setup: async (connection: ChannelModel) => {
        channels.clear();
        for (let i = 0; i < options.consumerCount; i++) {
          const channel = await connection.createChannel();
          channel.on('error', (err: Error) => log.error({ err, where }, 'RabbitMQ consumer channel failed'));
          await channel.prefetch(options.prefetchCount);
          await channel.assertQueue(options.queue, { durable: false, exclusive: false, autoDelete: false });
          await channel.consume(
            options.queue,
            (message: ConsumeMessage | null) => {
              if (message !== null) handle(channel, message);
            },
            { consumerTag: `${options.consumerTag}-${i}`, noAck: false },
          );
          channels.add(channel);
        }
      },
    },
  });
  let failing = false;
  model.on('connect', () => {
    log.info({ where }, failing ? 'RabbitMQ consumer reconnected' : 'RabbitMQ consumer started');
    failing = false;
    markReady();
  });
  const onTrouble = (err: Error) => {
    if (stopped || failing) return;
    failing = true;
    log.error(
      { err, where },
      'RabbitMQ consumer cannot reach the broker; reconnecting (check RABBITMQ_ADDR)',
    );
  };
  model.on('connect-failed', onTrouble);
  model.on('disconnect', onTrouble);
  model.on('error', (err: Error) => log.debug({ err, where }, 'RabbitMQ connection error'));

  let stopping: Promise<void> | undefined;
  return {
    kind: 'rabbitmq',
    sink,
    ready,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        await Promise.all(
          [...channels].map((channel, i) =>
            Promise.resolve()
              .then(() => channel.cancel(`${options.consumerTag}-${i}`))
              .catch(() => undefined),
          ),
        );
        await Promise.all(inFlight);
        await model.close().catch(() => undefined);
        markReady();
      })()),
  };
};
