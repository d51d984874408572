/** CI smoke check of this example (shared with the Express example); exit code 0 when every metric arrived. */
import { runSmokeCli } from '@scouter-ts/example-express-inference/smoke-check';
import { startInferenceService } from './app.js';

process.exitCode = await runSmokeCli('iris-fastify', startInferenceService);
