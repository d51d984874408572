/** Shared parts of the server benchmarks: backends (SQLite file, private PostgreSQL), the real HTTP server, stats. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { formatTimestampMicros } from '@scouter-ts/core';
import { createServer, type CustomRecordRow } from '@scouter-ts/server';
// The benchmark reuses the test harness that starts a throw-away PostgreSQL (not part of the public API).
import { postgresUnavailableReason, startPostgres } from '../packages/server/src/testing/postgres.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database. */
  freshUri(): Promise<string>;
  stop(): Promise<void>;
}

/** Backends to run: `--sqlite` / `--postgres` pick one; default both (PostgreSQL skipped with a note if missing). */
export async function startBackends(argv: string[]): Promise<Backend[]> {
  const wantSqlite = !argv.includes('--postgres') || argv.includes('--sqlite');
  const wantPostgres = !argv.includes('--sqlite') || argv.includes('--postgres');
  const out: Backend[] = [];
  if (wantSqlite) {
    const dir = mkdtempSync(join(tmpdir(), 'scouter-bench-'));
    let n = 0;
    out.push({
      name: 'sqlite',
      freshUri: () => Promise.resolve(join(dir, `bench-${++n}.db`)),
      stop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  }
  if (wantPostgres) {
    const external = process.env.SCOUTER_BENCH_POSTGRES_URI;
    const reason = external ? null : postgresUnavailableReason();
    if (reason) {
      console.log(`PostgreSQL skipped: ${reason}`);
    } else if (external) {
      out.push({
        name: 'postgres',
        freshUri: () => Promise.resolve(external),
        stop: () => Promise.resolve(),
      });
    } else {
      const pg = await startPostgres();
      out.push({ name: 'postgres', freshUri: () => pg.createDatabase(), stop: () => pg.stop() });
    }
  }
  return out;
}

export interface HttpServer {
  app: FastifyInstance;
  baseUrl: string;
  authorization: string;
  close(): Promise<void>;
}

/** The real scouter-server on 127.0.0.1 (scheduler off, silent), logged in as admin. */
export async function startHttpServer(databaseUri: string): Promise<HttpServer> {
  const app = await createServer({ databaseUri, logLevel: 'silent', schedulerEnabled: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const res = await fetch(`${baseUrl}/scouter/auth/login`, {
    headers: { username: 'admin', password: 'admin' },
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { app, baseUrl, authorization: `Bearer ${token}`, close: () => app.close() };
}

export interface ChildServer {
  baseUrl: string;
  authorization: string;
  /** CPU time (user + system) the server process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

/** The real scouter-server in its own Node process (`bench/server-child.ts`), so the load generator does not share its event loop. */
export async function startChildServer(databaseUri: string): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      // e.g. SCOUTER_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server process
      ...(process.env.SCOUTER_BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean),
      fileURLToPath(new URL('./server-child.ts', import.meta.url)),
      databaseUri,
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`benchmark server exited with ${code}`));
  });
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      waiting.shift()?.resolve(line);
    }
  });
  const nextLine = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      waiting.push({ resolve, reject });
    });
  const { baseUrl, authorization } = JSON.parse(await nextLine()) as {
    baseUrl: string;
    authorization: string;
  };
  return {
    baseUrl,
    authorization,
    async cpuMicros() {
      const answer = nextLine();
      child.stdin.write('cpu\n');
      return (JSON.parse(await answer) as { cpuMicros: number }).cpuMicros;
    },
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The `ServerRecords` JSON body of `POST /scouter/message` for these rows. */
export function serverRecordsBody(rows: CustomRecordRow[]): string {
  return JSON.stringify({
    records: rows.map((r) => ({
      Custom: {
        created_at: formatTimestampMicros(r.createdAtMicros),
        space: r.space,
        name: r.name,
        version: r.version,
        metric: r.metric,
        value: r.value,
      },
    })),
  });
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** Prints rows as a Markdown table. */
export function printTable(header: string[], rows: Array<Array<string | number>>): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}
