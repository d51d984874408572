// `pnpm bench fuzz [--runs N] [--seed S]`: the benchmark-length fuzzing run (not CI): the fast-check suites of the
// server routes (packages/server/src/routes/fuzz.test.ts) and of core's constructors and loaders
// (packages/core/src/fuzz.test.ts) with N generated inputs per route / entry point (default 10000), printing the
// answers per route and status class. CI runs the same suites with FUZZ_RUNS=60/100 and the fixed seed 27.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string', default: '27' } },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url)),
    'run',
    'packages/server/src/routes/fuzz.test.ts',
    'packages/core/src/fuzz.test.ts',
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_RUNS: values.runs, FUZZ_SEED: values.seed },
  },
);
console.log(
  `fuzz: ${values.runs} runs per route and entry point, seed ${values.seed}, ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(result.status ?? 1);
