/** The examples' CI smoke checks (`pnpm --filter <example> smoke`), run as part of `pnpm test`. */
import { describe, expect, it } from 'vitest';
import { startInferenceService as startExpressService } from '../../examples/express-inference/src/app.js';
import { startInferenceService as startFastifyService } from '../../examples/fastify-inference/src/app.js';
import { runSmokeCheck } from '../../examples/express-inference/src/smoke-check.js';

describe('example smoke checks', () => {
  it.each([
    ['iris-express', startExpressService],
    ['iris-fastify', startFastifyService],
  ])('%s: trains, registers, serves and delivers every metric', async (name, start) => {
    const result = await runSmokeCheck(name, start);
    expect(result.failures).toEqual([]);
    expect(result.storedBins).toEqual({ accuracy: 3, petal_length: 3, sepal_width: 3, latency_ms: 3 });
  });
});
