// Public API of @scouter-ts/server: an explicit export list.

// --- storage (storage/) ---
export type * from './storage/types.js';
export { createStorage } from './storage/create-storage.js';
export { SqliteStorage, type SqliteStorageOptions } from './storage/sqlite.js';
export { PostgresStorage, type PostgresStorageOptions } from './storage/postgres.js';

// --- app (app.ts, routes/, auth/, drift/, dispatch/) ---
export { createServer, startServer, type ScouterServer, type ScouterServerHandle } from './app.js';
export {
  configFromEnv,
  parseServerOptions,
  serverOptionsSchema,
  DEFAULT_SECRET,
  GuestAccess,
  type ServerOptions,
  type ServerConfig,
} from './config.js';
export { DriftScheduler, type JobResult } from './drift/scheduler.js';
export { Dispatcher } from './dispatch/dispatcher.js';
export { HttpError } from './errors.js';

// --- broker consumers (consumers/) ---
export { startConsumers, type BrokerConsumer, type Consumers } from './consumers/index.js';
export {
  RecordSink,
  MAX_MESSAGE_BYTES,
  type ConsumerStats,
  type IngestOutcome,
} from './consumers/record-sink.js';
export {
  redisConsumerOptionsSchema,
  rabbitmqConsumerOptionsSchema,
  type RedisConsumerOptions,
  type RabbitMQConsumerOptions,
} from './consumers/options.js';
