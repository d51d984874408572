import type * as Amqplib from 'amqplib';
import { BrokerTransport, maskUrl, type BrokerConnection, type BrokerDriver } from './broker.js';
import { importOptional } from './optional-import.js';
import { RabbitMQConfig, type RabbitMQConfigOptions } from './rabbitmq-config.js';

/** True when RabbitMQ refused the login (`ACCESS_REFUSED`, reply code 403). */
export function isRabbitMQAuthError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /ACCESS[-_]REFUSED|\b403\b/.test(message);
}

/**
 * The `BrokerDriver` of RabbitMQ: one `amqplib` connection and confirm channel per open; the queue is declared with
 * Scouter's options (non-durable, not exclusive, no auto-delete), so both sides' declarations agree.
 */
export function rabbitmqDriver(config: RabbitMQConfig): BrokerDriver {
  return {
    kind: 'rabbitmq',
    target: `${maskUrl(config.address)} queue "${config.queue}"`,
    hint: 'check RABBITMQ_ADDR (or RABBITMQ_HOST/PORT/USERNAME/PASSWORD) and that RabbitMQ is running',
    isAuthError: isRabbitMQAuthError,
    async open(onLost): Promise<BrokerConnection> {
      const amqp = await importOptional<typeof Amqplib>(
        'amqplib',
        'RabbitMQConfig (the RabbitMQ transport)',
        () => import('amqplib'),
      );
      const connection = await amqp.connect(config.address, { timeout: config.connectTimeoutMs });
      // Failures reach the caller as rejections; the listeners keep amqplib from throwing them as unhandled events.
      connection.on('error', () => undefined);
      connection.on('close', (err?: Error) => onLost(err));
      try {
        const channel = await connection.createConfirmChannel();
        channel.on('error', () => undefined);
        channel.on('close', () => onLost(undefined));
        await channel.assertQueue(config.queue, { durable: false, exclusive: false, autoDelete: false });
        return {
          send: (body) =>
            new Promise<void>((resolve, reject) => {
              channel.sendToQueue(config.queue, Buffer.from(body), {}, (err: unknown) =>
                err
                  ? reject(err instanceof Error ? err : new Error('the broker refused (nacked) the message'))
                  : resolve(),
              );
            }),
          async close() {
            await connection.close().catch(() => undefined);
          },
        };
      } catch (err) {
        await connection.close().catch(() => undefined);
        throw err;
      }
    },
  };
}

/** Publishes the queue's bodies to a RabbitMQ queue (publisher confirms), like Scouter's RabbitMQ producer. */
export class RabbitMQTransport extends BrokerTransport {
  /** The configuration in use. */
  readonly config: RabbitMQConfig;

  constructor(config: RabbitMQConfig | RabbitMQConfigOptions = {}) {
    const resolved = config instanceof RabbitMQConfig ? config : new RabbitMQConfig(config);
    super(rabbitmqDriver(resolved), resolved);
    this.config = resolved;
  }
}
