/**
 * CI runs the examples' `smoke` scripts through `pnpm test`: each one is started here exactly as
 * `pnpm --filter <example> smoke` would (its package.json command, in its directory), as a child process.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

describe('example smoke scripts', () => {
  it.each(['express-inference', 'fastify-inference'])(
    '%s: `pnpm smoke` trains, registers, serves, delivers every metric and exits 0',
    async (example) => {
      const dir = fileURLToPath(new URL(`../../examples/${example}/`, import.meta.url));
      const { scripts } = JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as {
        scripts: { smoke: string };
      };
      expect(scripts.smoke).toBe('tsx src/smoke.ts');
      const { stdout } = await run(process.execPath, [tsxCli, 'src/smoke.ts'], {
        cwd: dir,
        timeout: 90_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      const name = example === 'express-inference' ? 'iris-express' : 'iris-fastify';
      expect(stdout).toContain(
        `stored values per metric {"accuracy":3,"petal_length":3,"sepal_width":3,"latency_ms":3}`,
      );
      expect(stdout).toContain(`${name} smoke: OK`);
    },
    120_000,
  );
});
