/** CI smoke check of this example (see smoke-check.ts); exit code 0 when every metric reached the server. */
import { startInferenceService } from './app.js';
import { runSmokeCli } from './smoke-check.js';

process.exitCode = await runSmokeCli('iris-express', startInferenceService);
