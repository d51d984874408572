/**
 * Start-up time of the built `scouter-server` bin (time from spawn to the first successful `GET /scouter/healthcheck`)
 * next to a bare `node -e` HTTP server started and polled the same way, interleaved in the same run:
 * bare | bin on an empty SQLite file | bin on that (now existing) file | bare … The bin's figures are reported as the
 * difference to and the ratio against the mean of the two bare starts around them. Next to the wall time, the CPU time
 * (user + system, from /proc/<pid>/stat, 10 ms ticks) the process used until that first answer: steadier on a busy
 * machine.
 *
 *   pnpm --filter @scouter-ts/server build && pnpm tsx bench/server-startup.ts [--rounds=8] [--bin=path/to/bin.js]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, printTable, quantile } from './server-common.js';

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};
const ROUNDS = arg('rounds', 8);
const POLL_MS = 2;
const GIVE_UP_MS = 20_000;
const BIN =
  process.argv.find((a) => a.startsWith('--bin='))?.slice(6) ??
  fileURLToPath(new URL('../packages/server/dist/bin.js', import.meta.url));

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One GET of the health check; true on a 200 answer. */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/scouter/healthcheck', agent: false, timeout: 1000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** CPU time (user + system) a process has used so far, in ms; NaN where /proc is missing. */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
const TICKS_PER_SECOND = 100;

interface Startup {
  wallMs: number;
  cpuMs: number;
}

/** Spawns `args`, polls the health check every POLL_MS until it answers 200, stops the process. */
async function startup(args: string[], port: number, env: NodeJS.ProcessEnv): Promise<Startup> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const status: { exitCode: number | null } = { exitCode: null };
  child.once('exit', (code) => (status.exitCode = code ?? -1));
  try {
    while (!(await healthy(port))) {
      if (status.exitCode !== null) {
        throw new Error(`${args.join(' ')} exited with ${status.exitCode}: ${stderr}`);
      }
      if (Number(process.hrtime.bigint() - t0) / 1e6 > GIVE_UP_MS)
        throw new Error('no healthy answer in time');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: cpuMs(child.pid) };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

const BARE = `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{"alive":true}'); }).listen(Number(process.env.PORT), '127.0.0.1');`;

async function main(): Promise<void> {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: run pnpm --filter @scouter-ts/server build first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'scouter-startup-'));
  try {
    const bare = async () => {
      const port = await freePort();
      return startup(['-e', BARE], port, { ...process.env, PORT: String(port) });
    };
    const bin = async (database: string) => {
      const port = await freePort();
      return startup([BIN], port, {
        ...process.env,
        SCOUTER_SERVER_PORT: String(port),
        SCOUTER_SERVER_HOST: '127.0.0.1',
        DATABASE_URI: database,
        LOG_LEVEL: 'error',
      });
    };
    // Warm-up (file cache, JIT of this process), not counted.
    await bare();
    await bin(join(dir, 'warmup.db'));
    const bareRuns: Startup[] = [await bare()];
    const fresh: Startup[] = [];
    const existing: Startup[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const database = join(dir, `round-${r}.db`);
      fresh.push(await bin(database));
      existing.push(await bin(database));
      bareRuns.push(await bare());
    }
    const around = (r: number, key: keyof Startup) => (bareRuns[r]![key] + bareRuns[r + 1]![key]) / 2;
    const range = (xs: number[], digits: number) =>
      `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
    const row = (name: string, runs: Startup[], paired: boolean) => {
      const wall = runs.map((s) => s.wallMs);
      const cpu = runs.map((s) => s.cpuMs);
      const diff = paired ? runs.map((s, r) => s.wallMs - around(r, 'wallMs')) : [];
      const ratio = paired ? runs.map((s, r) => s.wallMs / around(r, 'wallMs')) : [];
      const cpuDiff = paired ? runs.map((s, r) => s.cpuMs - around(r, 'cpuMs')) : [];
      return [
        name,
        fmt(quantile(wall, 0.5), 0),
        range(wall, 0),
        paired ? `+${fmt(quantile(diff, 0.5), 0)}` : '-',
        paired ? fmt(quantile(ratio, 0.5)) : '-',
        paired ? range(ratio, 2) : '-',
        fmt(quantile(cpu, 0.5), 0),
        paired ? `+${fmt(quantile(cpuDiff, 0.5), 0)}` : '-',
      ];
    };
    console.log(
      `\nStart-up: spawn to first 200 from GET /scouter/healthcheck (polled every ${POLL_MS} ms), ${ROUNDS} rounds of` +
        ' bin (empty SQLite file) | bin (same file again) | bare; differences and ratios against the mean of the' +
        ` two bare starts around them. Node ${process.version}.\n`,
    );
    printTable(
      [
        'variant',
        'wall ms (median)',
        'wall min–max',
        'wall ms over bare',
        'wall ratio to bare',
        'ratio min–max',
        'CPU ms (median)',
        'CPU ms over bare',
      ],
      [
        row('bare `node -e` http server', bareRuns, false),
        row('scouter-server bin, empty SQLite', fresh, true),
        row('scouter-server bin, existing SQLite', existing, true),
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
