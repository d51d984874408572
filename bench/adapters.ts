// Adapter overhead benchmark: Express and Fastify, bare vs. with @scouter-ts (two metrics per request, HTTP transport
// to a loopback sink) vs. reference points (express-prom-bundle / fastify-metrics, OpenTelemetry http + framework
// spans with batched OTLP export). Method: /work/shared/BENCHMARKING.md "Middleware overhead" — one warm server
// process per variant pinned to CPU 0, autocannon in this process pinned to CPU 1, blocks interleaved as
// bare | v1 | bare | v2 | bare … in rotating order; each variant block is compared with the mean of its two bare
// neighbours. `--pairing concurrent` instead loads the bare server and one variant at the same time (both on CPU 0,
// sharing it; which starts first alternates per round): a slow moment of the VM then hits both sides of a pair.
// Before each measured block the variant server (concurrent: both) gets `--prewarm` seconds (default 0.5) of
// unmeasured load: a server that sat idle since its last block started measurably slower than the always-busy bare one.
// `--pairing sliced` loads one server at a time in short slices (`--slice` ms, default 250) in a random order
// per round, with a keep-alive load generator (bench/slice-load.ts), so the VM's swings, which last seconds, hit
// every server alike; the ratio is each variant's req/s over all its slices to bare's.
// Run: `pnpm exec tsx bench/adapters.ts [--quick] [--rounds N] [--duration S] [--connections N]
// [--framework express|fastify] [--pairing sequential|concurrent|sliced] [--slice MS] [--generations N]
// [--baseline bare|emitter|register-empty]
// [--variants scouter,prom,otel,control,hook,scouter-als,scouter-main,scouter-null,scouter-mock,work-2]`
// from the repository root.
// `work-<µs>` adds that much computation per request: a calibration of what the method can resolve. `control` is a
// second, identical baseline server (bare unless `--baseline` says otherwise; `plain` is bare in any case): its ratio shows the bias and noise of the method on this machine. `hook` is the floor of the adapters' design: an empty Fastify onResponse hook / an Express middleware
// listening for the response's `close`, which is what "hand the values over when the response finishes" costs.
import { appendFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLoopbackSink } from '../packages/core/src/capture/testing/loopback-sink.js';
import {
  hasTaskset,
  median,
  predictLoad,
  requestBody,
  saveBenchProfile,
  startServer,
  type Server,
  type Stats,
} from './adapter-servers.js';
import { LatencyHistogram, SliceLoader } from './slice-load.js';
import { seededRandom } from './seeded-random.js';

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
    slice: { type: 'string', default: '250' },
    prewarm: { type: 'string' },
    generations: { type: 'string', default: '1' },
    baseline: { type: 'string', default: 'bare' },
  },
});
const quick = args.quick ?? false;
if (args.pairing !== 'sequential' && args.pairing !== 'concurrent' && args.pairing !== 'sliced')
  throw new Error(`--pairing must be sequential, concurrent or sliced, not "${String(args.pairing)}"`);
const pairing: 'sequential' | 'concurrent' | 'sliced' = args.pairing;
const sliced = pairing === 'sliced';
const rounds = Number(args.rounds ?? (sliced ? (quick ? 20 : 120) : quick ? 2 : 4));
/** Sliced: each measured slice, ms. */
const sliceMs = Number(args.slice);
if (!(sliceMs >= 10)) throw new Error(`--slice must be a number of ms >= 10, not "${String(args.slice)}"`);
const duration = Number(args.duration ?? (quick ? 1 : 2));
const warmup = Number(args.warmup ?? (quick ? 1 : 3));
const connections = Number(args.connections);
const frameworks = (args.framework ? [args.framework] : ['express', 'fastify']) as Array<
  'express' | 'fastify'
>;
const variants = (args.variants ?? '').split(',').filter(Boolean);
/** Seconds of unmeasured load before each measured block (sliced: before each slice, of every server). */
const prewarm = Number(args.prewarm ?? (sliced ? 0.05 : 0.5));
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

/** The progress line after each round (sliced: after each quarter of the rounds), on stderr. */
function progress(framework: string, generation: number, round: number): void {
  process.stderr.write(
    `  ${framework}: generation ${generation + 1}/${generations}, round ${round + 1}/${rounds} done\n`,
  );
}

/** Sliced: what one server did over one generation's measured slices. */
interface SlicedRun {
  generation: number;
  responses: number;
  elapsedMs: number;
  /** req/s of its slice in each round. */
  roundRps: number[];
  /** All CPU µs per request, prewarm requests and idle time included. */
  cpuPerReq: number;
  /**
   * CPU µs the process used while no slice of its own was running (timers, the delivery worker, GC threads),
   * per request. With one server loaded at a time that work takes CPU from the other servers' slices, so it is
   * charged back to this server's requests (`charged` ratio); in a real app it would compete with requests.
   */
  idleCpuPerReq: number;
  minorGcPerReq: number;
  majorGcPerReq: number;
  errors: number;
}
const slicesCsv = process.env.BENCH_SLICES_CSV;
const WARM_ROUNDS = 5;
const slicedRuns = new Map<string, SlicedRun[]>();
const slicedLatency = new Map<string, LatencyHistogram>();

/**
 * Sliced: `rounds` rounds in which every server (bare included) gets one slice of `sliceMs`, after an unmeasured
 * `prewarm`, in a random order per round (seeded by the generation), so each server sits at each position and
 * follows each other server about equally often, and idles as long as the others. (A rotating order, used before
 * 2026-11-27 08:46 UTC, made every server follow the same one within a round.)
 * Server CPU and GC per request are read over the whole generation (prewarm requests included), and CPU also
 * around each of a server's slices, so what it used between them can be charged to its requests.
 */
async function runSlices(framework: string, servers: Server[], generation: number): Promise<void> {
  const loaders = await Promise.all(
    servers.map((server) => SliceLoader.open(server.port, '/predict', requestBody, connections)),
  );
  for (const server of servers) await server.ask<Stats>('gc-stats', 'stats');
  // Unmeasured rounds first: the first second or two of slices after the warmup ran several times slower on
  // every server alike.
  for (let round = 0; round < WARM_ROUNDS; round++)
    for (const loader of loaders) await loader.slice(sliceMs + prewarm * 1000, false);
  const before: Stats[] = [];
  for (const server of servers) before.push(await server.ask<Stats>('stats', 'stats'));
  const responses = servers.map(() => 0);
  const elapsed = servers.map(() => 0);
  const errors = servers.map(() => 0);
  const roundRps: number[][] = servers.map(() => []);
  /** CPU µs each server used while it was being loaded (its prewarm and measured slice). */
  const loadedCpu = servers.map(() => 0);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const random = seededRandom(generation + 1);
  const order = servers.map((_, i) => i);
  for (let round = 0; round < rounds; round++) {
    shuffle(order, random);
    for (const i of order) {
      const loader = loaders[i] as SliceLoader;
      const server = servers[i] as Server;
      const cpuBefore = (await server.ask<Stats>('stats', 'stats')).cpuMicros;
      if (prewarm > 0) await loader.slice(prewarm * 1000, false);
      const slice = await loader.slice(sliceMs);
      loadedCpu[i]! += (await server.ask<Stats>('stats', 'stats')).cpuMicros - cpuBefore;
      responses[i]! += slice.responses;
      elapsed[i]! += slice.elapsedMs;
      errors[i]! += slice.errors;
      roundRps[i]!.push((slice.responses * 1000) / slice.elapsedMs);
      // BENCH_SLICES_CSV=/some/file: every measured slice, for a look at the noise.
      if (slicesCsv)
        appendFileSync(
          slicesCsv,
          `${framework},${generation},${round},${server.variant},${slice.responses},${fmt(slice.elapsedMs, 3)},${fmt(performance.now(), 1)}\n`,
        );
    }
    if ((round + 1) % Math.ceil(rounds / 4) === 0 || round + 1 === rounds)
      progress(framework, generation, round);
  }
  const used = process.cpuUsage(cpu);
  loaderBusy.push((used.user + used.system) / 1000 / (performance.now() - started));
  for (const loader of loaders) loader.close();
  for (const [i, server] of servers.entries()) {
    const after = await server.ask<Stats>('stats', 'stats');
    const b = before[i] as Stats;
    const served = Math.max(1, after.served - b.served);
    const list = slicedRuns.get(server.variant) ?? [];
    const cpuMicros = after.cpuMicros - b.cpuMicros;
    list.push({
      generation,
      responses: responses[i] as number,
      elapsedMs: elapsed[i] as number,
      roundRps: roundRps[i] as number[],
      cpuPerReq: cpuMicros / served,
      idleCpuPerReq: (cpuMicros - (loadedCpu[i] as number)) / served,
      minorGcPerReq: ((after.gcMinorMs - b.gcMinorMs) * 1000) / served,
      majorGcPerReq: ((after.gcMajorMs - b.gcMajorMs) * 1000) / served,
      errors: errors[i] as number,
    });
    slicedRuns.set(server.variant, list);
    const histogram = slicedLatency.get(server.variant) ?? new LatencyHistogram();
    histogram.merge((loaders[i] as SliceLoader).latency);
    slicedLatency.set(server.variant, histogram);
  }
}

/** Fisher–Yates, in place. */
function shuffle(items: number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as number, items[i] as number];
  }
}

/** Standard error of the mean of `xs`. */
function standardError(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return Math.sqrt(variance / xs.length);
}

/** Sliced: requests per ms over `runs`' measured slices. */
const sliceRate = (runs: readonly SlicedRun[]) =>
  runs.reduce((a, r) => a + r.responses, 0) / runs.reduce((a, r) => a + r.elapsedMs, 0);
/** The same with each request also charged the CPU its process used while idle (see `SlicedRun.idleCpuPerReq`). */
const chargedRate = (runs: readonly SlicedRun[]) => {
  const responses = runs.reduce((a, r) => a + r.responses, 0);
  const idleMs = runs.reduce((a, r) => a + (r.idleCpuPerReq / 1000) * r.responses, 0);
  return responses / (runs.reduce((a, r) => a + r.elapsedMs, 0) + idleMs);
};

/**
 * Sliced: the table. Ratios are a variant's req/s over bare's, both over the same generations' slices; the
 * "charged" ratio also counts the CPU each process used between its slices, and its ± is the standard error
 * between generations (fresh processes), the honest one: a process keeps its JIT and code layout for life.
 */
function printSliced(baselineLabel: string, rss: Map<string, number>, delivery: Map<string, string>): void {
  const bareRuns = slicedRuns.get('bare') ?? [];
  const bareOf = (run: SlicedRun) => bareRuns.find((b) => b.generation === run.generation) as SlicedRun;
  const gc = (runs: readonly SlicedRun[]) =>
    `${fmt(median(runs.map((r) => r.minorGcPerReq)), 2)} + ${fmt(median(runs.map((r) => r.majorGcPerReq)), 2)}`;
  const latency = (variant: string) => {
    const histogram = slicedLatency.get(variant) ?? new LatencyHistogram();
    return `${fmt(histogram.percentile(0.5), 2)} | ${fmt(histogram.percentile(0.99), 2)}`;
  };
  const idle = (runs: readonly SlicedRun[]) => fmt(median(runs.map((r) => r.idleCpuPerReq)), 2);
  console.log(
    `| variant | req/s ratio, all slices | charged with idle CPU${generations > 1 ? ' (± SE between generations)' : ''} | per generation: charged ratio (CPU Δ) | per round: median ratio (n) | CPU µs/req (Δ vs ${baselineLabel}) | of which idle | GC µs/req: scavenge + mark-compact | p50 ms | p99 ms | RSS MB | delivery |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${baselineLabel} | 1 | 1 | | | ${fmt(median(bareRuns.map((r) => r.cpuPerReq)), 1)} | ${idle(bareRuns)} | ${gc(bareRuns)} | ${latency('bare')} | ${fmt((rss.get('bare') ?? 0) / 2 ** 20, 0)} | |`,
  );
  for (const variant of variants) {
    const runs = slicedRuns.get(variant) ?? [];
    const perRound = runs.flatMap((run) =>
      run.roundRps.map((rps, j) => rps / (bareOf(run).roundRps[j] as number)),
    );
    const charged = runs.map((run) => chargedRate([run]) / chargedRate([bareOf(run)]));
    const se = generations > 1 ? ` ± ${fmt(standardError(charged), 3)}` : '';
    const perGeneration = runs
      .map((run, g) => `${fmt(charged[g] as number, 3)} (${signed(run.cpuPerReq - bareOf(run).cpuPerReq)})`)
      .join(', ');
    const dCpu = median(runs.map((run) => run.cpuPerReq - bareOf(run).cpuPerReq));
    const errors = runs.reduce((a, r) => a + r.errors, 0);
    console.log(
      `| ${variant} | ${fmt(sliceRate(runs) / sliceRate(bareRuns), 3)} | **${fmt(chargedRate(runs) / chargedRate(bareRuns), 3)}**${se} | ${perGeneration} | ` +
        `${fmt(median(perRound), 3)} (${perRound.length}) | ` +
        `${fmt(median(runs.map((r) => r.cpuPerReq)), 1)} (${signed(dCpu)}) | ${idle(runs)} | ${gc(runs)} | ${latency(variant)} | ` +
        `${fmt((rss.get(variant) ?? 0) / 2 ** 20, 0)} | ${delivery.get(variant) ?? ''}${errors > 0 ? ` ${errors} errors` : ''} |`,
    );
  }
  slicedRuns.clear();
  slicedLatency.clear();
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

  if (sliced) await runSlices(framework, servers, generation);
  else
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
      : sliced
        ? `one server at a time, random order per round, ${fmt(prewarm * 1000, 0)} ms unmeasured before each slice; load generator busy ${fmt(median(loaderBusy), 2)} of CPU 1`
        : 'sequential pairs: bare | variant | bare';
  const blocks = sliced ? `${sliceMs} ms slices` : `${duration} s blocks`;
  console.log(
    `\n### ${framework} (${generations > 1 ? `${generations} generations of fresh processes × ` : ''}${rounds} rounds × ${blocks}, ${connections} connections, ${method})\n`,
  );
  loaderBusy.length = 0;
  if (sliced) {
    printSliced(baselineLabel, rss, delivery);
    return;
  }
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
