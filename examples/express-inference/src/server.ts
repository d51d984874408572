/**
 * Serves the model trained by `pnpm train` on `PORT` (default 3000) and `HOST` (default 127.0.0.1), sending
 * metrics to the Scouter server named by `SCOUTER_SERVER_URI`. Ctrl+C flushes the queue before exiting.
 */
import { fileURLToPath } from 'node:url';
import { startInferenceService } from './app.js';
import { runServiceCli } from './service.js';

await runServiceCli(
  'iris-express',
  startInferenceService,
  fileURLToPath(new URL('../artifacts', import.meta.url)),
  3000,
);
