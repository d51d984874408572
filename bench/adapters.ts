// Adapter overhead benchmark: Express and Fastify, bare vs. with @scouter-ts (two metrics per request, HTTP transport
// to a loopback sink) vs. reference points (express-prom-bundle / fastify-metrics, OpenTelemetry http + framework
// spans with batched OTLP export). Method: bench/README.md — one warm server
// process per variant pinned to CPU 0, autocannon in this process pinned to CPU 1, blocks interleaved as
// bare | v1 | bare | v2 | bare … in rotating order; each variant block is compared with the mean of its two bare
// neighbours. `--pairing concurrent` instead loads the bare server and one variant at the same time (both on CPU 0,
// sharing it; which starts first alternates per round): a slow moment of the VM then hits both sides of a pair.
// Before each measured block the variant server (concurrent: both) gets `--prewarm` seconds (default 0.5) of
// unmeasured load: a server that sat idle since its last block started measurably slower than the always-busy bare one.
// Run: `pnpm build && pnpm bench adapters [--quick] [--rounds N] [--duration S] [--connections N]
// [--framework express|fastify] [--pairing sequential|concurrent] [--generations N]
// [--baseline bare|emitter|register-empty]
// [--variants scouter,prom,otel,control,hook,scouter-als,scouter-main,scouter-null,scouter-mock,work-2]`
// from the repository root.
// `work-<µs>` adds that much computation per request: a calibration of what the method can resolve. `control` is a
// second, identical baseline server (bare unless `--baseline` says otherwise; `plain` is bare in any case): its ratio shows the bias and noise of the method on this machine. `hook` is the floor of the adapters' design: an empty Fastify onResponse hook / an Express middleware
// listening for the response's `close`, which is what "hand the values over when the response finishes" costs.
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLoopbackSink } from '../packages/core/src/capture/testing/loopback-sink.js';
import {
  hasTaskset,
  median,
  predictLoad,
  saveBenchProfile,
  startServer,
  type Server,
  type Stats,
} from './adapter-servers.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '10' },
    framework: { type: 'string' },
    variants: { type: 'string', default: 'scouter,prom,otel,control' },
    pairing: { type: 'string', default: 'sequential' },
    prewarm: { type: 'string' },
    generations: { type: 'string', default: '1' },
    baseline: { type: 'string', default: 'bare' },
  },
});
const quick = args.quick ?? false;
if (args.pairing !== 'sequential' && args.pairing !== 'concurrent')
  throw new Error(`--pairing must be sequential or concurrent, not "${String(args.pairing)}"`);
const pairing: 'sequential' | 'concurrent' = args.pairing;
const rounds = Number(args.rounds ?? (quick ? 2 : 4));
const duration = Number(args.duration ?? (quick ? 1 : 2));
const warmup = Number(args.warmup ?? (quick ? 1 : 3));
const connections = Number(args.connections);
const frameworks = (args.framework ? [args.framework] : ['express', 'fastify']) as Array<
  'express' | 'fastify'
>;
const variants = (args.variants ?? '').split(',').filter(Boolean);
/** Seconds of unmeasured load before each measured block. */
const prewarm = Number(args.prewarm ?? 0.5);
/**
 * What the baseline server (called `bare` in the code) and the `control` twin run: `bare` by default; e.g.
 * `emitter` (events emitted at startup) or `register-empty` (a Fastify plugin registered): the state real apps are in.
 */
const baseline = args.baseline ?? 'bare';
const generations = Number(args.generations);
if (!Number.isInteger(generations) || generations < 1)
  throw new Error(`--generations must be a whole number >= 1, not "${String(args.generations)}"`);
if (!(prewarm >= 0))
  throw new Error(`--prewarm must be a number of seconds >= 0, not "${String(args.prewarm)}"`);

type Sink = Awaited<ReturnType<typeof startLoopbackSink>>;
interface Block {
  variant: string;
  rps: number;
  cpuPerReq: number;
  /** Main-thread GC pauses per request, µs: scavenges and mark-compacts. */
  minorGcPerReq: number;
  majorGcPerReq: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(server: Server, seconds: number): Promise<Block> {
  const before = await server.ask<Stats>('gc-stats', 'stats');
  const result = await predictLoad(server, connections, { duration: seconds });
  const after = await server.ask<Stats>('stats', 'stats');
  const served = after.served - before.served;
  return {
    variant: server.variant,
    rps: result.requests.average,
    cpuPerReq: (after.cpuMicros - before.cpuMicros) / Math.max(1, served),
    minorGcPerReq: ((after.gcMinorMs - before.gcMinorMs) * 1000) / Math.max(1, served),
    majorGcPerReq: ((after.gcMajorMs - before.gcMajorMs) * 1000) / Math.max(1, served),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** Share of one CPU the load generator (this process) used during concurrent blocks: near 1 would mean it limits. */
const loaderBusy: number[] = [];

/**
 * A concurrent block: the bare server and a variant loaded at the same time, both on CPU 0, so the scheduler splits
 * that CPU between them and a slow or fast moment of the VM hits both. Which load starts first alternates (`swap`).
 */
async function loadBoth(
  bare: Server,
  server: Server,
  seconds: number,
  swap: boolean,
): Promise<[Block, Block]> {
  if (prewarm > 0) await Promise.all([load(bare, prewarm), load(server, prewarm)]);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const [base, block] = swap
    ? await Promise.all([load(server, seconds), load(bare, seconds)]).then(([b, a]) => [a, b] as const)
    : await Promise.all([load(bare, seconds), load(server, seconds)]);
  const used = process.cpuUsage(cpu);
  loaderBusy.push((used.user + used.system) / 1000 / (performance.now() - started));
  return [base, block];
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);
const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : ''}${fmt(x, digits)}`;
/** `0.981 (+0.4), 1.003 (−0.2), …`: the median ratio and CPU Δ of each generation's pairs. */
const byGeneration = (list: Pair[]) =>
  Array.from({ length: generations }, (_, g) => list.filter((p) => p.generation === g))
    .map(
      (pairs) => `${fmt(median(pairs.map((p) => p.ratio)), 3)} (${signed(median(pairs.map((p) => p.dCpu)))})`,
    )
    .join(', ');

/** Appends one generation's delivery check to a variant's cell. */
function addDelivery(delivery: Map<string, string>, variant: string, check: string): void {
  const before = delivery.get(variant);
  delivery.set(variant, before === undefined ? check : `${before}; ${check}`);
}

/** The progress line after each round, on stderr. */
function progress(framework: string, generation: number, round: number): void {
  process.stderr.write(
    `  ${framework}: generation ${generation + 1}/${generations}, round ${round + 1}/${rounds} done\n`,
  );
}

interface Pair {
  ratio: number;
  dCpu: number;
  block: Block;
  generation: number;
}

/**
 * One generation: fresh server processes (and sinks) for bare and every variant, warmed up, then `rounds` rounds of
 * paired blocks. Results are added to `paired`, `bareBlocks`, `rss` (the last generation's is printed) and
 * `delivery` (each generation's check, joined).
 */
async function runGeneration(
  framework: 'express' | 'fastify',
  profilePath: string,
  generation: number,
  paired: Map<string, Pair[]>,
  bareBlocks: Block[],
  rss: Map<string, number>,
  delivery: Map<string, string>,
): Promise<void> {
  const names = ['bare', ...variants];
  const sinks = await Promise.all(names.map(() => startLoopbackSink({ keepRecords: false })));
  // Started and warmed up in an order rotating per generation, so no variant is always the first process to
  // start (and to compile its code on the shared CPU) or the one that idles longest after its warmup.
  const startOrder = names.map((_, k) => (k + generation) % names.length);
  const servers: Server[] = [];
  await Promise.all(
    startOrder.map(async (i) => {
      const variant = names[i] as string;
      const runs = variant === 'bare' || variant === 'control' ? baseline : variant;
      const server = await startServer(framework, runs, (sinks[i] as Sink).url, profilePath);
      server.variant = variant;
      servers[i] = server;
    }),
  );
  const byVariant = new Map(servers.map((s) => [s.variant, s]));
  const bare = byVariant.get('bare') as Server;
  for (const i of startOrder) await load(servers[i] as Server, warmup);

  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as string);
    if (pairing === 'concurrent') {
      for (const variant of order) {
        const [base, block] = await loadBoth(
          bare,
          byVariant.get(variant) as Server,
          duration,
          round % 2 === 1,
        );
        bareBlocks.push(base);
        const list = paired.get(variant) ?? [];
        list.push({
          ratio: block.rps / base.rps,
          dCpu: block.cpuPerReq - base.cpuPerReq,
          block,
          generation,
        });
        paired.set(variant, list);
      }
      progress(framework, generation, round);
      continue;
    }
    let left = await load(bare, duration);
    bareBlocks.push(left);
    for (const variant of order) {
      const server = byVariant.get(variant) as Server;
      // The variant server sat idle since its last block; wake it up unmeasured, as the bare server never idles.
      if (prewarm > 0) await load(server, prewarm);
      const block = await load(server, duration);
      const right = await load(bare, duration);
      bareBlocks.push(right);
      const list = paired.get(variant) ?? [];
      list.push({
        ratio: block.rps / ((left.rps + right.rps) / 2),
        dCpu: block.cpuPerReq - (left.cpuPerReq + right.cpuPerReq) / 2,
        block,
        generation,
      });
      paired.set(variant, list);
      left = right;
    }
    progress(framework, generation, round);
  }

  for (const server of servers) rss.set(server.variant, (await server.ask<Stats>('stats', 'stats')).rss);
  for (const [i, server] of servers.entries()) {
    const sink = sinks[i] as Sink;
    const finished = await server.ask<{
      served: number;
      queue?: { inserted: number; recordsSent: number; dropped: Record<string, number> };
    }>('finish', 'finished');
    if (finished.queue === undefined) {
      addDelivery(delivery, server.variant, `${finished.served} served`);
      continue;
    }
    const q = finished.queue;
    await sink.waitForRecords(q.recordsSent, 10_000).catch(() => undefined);
    const dropped = Object.values(q.dropped).reduce((a, b) => a + b, 0);
    addDelivery(
      delivery,
      server.variant,
      `${q.inserted}/${finished.served} inserted, ${server.variant === 'scouter-mock' ? 'in memory' : `${sink.count}/${q.recordsSent} records at sink`}, ${dropped} dropped`,
    );
  }
  for (const server of servers) server.child.send({ type: 'exit' });
  await Promise.all(sinks.map((sink) => sink.close()));
}

async function benchFramework(framework: 'express' | 'fastify'): Promise<void> {
  const { profileDir, profilePath } = saveBenchProfile(framework);
  const paired = new Map<string, Pair[]>();
  const bareBlocks: Block[] = [];
  const rss = new Map<string, number>();
  const delivery = new Map<string, string>();
  for (let generation = 0; generation < generations; generation++)
    await runGeneration(framework, profilePath, generation, paired, bareBlocks, rss, delivery);
  rmSync(profileDir, { recursive: true, force: true });

  const bareCpu = median(bareBlocks.map((b) => b.cpuPerReq));
  const baselineLabel = baseline === 'bare' ? 'bare' : `baseline: ${baseline}`;
  const method =
    pairing === 'concurrent'
      ? `concurrent pairs: bare and variant loaded at once, sharing CPU 0; load generator busy ${fmt(median(loaderBusy), 2)} of CPU 1`
      : 'sequential pairs: bare | variant | bare';
  console.log(
    `\n### ${framework} (${generations > 1 ? `${generations} generations of fresh processes × ` : ''}${rounds} rounds × ${duration} s blocks, ${connections} connections, ${method})\n`,
  );
  loaderBusy.length = 0;
  // With several generations: each one's median ratio (and CPU Δ), which shows how much a process's lottery
  // (JIT, heap and code layout) moves the result, next to the pooled median of all pairs.
  const perGeneration = generations > 1;
  console.log(
    `| variant | paired req/s ratio, median (min–max) |${perGeneration ? ' per generation: ratio (CPU Δ) |' : ''} CPU µs/req (Δ vs ${baselineLabel}) | GC µs/req: scavenge + mark-compact | p50 ms | p99 ms | RSS MB | delivery |`,
  );
  console.log(`|---|---|${perGeneration ? '---|' : ''}---|---|---|---|---|---|`);
  const gc = (blocks: Block[]) =>
    `${fmt(median(blocks.map((b) => b.minorGcPerReq)), 2)} + ${fmt(median(blocks.map((b) => b.majorGcPerReq)), 2)}`;
  console.log(
    `| ${baselineLabel} | 1 |${perGeneration ? ' |' : ''} ${fmt(bareCpu, 1)} | ${gc(bareBlocks)} | ${median(bareBlocks.map((b) => b.p50))} | ${median(bareBlocks.map((b) => b.p99))} | ${fmt((rss.get('bare') ?? 0) / 2 ** 20, 0)} | |`,
  );
  for (const variant of variants) {
    const list = paired.get(variant) ?? [];
    const ratios = list.map((p) => p.ratio);
    const errors = list.reduce((a, p) => a + p.block.errors, 0);
    console.log(
      `| ${variant} | ${fmt(median(ratios), 3)} (${fmt(Math.min(...ratios), 3)}–${fmt(Math.max(...ratios), 3)}) | ` +
        (perGeneration ? `${byGeneration(list)} | ` : '') +
        `${fmt(median(list.map((p) => p.block.cpuPerReq)), 1)} (${signed(median(list.map((p) => p.dCpu)))}) | ` +
        `${gc(list.map((p) => p.block))} | ` +
        `${median(list.map((p) => p.block.p50))} | ${median(list.map((p) => p.block.p99))} | ` +
        `${fmt((rss.get(variant) ?? 0) / 2 ** 20, 0)} | ${delivery.get(variant) ?? ''}${errors > 0 ? ` ${errors} errors` : ''} |`,
    );
  }
}

console.log(
  `# Adapter overhead (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, servers ${hasTaskset ? 'on CPU 0, load on CPU 1' : 'unpinned (no taskset)'})`,
);
for (const framework of frameworks) await benchFramework(framework);
