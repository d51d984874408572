// Instructions per request: what each variant of the benchmark server (bench/servers/adapter-app.ts, our packages
// from dist/) executes per `POST /predict`, counted by valgrind's callgrind, as a ratio to bare. Unlike req/s on a
// shared VM this does not depend on the machine's speed or on its neighbours; what still moves it is V8 compiling
// the framework's and node's code a little differently in each process (bare read 86.0k-86.3k in a dozen processes,
// our plugin 86.9k-87.6k): compare medians over a few processes, not single ones.
// It counts instructions, not time: `--cache-sim` adds callgrind's simulated L1/last-level cache misses, which explain
// most of the rest (bench/README.md). Read it beside bench/adapters.ts, not instead of it.
// Each server starts uninstrumented under callgrind, is warmed up (V8 compiles the hot path), then counted over
// --requests requests; the main thread is the headline (it serves the requests; its figure includes its share of GC),
// all threads are printed beside it (V8's background threads, and our delivery worker). Valgrind slows the server
// ~50 times, so work paced by time rather than by requests (the 1 s coalescing of request bodies, timers) weighs ~50
// times as much per request as it does natively: `scouter` against `scouter-null` overstates the delivery.
// Run: `pnpm bench instructions [--framework express|fastify] [--variants a,b] [--processes N] [--cache-sim]` from
// the repository root, after `pnpm build`; needs valgrind (`apt-get install valgrind`). About a minute per process.
// BENCH_CALLGRIND_KEEP=dir keeps each process's dumps in dir/<framework>-<variant>-<n>/ for callgrind_annotate.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLoopbackSink } from '../packages/core/src/capture/testing/loopback-sink.js';
import {
  driveRequests,
  median,
  whole,
  saveBenchProfile,
  startServer,
  type Server,
  type Stats,
} from './adapter-servers.js';

const { values: args } = parseArgs({
  options: {
    framework: { type: 'string' },
    variants: { type: 'string', default: 'register-empty,scouter-null-noinsert,scouter-null,scouter' },
    processes: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '4' },
    'cache-sim': { type: 'boolean', default: false },
  },
});
const processes = whole('processes', args.processes, 1);
const warmup = whole('warmup', args.warmup, 1000);
const requests = whole('requests', args.requests, 100);
const connections = whole('connections', args.connections, 1);
if (args.framework !== undefined && args.framework !== 'express' && args.framework !== 'fastify')
  throw new Error(`--framework must be express or fastify, not "${args.framework}"`);
const frameworks: Array<'express' | 'fastify'> = args.framework ? [args.framework] : ['express', 'fastify'];
const variants = ['bare', ...(args.variants ?? '').split(',').filter((v) => v && v !== 'bare')];
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  throw new Error(
    'valgrind is not installed: apt-get install valgrind (bench/instructions.ts counts with callgrind)',
  );
}

const cacheSim = args['cache-sim'] === true;

interface Count {
  /** Instructions of the main thread. */
  main: number;
  /** Instructions of all threads. */
  all: number;
  /** With --cache-sim, the main thread's simulated misses: L1 data, last-level (data and instructions), L1 instructions. */
  d1: number;
  ll: number;
  i1: number;
}

/** Sums the `summary:`/`totals:` lines of the dump files callgrind wrote for dump number `dump`, per thread. */
function readDump(dir: string, dump: number): Count {
  const count: Count = { main: 0, all: 0, d1: 0, ll: 0, i1: 0 };
  for (const file of readdirSync(dir)) {
    const match = /^cg\.out\.(\d+)-(\d+)$/.exec(file);
    if (match === null || Number(match[1]) !== dump) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    const events = /^events:\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
    const totals = /^(?:summary|totals):\s+([\d ]+)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
    if (totals === undefined || events[0] !== 'Ir') throw new Error(`no instruction total in ${file}`);
    const event = (...names: string[]) =>
      names.reduce((sum, name) => sum + (totals[events.indexOf(name)] ?? 0), 0);
    count.all += event('Ir');
    if (Number(match[2]) !== 1) continue;
    count.main += event('Ir');
    count.d1 += event('D1mr', 'D1mw');
    count.ll += event('DLmr', 'DLmw', 'ILmr');
    count.i1 += event('I1mr');
  }
  if (count.main === 0) throw new Error(`callgrind wrote no dump ${dump} for the main thread in ${dir}`);
  return count;
}

const drive = (server: Server, amount: number): Promise<number> => driveRequests(server, connections, amount);

/** Instructions per request of one fresh server process of `variant`. */
async function countOne(
  framework: string,
  variant: string,
  sinkUrl: string,
  profile: string,
  n: number,
): Promise<Count & { errors: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'scouter-callgrind-'));
  const control = (...flags: string[]) =>
    execFileSync('callgrind_control', [...flags, String(server.child.pid)], { stdio: 'ignore' });
  const server = await startServer(framework, variant, sinkUrl, profile, [], {}, [
    'valgrind',
    '--tool=callgrind',
    '--quiet',
    '--instr-atstart=no',
    '--separate-threads=yes',
    ...(cacheSim ? ['--cache-sim=yes'] : []),
    `--callgrind-out-file=${join(dir, 'cg.out')}`,
  ]);
  try {
    let errors = await drive(server, warmup);
    control('--instr=on');
    // Instrumenting retranslates every code block: let that settle before counting.
    errors += await drive(server, Math.min(warmup, 2000));
    control('--zero');
    const before = await server.ask<Stats>('stats', 'stats');
    errors += await drive(server, requests);
    const after = await server.ask<Stats>('stats', 'stats');
    control('--dump');
    const served = after.served - before.served;
    const count = readDump(dir, 1);
    return {
      main: count.main / served,
      all: count.all / served,
      d1: count.d1 / served,
      ll: count.ll / served,
      i1: count.i1 / served,
      errors,
    };
  } finally {
    server.child.kill('SIGKILL');
    const keep = process.env.BENCH_CALLGRIND_KEEP;
    if (keep) cpSync(dir, join(keep, `${framework}-${variant}-${n}`), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchFramework(framework: 'express' | 'fastify'): Promise<void> {
  const { profileDir, profilePath } = saveBenchProfile(framework);
  const sink = await startLoopbackSink({ keepRecords: false });
  const counts = new Map<string, Array<Count & { errors: number }>>(variants.map((v) => [v, []]));
  try {
    for (let p = 0; p < processes; p++) {
      // One process at a time, the order rotating, so no variant is always the first or last to run.
      const order = variants.map((_, i) => variants[(i + p) % variants.length] as string);
      for (const variant of order) {
        const count = await countOne(framework, variant, sink.url, profilePath, p + 1);
        counts.get(variant)?.push(count);
        console.error(
          `${framework}/${variant}: ${Math.round(count.main)} main-thread instructions per request`,
        );
      }
    }
  } finally {
    await sink.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
  const bare = counts.get('bare') ?? [];
  const bareMain = median(bare.map((c) => c.main));
  const bareAll = median(bare.map((c) => c.all));
  console.log(
    `\n### ${framework} (${processes} processes per variant, ${requests} requests counted after ${warmup})\n`,
  );
  const misses = (list: Count[], key: 'd1' | 'll' | 'i1') => {
    const value = median(list.map((c) => c[key]));
    const delta = value - median(bare.map((c) => c[key]));
    return `${value.toFixed(0)} (${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(0)})`;
  };
  console.log(
    `| variant | main thread: instructions per request, median (each process) | Δ vs bare | ratio to bare | all threads, median | Δ vs bare | errors |${cacheSim ? ' L1 data misses (Δ) | L1 instruction misses (Δ) | last-level misses (Δ) |' : ''}`,
  );
  console.log(`|---|---|---|---|---|---|---|${cacheSim ? '---|---|---|' : ''}`);
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  for (const [variant, list] of counts) {
    const main = median(list.map((c) => c.main));
    const all = median(list.map((c) => c.all));
    const signed = (n: number) => `${n >= 0 ? '+' : '−'}${k(Math.abs(n))}`;
    console.log(
      `| ${variant} | ${k(main)} (${list.map((c) => k(c.main)).join(', ')}) | ${variant === 'bare' ? '' : signed(main - bareMain)} | ${(main / bareMain).toFixed(4)} | ${k(all)} | ${variant === 'bare' ? '' : signed(all - bareAll)} | ${list.reduce((n, c) => n + c.errors, 0)} |${cacheSim ? ` ${misses(list, 'd1')} | ${misses(list, 'i1')} | ${misses(list, 'll')} |` : ''}`,
    );
  }
}

console.log(
  `# Instructions per request under callgrind (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${execFileSync('valgrind', ['--version']).toString().trim()})`,
);
for (const framework of frameworks) await benchFramework(framework);
