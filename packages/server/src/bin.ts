#!/usr/bin/env node
/** `scouter-server`: configured like Scouter's server (env vars, overridable by flags); graceful on SIGTERM/SIGINT. */
import { performance } from 'node:perf_hooks';
import { startServer } from './app.js';
import { configFromEnv } from './config.js';

async function main(): Promise<void> {
  const started = performance.now();
  const app = await startServer(configFromEnv(process.env, process.argv.slice(2)));
  const { config, storage } = app.scouterServer;
  app.log.info(
    { port: config.port, storage: storage.kind, startupMs: Math.round(performance.now() - started) },
    'scouter-server started',
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests and drift jobs');
    app.close().then(
      () => {
        app.log.info('scouter-server stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `scouter-server failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
