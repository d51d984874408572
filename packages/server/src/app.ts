/** `createServer` / `startServer`: the Fastify app of scouter-server, wired to storage, auth, drift jobs, dispatch. */
import { createRequire } from 'node:module';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AuthService, seedDefaultUsers } from './auth/service.js';
import type { UserPermissions } from './auth/permissions.js';
import { parseServerOptions } from './config.js';
import { startConsumers } from './consumers/index.js';
import type { Consumers } from './consumers/index.js';
import type { ServerConfig, ServerOptions } from './config.js';
import type { ServerContext } from './context.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { DriftScheduler } from './drift/scheduler.js';
import { HttpError } from './errors.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerAlertRoutesV025 } from './routes/alerts-v025.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerDriftRoutes } from './routes/drift.js';
import { registerProfileRoutes } from './routes/profile.js';
import { registerRecordRoutes } from './routes/records.js';
import { parseDatabaseUri } from './storage/database-uri.js';
import type { Storage } from './storage/types.js';

/** What `createServer` exposes on the Fastify instance as `app.scouterServer` (tests, embedding). */
export interface ScouterServerHandle {
  config: ServerConfig;
  storage: Storage;
  scheduler: DriftScheduler;
  dispatcher: Dispatcher;
  /** The broker consumers, started on `ready` when the config enables any (`redis`, `rabbitmq`); else undefined. */
  consumers: Consumers | undefined;
}

/** The Fastify instance `createServer` returns, with `scouterServer` (storage, `scheduler.runDueJobs()`, `dispatcher.sweep()`). */
export type ScouterServer = FastifyInstance & { scouterServer: ScouterServerHandle };

declare module 'fastify' {
  interface FastifyRequest {
    scouterUser: UserPermissions | null;
  }
}

function clientError(err: FastifyError, bodyLimit: number): HttpError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, `Request body is larger than the limit of ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'Expected request with `Content-Type: application/json`');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'Failed to parse the request body as JSON: the body is empty');
    default:
      break;
  }
  const status = err.statusCode ?? 500;
  if (status === 400 && (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
    return new HttpError(400, `Failed to parse the request body as JSON: ${err.message}`);
  }
  if (status >= 400 && status < 500) return new HttpError(status, err.message);
  return null;
}

type CompilerFactory = (...args: unknown[]) => unknown;

/**
 * Fastify's default compiler factory `name` (`@fastify/ajv-compiler`, `@fastify/fast-json-stringify-compiler`),
 * required on first use: Fastify loads both at construction, a good part of start-up, and our routes have no JSON
 * schemas, so they are only loaded if an embedder adds a route with one.
 */
function lazyCompilerFactory(name: string): CompilerFactory {
  let factory: CompilerFactory | undefined;
  return (...args) => {
    if (factory === undefined) {
      const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
      factory = (fromFastify(name) as () => CompilerFactory)();
    }
    return factory(...args);
  };
}

/**
 * With the lazy factories Fastify takes its compilers for custom ones, which changes how it compiles a `headers`
 * schema; mark them as Fastify's own again so an embedder's schema routes behave exactly as with the defaults.
 */
function markDefaultCompilers(app: FastifyInstance): void {
  const key = Object.getOwnPropertySymbols(app).find((s) => s.description === 'fastify.schemaController');
  const controller = key && (app as unknown as Record<symbol, Record<string, unknown> | undefined>)[key];
  if (controller && 'isCustomValidatorCompiler' in controller) {
    controller.isCustomValidatorCompiler = false;
    controller.isCustomSerializerCompiler = false;
  }
}

/**
 * Internal (exported for its test): `createStorage(databaseUri)`, loading only the driver the URI needs (`pg` and
 * `better-sqlite3` are large imports). Both read the URI with `parseDatabaseUri`.
 */
export async function openStorage(databaseUri: string): Promise<Storage> {
  const target = parseDatabaseUri(databaseUri);
  if (target.kind === 'postgres') {
    const { PostgresStorage } = await import('./storage/postgres.js');
    return new PostgresStorage({ connectionString: target.connectionString });
  }
  const { SqliteStorage } = await import('./storage/sqlite.js');
  return new SqliteStorage({ filename: target.filename });
}

/**
 * Builds the server (not listening): opens and migrates storage, seeds Scouter's default users into an empty user
 * table, registers the routes, and runs drift jobs, alert dispatch and retention from `onReady` until `close()`.
 */
export async function createServer(options: ServerOptions = {}): Promise<ScouterServer> {
  const config = parseServerOptions(options);
  const ownsStorage = config.storage === undefined;
  const storage = config.storage ?? (await openStorage(config.databaseUri));
  try {
    await storage.init();
    await seedDefaultUsers(storage, config);
  } catch (err) {
    if (ownsStorage) await storage.close().catch(() => undefined);
    throw err;
  }

  const app = Fastify({
    ...(config.logger ? { loggerInstance: config.logger } : { logger: { level: config.logLevel } }),
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    schemaController: {
      compilersFactory: {
        buildValidator: lazyCompilerFactory('@fastify/ajv-compiler') as never,
        buildSerializer: lazyCompilerFactory('@fastify/fast-json-stringify-compiler') as never,
      },
    },
  });
  markDefaultCompilers(app);
  app.removeContentTypeParser('text/plain');

  const auth = new AuthService(storage, config);
  const dispatcher = new Dispatcher(storage, config, app.log);
  const scheduler = new DriftScheduler(storage, dispatcher, config, app.log);
  const ctx: ServerContext = {
    config,
    storage,
    auth,
    dispatcher,
    scheduler,
    protect: async (request, reply) => {
      request.scouterUser = await auth.authenticate(request, reply);
    },
  };
  const handle: ScouterServerHandle = { config, storage, scheduler, dispatcher, consumers: undefined };
  app.decorate('scouterServer', handle);
  app.decorateRequest('scouterUser', null);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = err instanceof HttpError ? err : clientError(err, config.bodyLimitBytes);
    if (known) return reply.code(known.status).send(known.body);
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'Internal server error' });
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    done();
  });

  const knownPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    knownPaths.add(route.url);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (knownPaths.has(path)) {
      return reply.code(405).send({ error: `Method ${request.method} is not allowed on ${path}` });
    }
    return reply.code(404).send({ error: `Route ${request.method} ${path} not found` });
  });

  registerAuthRoutes(app, ctx);
  registerProfileRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  registerDriftRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerAlertRoutesV025(app, ctx);
  registerDashboardRoutes(app, ctx);

  app.addHook('onReady', () => {
    if (config.schedulerEnabled) {
      scheduler.start();
      dispatcher.start();
    }
  });
  app.addHook('onReady', async () => {
    handle.consumers = await startConsumers(config, storage, app.log);
  });
  app.addHook('onClose', async () => {
    await handle.consumers?.stop();
    await Promise.all([scheduler.stop(), dispatcher.stop()]);
    if (ownsStorage) await storage.close();
  });
  const instance: FastifyInstance = app;
  return instance as ScouterServer;
}

/** `createServer` plus `listen` on `port`/`host`. */
export async function startServer(options: ServerOptions = {}): Promise<ScouterServer> {
  const app = await createServer(options);
  const { port, host } = app.scouterServer.config;
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}
