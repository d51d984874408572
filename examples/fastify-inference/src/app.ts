/**
 * The Fastify inference service: `POST /predict` classifies a flower and, through `request.scouter`, records the
 * request's metric values (`latency_ms` is added by the plugin because the profile declares it). The model,
 * metrics and profile come from the Express example's shared modules; only the framework glue lives here.
 */
import type { IrisModel } from '@scouter-ts/example-express-inference/model';
import { PROFILE_ALIAS } from '@scouter-ts/example-express-inference/monitoring';
import { handlePredict } from '@scouter-ts/example-express-inference/predict';
import type { InferenceServiceOptions, RunningService } from '@scouter-ts/example-express-inference/service';
import { type ScouterFastifyOptions, scouterPlugin } from '@scouter-ts/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/** Builds the app (not listening); `app.close()` runs the plugin's final flush. */
export async function createInferenceApp(
  model: IrisModel,
  monitoring: ScouterFastifyOptions,
): Promise<FastifyInstance> {
  const app = Fastify({ forceCloseConnections: 'idle' });
  await app.register(scouterPlugin, monitoring);
  app.get('/healthz', () => ({ ok: true }));
  app.post('/predict', (request, reply) => {
    const outcome = handlePredict(model, request.body);
    if (outcome.metrics !== null) request.scouter.insert(PROFILE_ALIAS, outcome.metrics);
    return reply.code(outcome.status).send(outcome.body);
  });
  return app;
}

/** Starts the service on `options.port` (default: a free port) and returns its URL and lifecycle. */
export async function startInferenceService(options: InferenceServiceOptions): Promise<RunningService> {
  const app = await createInferenceApp(options.model, {
    profiles: { [PROFILE_ALIAS]: options.profilePath },
    ...(options.transport !== undefined ? { transport: options.transport } : {}),
    ...options.queueOptions,
    handleSignals: options.handleSignals ?? false,
    // Health probes are not predictions: no latency sample for them.
    shouldRecord: (request) => request.url !== '/healthz',
  });
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  let closing: ReturnType<RunningService['close']> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    flush: () => app.scouter.flush(),
    close: () =>
      (closing ??= (async () => {
        await app.close();
        // The plugin's onClose already shut the queue down; shutdown() is idempotent and returns that result.
        return app.scouter.shutdown();
      })()),
  };
}
