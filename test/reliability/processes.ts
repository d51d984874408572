/**
 * Real processes for the fault matrix: `scouter-server` (packages/server/src/bin.ts) on SQLite, and the
 * service-child.ts inference service, each its own `node --import tsx` process on 127.0.0.1; plus bounded traffic
 * and a read of what the server stored.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { FlushResult, QueueStats } from '@scouter-ts/core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const binPath = fileURLToPath(new URL('../../packages/server/src/bin.ts', import.meta.url));
const servicePath = fileURLToPath(new URL('./service-child.ts', import.meta.url));

const children = new Set<ChildProcessWithoutNullStreams>();

/** Kills every child still running (afterAll). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
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

function spawnTsx(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Waits up to `timeoutMs` for `check` to return true, polling every `intervalMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A scouter-server process on a fixed port and SQLite file, so it can be stopped and started again. */
export interface ServerProcess {
  readonly port: number;
  /** The JSON log lines it printed so far (all runs). */
  readonly logs: Array<Record<string, unknown>>;
  start(): Promise<void>;
  /** Stops it (SIGTERM: graceful; SIGKILL: at once) and waits for the exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** `databaseUri`: an SQLite file or a `postgresql://` URI; `env` adds variables (e.g. SCOUTER_POLL_INTERVAL_MS). */
export async function serverProcess(
  databaseUri: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  let child: ChildProcessWithoutNullStreams | undefined;
  let stderr = '';
  let partial = '';
  const logs: Array<Record<string, unknown>> = [];
  const healthy = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/scouter/healthcheck`)).status === 200;
    } catch {
      return false;
    }
  };
  return {
    port,
    logs,
    async start() {
      if (child) throw new Error('server already running');
      child = spawnTsx(binPath, {
        SCOUTER_SERVER_PORT: String(port),
        SCOUTER_SERVER_HOST: '127.0.0.1',
        DATABASE_URI: databaseUri,
        LOG_LEVEL: 'warn',
        ...env,
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        const lines = (partial + c.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          try {
            logs.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // Console alert text, not a log line.
          }
        }
      });
      const started = child;
      await until(`scouter-server on ${port} (stderr: ${stderr})`, async () => {
        if (started.exitCode !== null)
          throw new Error(`scouter-server exited ${started.exitCode}: ${stderr}`);
        return healthy();
      });
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill(signal);
      await exited;
    },
  };
}

/** An inference service process. */
export interface ServiceProcess {
  readonly url: string;
  stats(): Promise<QueueStats>;
  /** SIGTERM, then the counters it printed after its final flush. */
  terminate(): Promise<{ final: QueueStats; shutdown: FlushResult }>;
  /** SIGKILL: nothing more is sent. */
  kill(): Promise<void>;
}

export async function serviceProcess(
  framework: 'express' | 'fastify',
  env: { profile: string; scouterUri: string; queueOptions: Record<string, unknown>; httpTimeoutMs?: number },
): Promise<ServiceProcess> {
  const child = spawnTsx(servicePath, {
    SERVICE_FRAMEWORK: framework,
    SERVICE_PROFILE: env.profile,
    SCOUTER_URI: env.scouterUri,
    SERVICE_QUEUE_OPTIONS: JSON.stringify(env.queueOptions),
    SERVICE_HTTP_TIMEOUT_MS: String(env.httpTimeoutMs ?? 2000),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const line = (key: string) =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => key in l);
  await until(`${framework} service to listen (stderr: ${stderr})`, () => {
    if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}: ${stderr}`);
    return line('listening') !== undefined;
  });
  const url = String(line('listening')?.listening);
  return {
    url,
    stats: async () => (await (await fetch(`${url}/__stats`)).json()) as QueueStats,
    async terminate() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      const final = line('final');
      if (code !== 0 || !final) throw new Error(`service did not exit cleanly (${code}): ${stderr}`);
      return final as unknown as { final: QueueStats; shutdown: FlushResult };
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Sends `POST /work {"seq": n}` for each n with `concurrency` requests at a time; returns the seqs answered 200
 * (a request the service refused or never answered is not counted: it inserted nothing). `onProgress` runs after
 * each answer with the number answered so far.
 */
export async function sendTraffic(
  url: string,
  seqs: number[],
  concurrency: number,
  onProgress?: (done: number) => void | Promise<void>,
): Promise<number[]> {
  const accepted: number[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < seqs.length) {
      const seq = seqs[next++] as number;
      try {
        const res = await fetch(`${url}/work`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ seq }),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status === 200) accepted.push(seq);
      } catch {
        // The service is gone (SIGTERM/SIGKILL rows): this request inserted nothing.
      }
      await onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted.sort((a, b) => a - b);
}

/** Every stored `seq` value in [from, to) as (value, rows): a value stored twice would show rows 2. */
export function storedSeqs(databaseFile: string, from: number, to: number): Map<number, number> {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        "SELECT value, COUNT(*) AS n FROM custom_drift WHERE metric = 'seq' AND value >= ? AND value < ? GROUP BY value",
      )
      .all(from, to) as Array<{ value: number; n: number }>;
    return new Map(rows.map((r) => [r.value, r.n]));
  } finally {
    db.close();
  }
}
