/** Trains the iris model, registers its drift profile as the active version and saves both into `artifacts/`. */
import { fileURLToPath } from 'node:url';
import { runTrainingCli } from './monitoring.js';

process.exitCode = await runTrainingCli(
  'iris-express',
  fileURLToPath(new URL('../artifacts', import.meta.url)),
);
