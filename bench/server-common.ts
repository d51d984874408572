/** Shared parts of the server benchmarks: backends (SQLite file, private PostgreSQL), the real HTTP server, stats. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTimestampMicros } from '@scouter-ts/core';
import type { CustomRecordRow } from '@scouter-ts/server';
import { againstRef, prepareBaseline, TREE_ROOT } from './baseline.js';
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

export interface ChildServer {
  baseUrl: string;
  authorization: string;
  /** The class chain of the child's storage (e.g. `SqliteStorage < SqlStorage`): which code it runs. */
  layer: string;
  /** CPU time (user + system) the server process has used so far, in µs. */
  cpuMicros(): Promise<number>;
  /** One command of `bench/server-child.ts` and its answer. */
  send<T>(command: object): Promise<T>;
  close(): Promise<void>;
}

/**
 * The real scouter-server in its own Node process (`bench/server-child.ts`), so the load generator does not share its
 * event loop; `root` picks the tree whose server it runs (default this one, or a baseline of `--against`).
 */
export async function startChildServer(databaseUri: string, root = TREE_ROOT): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      // e.g. SCOUTER_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server process
      ...(process.env.SCOUTER_BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean),
      fileURLToPath(new URL('./server-child.ts', import.meta.url)),
      root,
      databaseUri,
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
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
  const send = async <T>(command: object): Promise<T> => {
    const answer = nextLine();
    child.stdin.write(`${JSON.stringify(command)}\n`);
    return JSON.parse(await answer) as T;
  };
  const { baseUrl, authorization, layer } = JSON.parse(await nextLine()) as {
    baseUrl: string;
    authorization: string;
    layer: string;
  };
  return {
    baseUrl,
    authorization,
    layer,
    send,
    async cpuMicros() {
      return (await send<{ cpuMicros: number }>({ op: 'cpu' })).cpuMicros;
    },
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `--against <git ref>` of a server benchmark: for each backend, this tree's server (`head`) and the ref's (`base`)
 * in child processes, each on a database of its own, handed to `compare`. Returns the ref, or null when the option is
 * absent (then nothing runs).
 */
export async function compareAgainstRef(
  argv: string[],
  compare: (backend: Backend, head: ChildServer, base: ChildServer, ref: string) => Promise<void>,
): Promise<string | null> {
  const ref = againstRef(argv);
  if (!ref) return null;
  const baselineRoot = prepareBaseline(ref);
  const backends = await startBackends(argv);
  try {
    for (const backend of backends) {
      const head = await startChildServer(await backend.freshUri());
      const base = await startChildServer(await backend.freshUri(), baselineRoot);
      try {
        console.log(`${backend.name}: this tree runs ${head.layer}; ${ref} runs ${base.layer}`);
        await compare(backend, head, base, ref);
      } finally {
        await head.close();
        await base.close();
      }
    }
  } finally {
    for (const b of backends) await b.stop();
  }
  return ref;
}

/** Pair by pair, `ours[i] / theirs[i]`. */
export function ratios(ours: number[], theirs: number[]): number[] {
  return ours.map((x, i) => x / theirs[i]!);
}

/** `**median** (min–max)` of `xs`, for a table cell. */
export function spread(xs: number[]): string {
  return `**${fmt(quantile(xs, 0.5))}** (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
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
