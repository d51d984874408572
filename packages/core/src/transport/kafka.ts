import type * as PlatformaticKafka from '@platformatic/kafka';
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { InvalidOptionsError } from '../errors.js';
import { BrokerTransport, type BrokerConnection, type BrokerDriver } from './broker.js';
import { KafkaConfig, type KafkaConfigOptions } from './kafka-config.js';
import { importOptional } from './optional-import.js';

type KafkaModule = typeof PlatformaticKafka;

/** How much longer the transport waits for a connection than the client does. */
const CONNECT_TIMEOUT_MARGIN_MS = 5_000;
/** Pause between the client's own attempts of one send (Scouter's producer retries without one). */
const CLIENT_RETRY_DELAY_MS = 250;

/** The errors of one failure, outermost first: `cause` chains and the members of aggregate errors. */
function errorChain(err: unknown, out: Error[] = [], depth = 0): Error[] {
  if (!(err instanceof Error) || depth > 8 || out.includes(err)) return out;
  out.push(err);
  if (err instanceof AggregateError) for (const inner of err.errors) errorChain(inner, out, depth + 1);
  errorChain(err.cause, out, depth + 1);
  return out;
}

/** True when the broker refused the SASL credentials somewhere in `err`'s chain. */
export function isKafkaAuthError(err: unknown): boolean {
  return errorChain(err).some((e) => (e as { code?: unknown }).code === 'PLT_KFK_AUTHENTICATION');
}

/** One line with what the client and the broker said, e.g. "Cannot connect to any broker: Connection to … failed". */
function describe(err: unknown): string {
  const messages = errorChain(err)
    .map((e) => {
      const response = (e as { response?: { errorMessage?: unknown } }).response;
      return typeof response?.errorMessage === 'string' && response.errorMessage !== ''
        ? `${e.message} (${response.errorMessage})`
        : e.message;
    })
    .filter((message, i, all) => message !== '' && all.indexOf(message) === i);
  return messages.length > 0 ? messages.join(': ') : String(err);
}

/** Re-throws a client failure with the whole chain in its message, keeping it as `cause`. */
function explained(err: unknown): Error {
  return new Error(describe(err), { cause: err });
}

async function tlsOptions(config: KafkaConfig): Promise<TlsOptions | undefined> {
  if (config.securityProtocol !== 'SSL' && config.securityProtocol !== 'SASL_SSL') return undefined;
  if (config.sslCaLocation === undefined) return {};
  try {
    return { ca: await readFile(config.sslCaLocation) };
  } catch (err) {
    throw new InvalidOptionsError(
      `KafkaConfig: config["ssl.ca.location"]: cannot read ${config.sslCaLocation}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The `BrokerDriver` of Kafka: one `@platformatic/kafka` producer, connected (and authenticated) when opened. */
export function kafkaDriver(config: KafkaConfig): BrokerDriver {
  return {
    kind: 'kafka',
    target: `${config.brokers} topic "${config.topic}"`,
    hint: 'check KAFKA_BROKERS, the topic, and KAFKA_USERNAME/KAFKA_PASSWORD/KAFKA_SECURITY_PROTOCOL if the cluster needs SASL',
    isAuthError: isKafkaAuthError,
    async open(): Promise<BrokerConnection> {
      const kafka = await importOptional<KafkaModule>(
        '@platformatic/kafka',
        'KafkaConfig (the Kafka transport)',
        () => import('@platformatic/kafka'),
      );
      const tls = await tlsOptions(config);
      const producer = new kafka.Producer({
        clientId: config.clientId,
        bootstrapBrokers: config.brokerList,
        serializers: kafka.stringSerializers,
        compression: config.compressionType,
        acks: config.acks,
        retries: config.maxRetries - 1,
        retryDelay: CLIENT_RETRY_DELAY_MS,
        connectTimeout: config.connectTimeoutMs,
        autocreateTopics: true,
        ...(tls === undefined ? {} : { tls }),
        ...(config.username === undefined
          ? {}
          : {
              sasl: {
                mechanism: config.saslMechanism,
                username: config.username,
                password: config.password ?? '',
              },
            }),
      });
      try {
        // Connects and authenticates now, so a wrong address or password shows up before any body is handed over.
        await producer.metadata({ topics: [config.topic], autocreateTopics: true });
      } catch (err) {
        await producer.close().catch(() => undefined);
        throw explained(err);
      }
      return {
        async send(body: string): Promise<void> {
          const bytes = Buffer.byteLength(body);
          if (bytes > config.messageMaxBytes) {
            throw new InvalidOptionsError(
              `A body of ${bytes} bytes is larger than KafkaConfig messageMaxBytes (${config.messageMaxBytes}): lower the queue's maxBytesPerSend or raise messageMaxBytes (and the broker's message.max.bytes)`,
            );
          }
          try {
            await producer.send({ messages: [{ topic: config.topic, value: body }] });
          } catch (err) {
            throw explained(err);
          }
        },
        async close(): Promise<void> {
          await producer.close().catch(() => undefined);
        },
      };
    },
  };
}

/**
 * Publishes the queue's bodies to Kafka as Scouter's producer does: one message per body on `config.topic`, the
 * body as the value byte for byte, no key, no headers, the batch compressed with `compressionType`. The queue owns
 * buffering and retries as for HTTP; a broker that cannot be reached, goes away or refuses the credentials rejects
 * retryably (so the records wait in the queue's bounded buffer), a missing `@platformatic/kafka` does not.
 */
export class KafkaTransport extends BrokerTransport {
  /** The resolved configuration. */
  readonly config: KafkaConfig;

  constructor(config: KafkaConfig | KafkaConfigOptions = {}) {
    const resolved = config instanceof KafkaConfig ? config : new KafkaConfig(config);
    super(kafkaDriver(resolved), {
      // Later than the client's own connect timeout, so its error (with the broker's reason) is the one reported.
      connectTimeoutMs: resolved.connectTimeoutMs + CONNECT_TIMEOUT_MARGIN_MS,
      publishTimeoutMs: resolved.messageTimeoutMs,
    });
    this.config = resolved;
  }
}
