/**
 * The Express inference service: `POST /predict` classifies a flower and, through `req.scouter`, records the
 * request's metric values (`latency_ms` is added by the middleware because the profile declares it).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { scouter } from '@scouter-ts/express';
import express, { type Express } from 'express';
import type { IrisModel } from './model.js';
import { PROFILE_ALIAS } from './monitoring.js';
import { handlePredict } from './predict.js';
import type { InferenceServiceOptions, RunningService } from './service.js';

/** The app and its monitoring middleware (whose `close()` flushes and shuts the queue down). */
export function createInferenceApp(model: IrisModel, monitoring: ReturnType<typeof scouter>): Express {
  const app = express();
  app.use(express.json());
  app.use(monitoring);
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/predict', (req, res) => {
    const outcome = handlePredict(model, req.body);
    if (outcome.metrics !== null) req.scouter.insert(PROFILE_ALIAS, outcome.metrics);
    res.status(outcome.status).json(outcome.body);
  });
  return app;
}

/** Starts the service on `options.port` (default: a free port) and returns its URL and lifecycle. */
export async function startInferenceService(options: InferenceServiceOptions): Promise<RunningService> {
  const monitoring = scouter({
    profiles: { [PROFILE_ALIAS]: options.profilePath },
    ...(options.transport !== undefined ? { transport: options.transport } : {}),
    ...options.queueOptions,
    handleSignals: options.handleSignals ?? false,
    // Health probes are not predictions: no latency sample for them.
    shouldRecord: (req) => req.path !== '/healthz',
  });
  const app = createInferenceApp(options.model, monitoring);
  const server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closing: ReturnType<RunningService['close']> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    flush: async () => (await monitoring.ready()).flush(),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        return monitoring.close();
      })()),
  };
}
