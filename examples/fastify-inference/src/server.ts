/**
 * Serves the model trained by `pnpm train` on `PORT` (default 3001) and `HOST` (default 127.0.0.1), sending
 * metrics to the Scouter server named by `SCOUTER_SERVER_URI`. Ctrl+C flushes the queue before exiting.
 */
import { fileURLToPath } from 'node:url';
import { loadArtifacts } from '@scouter-ts/example-express-inference/monitoring';
import { startInferenceService } from './app.js';

const { model, profilePath } = await loadArtifacts(fileURLToPath(new URL('../artifacts', import.meta.url)));
const service = await startInferenceService({
  model,
  profilePath,
  port: Number(process.env.PORT ?? 3001),
  host: process.env.HOST ?? '127.0.0.1',
  handleSignals: true,
});
console.log(`iris-fastify listening on ${service.url} (POST /predict, GET /healthz); Ctrl+C to stop`);
