/**
 * Serves the model trained by `pnpm train` on `PORT` (default 3001) and `HOST` (default 127.0.0.1), sending
 * metrics to the Scouter server named by `SCOUTER_SERVER_URI`. Ctrl+C flushes the queue before exiting.
 */
import { fileURLToPath } from 'node:url';
import { runServiceCli } from '@scouter-ts/example-express-inference/service';
import { startInferenceService } from './app.js';

await runServiceCli(
  'iris-fastify',
  startInferenceService,
  fileURLToPath(new URL('../artifacts', import.meta.url)),
  3001,
);
