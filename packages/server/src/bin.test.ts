import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { profileJson, profileRequest, record } from './testing/fixtures.js';
import { tempDir } from './testing/harness.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const binPath = fileURLToPath(new URL('./bin.ts', import.meta.url));

interface Running {
  child: ChildProcessWithoutNullStreams;
  lines: Array<Record<string, unknown>>;
  base: string;
  exited: Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const children: ChildProcessWithoutNullStreams[] = [];

function waitForLine(run: Running, msg: string, timeoutMs = 45_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${msg}" log line; got ${JSON.stringify(run.lines)}`)),
      timeoutMs,
    );
    const check = () => {
      const found = run.lines.find((l) => l.msg === msg);
      if (found) {
        clearTimeout(timer);
        run.child.stdout.off('data', check);
        resolve(found);
      }
    };
    run.child.stdout.on('data', check);
    check();
  });
}

async function startBin(env: Record<string, string>, args: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', binPath, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const run: Running = { child, lines, base: '', exited };
  const started = await Promise.race([
    waitForLine(run, 'scouter-server started'),
    exited.then((code) => {
      throw new Error(`scouter-server exited with ${code}: ${stderr}`);
    }),
  ]);
  run.base = `http://127.0.0.1:${String(started.port)}`;
  return run;
}

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('scouter-server command', () => {
  const dirs = tempDir();
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(() => dirs.cleanup());

  it('reads Scouter env vars and flags, exits 0 on SIGTERM after in-flight requests, and keeps data across restarts', async () => {
    const port = await freePort();
    const env = {
      DATABASE_URI: join(dirs.dir, 'scouter.db'),
      SCOUTER_SERVER_PORT: '1',
      SCOUTER_DEFAULT_USERNAME: 'boss',
      SCOUTER_DEFAULT_PASSWORD: 'hunter2',
    };
    const first = await startBin(env, ['--port', String(port), '--host', '127.0.0.1']);
    const started = first.lines.find((l) => l.msg === 'scouter-server started')!;
    expect(started).toMatchObject({ port, storage: 'sqlite' });
    expect(typeof started.startupMs).toBe('number');

    let res = await call(first.base, 'GET', '/scouter/auth/login', { username: 'boss', password: 'hunter2' });
    expect(res.status).toBe(200);
    const auth = { authorization: `Bearer ${(res.json as { token: string }).token}` };
    res = await call(
      first.base,
      'POST',
      '/scouter/profile',
      auth,
      profileRequest(profileJson({ version: '2.0.0' })),
    );
    expect(res.json).toMatchObject({ version: '2.0.0' });

    const now = new Date().toISOString();
    const payload = JSON.stringify({ records: [record(now, 'mae', 4.25, { version: '2.0.0' })] });
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${first.base}/scouter/message`, {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(payload.slice(0, 10));
      setTimeout(() => {
        first.child.kill('SIGTERM');
        void waitForLine(first, 'shutting down: finishing requests and drift jobs').then(() =>
          req.end(payload.slice(10)),
        );
      }, 500);
    });
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(JSON.parse(finished.body)).toEqual({
      status: 'success',
      message: 'Message queued for processing',
    });
    expect(await first.exited).toBe(0);
    expect(first.lines.map((l) => l.msg)).toContain('scouter-server stopped');

    const second = await startBin({
      ...env,
      SCOUTER_SERVER_PORT: String(port),
      SCOUTER_DEFAULT_PASSWORD: 'changed',
    });
    res = await call(second.base, 'GET', '/scouter/auth/login', { username: 'boss', password: 'hunter2' });
    expect(res.status).toBe(200);
    const auth2 = { authorization: `Bearer ${(res.json as { token: string }).token}` };
    res = await call(
      second.base,
      'GET',
      '/scouter/profile?name=model&space=scouter&version=2.0.0&drift_type=Custom',
      auth2,
    );
    expect(res).toEqual({ status: 200, json: { Custom: profileJson({ version: '2.0.0' }) } });
    res = await call(
      second.base,
      'GET',
      '/scouter/drift/custom?space=scouter&name=model&version=2.0.0&time_interval=OneHour&max_data_points=1&drift_type=Custom',
      auth2,
    );
    expect(
      (res.json as { metrics: Record<string, { stats: Array<{ avg: number }> }> }).metrics.mae!.stats[0]!.avg,
    ).toBe(4.25);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('fails fast with a clear message on a bad setting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', binPath], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URI: join(dirs.dir, 'bad.db'),
        SCOUTER_GUEST_ACCESS: 'sometimes',
      },
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/guestAccess/);
  });
});
