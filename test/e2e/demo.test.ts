/**
 * `pnpm demo` (the README's main command) as a child process: it must exit 0 within a minute, show the drifted
 * window, the alerts and the Slack message, and remove its temporary directory.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const root = fileURLToPath(new URL('../../', import.meta.url));

it('pnpm demo exits 0 in under a minute, shows drift, alerts and the Slack message, and leaves nothing behind', async () => {
  const started = Date.now();
  const { stdout } = await run(process.execPath, [tsxCli, 'scripts/demo.ts'], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(stdout).toContain('drift check: every metric in band, no alert');
  expect(stdout).toMatch(/ BELOW +[\d.]+ ABOVE +[\d.]+ in band +[\d.]+ in band/);
  expect(stdout).toContain('alerts raised: 2');
  expect(stdout).toContain('"channel":"ml-alerts"');
  expect(stdout).toContain(
    'The petal_length metric value has fallen outside the threshold (initial value ± 1)',
  );
  expect(stdout).toContain('demo: OK');
  const dir = /SQLite (\S+)\/scouter\.db/.exec(stdout)?.[1];
  expect(dir).toMatch(/scouter-demo-/);
  expect(existsSync(dir as string)).toBe(false);
}, 90_000);
