/** Trains the iris model, registers its drift profile as the active version and saves both into `artifacts/`. */
import { fileURLToPath } from 'node:url';
import { runTrainingCli } from '@scouter-ts/example-express-inference/monitoring';

process.exitCode = await runTrainingCli(
  'iris-fastify',
  fileURLToPath(new URL('../artifacts', import.meta.url)),
);
