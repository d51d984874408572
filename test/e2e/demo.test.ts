/**
 * `pnpm demo` (the README's main command) as a child process: it must exit 0 within a minute, show the drifted
 * window, the alerts and the Slack message, and remove its temporary directory; with `--keep` it serves the dashboard
 * on the demo's data until SIGINT.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { once } from 'node:events';
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
  expect(stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/ +\(sign in as admin \/ admin/);
  const dir = /SQLite (\S+)\/scouter\.db/.exec(stdout)?.[1];
  expect(dir).toMatch(/scouter-demo-/);
  expect(existsSync(dir as string)).toBe(false);
}, 90_000);

it('pnpm demo --keep prints the dashboard URL, keeps the server up on the demo data until SIGINT, then cleans up', async () => {
  const child = spawn(process.execPath, [tsxCli, 'scripts/demo.ts', '--keep'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const kill = setTimeout(() => child.kill('SIGKILL'), 75_000);
  try {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('press Ctrl+C to stop')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`demo --keep exited (${code}) before keeping: ${stdout}`)));
    });
    expect(stdout).toContain('demo: OK');
    const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\/ /.exec(stdout)?.[1];
    expect(url).toBeDefined();
    const login = await fetch(`${url}/scouter/auth/login`, {
      headers: { username: 'admin', password: 'admin' },
    });
    const { token } = (await login.json()) as { token: string };
    const listed = await fetch(`${url}/scouter/ts/profiles`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { profiles } = (await listed.json()) as { profiles: Array<{ space: string; name: string }> };
    expect(profiles.map((p) => `${p.space}/${p.name}`)).toEqual(['demo/iris-express']);
    if (existsSync(fileURLToPath(new URL('../../packages/server/public/index.html', import.meta.url)))) {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    }
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    const dir = /SQLite (\S+)\/scouter\.db/.exec(stdout)?.[1];
    expect(dir).toMatch(/scouter-demo-/);
    expect(existsSync(dir as string)).toBe(false);
    await expect(fetch(`${url}/scouter/healthcheck`)).rejects.toThrow();
  } finally {
    clearTimeout(kill);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 90_000);
