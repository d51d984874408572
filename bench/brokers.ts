// Broker transports benchmark (not CI). One run, two parts, every transport next to HTTP in the same run:
//  1. records/s end to end: a ScouterQueue in this process -> transport (HTTP POST, Redis PUBLISH, RabbitMQ publish
//     with confirms, Kafka produce with acks=all) -> a scouter-server child process (SQLite) with its Redis, RabbitMQ
//     and Kafka consumers -> stored rows,
//     counted in the server's database. Rounds rotate the transport order; the ratio is to HTTP.
//  2. request overhead of the Fastify plugin per transport, as a ratio to bare Fastify: one warm server process per
//     variant (bench/brokers-app.ts, built packages from dist/), pinned to CPU 0, autocannon on CPU 1, blocks
//     `bare | variant | bare` (each variant block against the mean of its two bare neighbours), plus server CPU µs
//     per request; at the end every variant's final flush must have dropped nothing.
// Brokers: private redis-server, RabbitMQ and Kafka (KRaft) nodes on loopback (test/brokers/), so all must be installed
// (scripts/ci-install/brokers-debian.sh, scripts/ci-install/kafka.sh). Run `pnpm build && pnpm bench brokers [--quick] [--rounds N] [--duration S]
// [--inserts N] [--transports http,redis,rabbitmq,kafka]` from the repository root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AlertThreshold,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricDriftConfig,
  HttpConfig,
  KafkaConfig,
  RabbitMQConfig,
  RedisConfig,
  ScouterQueue,
  type TransportConfig,
} from '@scouter-ts/core';
import { freePort } from '../test/brokers/broker-process.js';
import { startKafka } from '../test/brokers/kafka.js';
import { startRabbitMQ } from '../test/brokers/rabbitmq.js';
import { startRedis } from '../test/brokers/redis.js';
import { hasTaskset, median, predictLoad, saveBenchProfile, type Server } from './adapter-servers.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    inserts: { type: 'string' },
    transports: { type: 'string', default: 'http,redis,rabbitmq,kafka' },
    connections: { type: 'string', default: '10' },
  },
});
const quick = args.quick ?? false;
const rounds = Number(args.rounds ?? (quick ? 2 : 5));
const duration = Number(args.duration ?? (quick ? 1 : 3));
const inserts = Number(args.inserts ?? (quick ? 100_000 : 500_000));
const transports = (args.transports ?? '').split(',').filter(Boolean);
const connections = Number(args.connections);
const SAMPLE_SIZE = 25;
const silent = { warn: () => undefined, error: (o: object, m?: string) => console.error(m, o) };

const dir = mkdtempSync(join(tmpdir(), 'scouter-bench-brokers-'));
const [redis, rabbitmq, kafka] = await Promise.all([startRedis(), startRabbitMQ(), startKafka()]);
const serverPort = await freePort();
const serverUri = `http://127.0.0.1:${serverPort}`;
const dbPath = join(dir, 'scouter.db');
const brokerEnv = {
  SCOUTER_SERVER_URI: serverUri,
  SCOUTER_USERNAME: 'admin',
  SCOUTER_PASSWORD: 'admin',
  REDIS_ADDR: redis.url,
  RABBITMQ_ADDR: rabbitmq.url,
  KAFKA_BROKERS: kafka.url,
};
const children: ChildProcess[] = [];

async function cleanup(): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([redis.process.close(), rabbitmq.close(), kafka.process.close()]);
  rmSync(dir, { recursive: true, force: true });
}

/** scouter-server as a child process, configured like a deployment (env), consuming from both brokers. */
async function startScouterServer(): Promise<void> {
  const bin = fileURLToPath(new URL('../packages/server/src/bin.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', bin], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      ...brokerEnv,
      SCOUTER_SERVER_PORT: String(serverPort),
      SCOUTER_SERVER_HOST: '127.0.0.1',
      DATABASE_URI: dbPath,
      LOG_LEVEL: 'warn',
    },
  });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${serverUri}/scouter/healthcheck`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('scouter-server did not start within 30 s');
}

function configFor(transport: string): TransportConfig {
  if (transport === 'http') return new HttpConfig({}, brokerEnv);
  if (transport === 'redis') return new RedisConfig({}, brokerEnv);
  if (transport === 'rabbitmq') return new RabbitMQConfig({}, brokerEnv);
  if (transport === 'kafka') return new KafkaConfig({}, brokerEnv);
  throw new Error(`unknown transport "${transport}" (http, redis, rabbitmq, kafka)`);
}

function profileNamed(name: string): CustomDriftProfile {
  return new CustomDriftProfile(
    new CustomMetricDriftConfig({ space: 'bench', name, version: '1.0.0', sampleSize: SAMPLE_SIZE }),
    ['mae', 'confidence'].map(
      (n) => new CustomMetric({ name: n, value: 0.5, alertThreshold: AlertThreshold.Above }),
    ),
  );
}

await startScouterServer();
/**
 * The scouter-server and the brokers run on CPUs 2.. when there are more than two, so that they do not share CPU 0
 * (the benchmarked app) or CPU 1 (autocannon); with two CPUs or fewer they float, and part 2 is noisier.
 */
function pinAside(pgids: Array<number | undefined>): string {
  const cpus = availableParallelism();
  if (!hasTaskset || cpus < 3) return 'not pinned (needs taskset and 3+ CPUs)';
  for (const pgid of pgids) {
    if (pgid === undefined) continue;
    const pids = execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)])
      .toString()
      .trim()
      .split(/\s+/);
    for (const pid of pids) execFileSync('taskset', ['-acp', `2-${cpus - 1}`, pid], { stdio: 'ignore' });
  }
  return `pinned to CPUs 2-${cpus - 1}`;
}
console.log(
  `scouter-server and brokers: ${pinAside([children[0]?.pid, redis.process.pgid, rabbitmq.process.pgid])}`,
);
/** The few better-sqlite3 calls used here (the bench package has no types for it). */
interface ReadonlyDatabase {
  prepare(sql: string): { get(...params: unknown[]): unknown };
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => ReadonlyDatabase;
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const countRows = db.prepare('SELECT count(*) AS n FROM custom_drift WHERE space = ? AND name = ?');
const stored = (name: string) => (countRows.get('bench', name) as { n: number }).n;

/** Part 1: one queue per run and transport, `inserts` inserts, timed until the last row is stored. */
async function throughput(transport: string, round: number): Promise<number> {
  const name = `e2e-${transport}-${round}`;
  const expected = (inserts / SAMPLE_SIZE) * 2;
  const queue = await ScouterQueue.fromProfiles({ a: profileNamed(name) }, configFor(transport), {
    logger: silent,
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < inserts; i++) queue.insert('a', { mae: (i % 100) / 100, confidence: 0.5 });
  const flushed = await queue.flush({ timeoutMs: 120_000 });
  for (let i = 0; i < 120_000 && stored(name) < expected; i++) await new Promise((r) => setTimeout(r, 5));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await queue.shutdown();
  const n = stored(name);
  if (n !== expected || flushed.dropped !== 0)
    throw new Error(`${transport}: ${n} of ${expected} rows stored, ${flushed.dropped} dropped`);
  return n / seconds;
}

console.log(
  `part 1: records/s end to end (${inserts} inserts, sampleSize ${SAMPLE_SIZE}, 2 metrics = ${(inserts / SAMPLE_SIZE) * 2} rows per run, ${rounds} rounds)`,
);
const rates = new Map<string, number[]>(transports.map((t) => [t, []]));
for (let round = 0; round < rounds; round++) {
  const order = transports.map((_, i) => transports[(i + round) % transports.length] as string);
  for (const transport of order) rates.get(transport)?.push(await throughput(transport, round));
}
const httpRate = median(rates.get('http') ?? []);
console.log('| transport | records/s (median) | min-max | ratio to http |');
console.log('|---|---|---|---|');
for (const [transport, xs] of rates) {
  console.log(
    `| ${transport} | ${Math.round(median(xs))} | ${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))} | ${(median(xs) / httpRate).toFixed(2)} |`,
  );
}

/** Part 2: one warm Fastify server per variant. */
const { profileDir, profilePath } = saveBenchProfile('fastify-brokers');
const appScript = fileURLToPath(new URL('./brokers-app.ts', import.meta.url));
const appTsconfig = fileURLToPath(new URL('./servers/tsconfig.json', import.meta.url));

async function startApp(variant: string): Promise<Server> {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const argv = [...(hasTaskset ? ['-c', '0', process.execPath] : []), '--import', 'tsx', appScript];
  const child = spawn(command, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      ...brokerEnv,
      BENCH_VARIANT: variant,
      BENCH_PROFILE: profilePath,
      TSX_TSCONFIG_PATH: appTsconfig,
    },
  });
  children.push(child);
  const ask = <T>(type: string, reply: string): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== reply) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type: string; port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${variant} server exited (${code})`)));
  });
  return { variant, child, port, ask };
}

interface Block {
  rps: number;
  cpuPerReq: number;
}
async function block(server: Server, seconds: number): Promise<Block> {
  const before = await server.ask<{ cpuMicros: number; served: number }>('stats', 'stats');
  const result = await predictLoad(server, connections, { duration: seconds });
  const after = await server.ask<{ cpuMicros: number; served: number }>('stats', 'stats');
  return {
    rps: result.requests.average,
    cpuPerReq: (after.cpuMicros - before.cpuMicros) / (after.served - before.served),
  };
}

console.log(
  `\npart 2: Fastify plugin overhead per transport (${rounds} rounds of bare | variant | bare, ${duration} s blocks)`,
);
const bare = await startApp('bare');
const variants = await Promise.all(transports.map((t) => startApp(t)));
for (const server of [bare, ...variants]) await block(server, 1);
const paired = new Map<string, { ratio: number[]; cpu: number[] }>(
  transports.map((t) => [t, { ratio: [], cpu: [] }]),
);
for (let round = 0; round < rounds; round++) {
  let before = await block(bare, duration);
  for (let i = 0; i < variants.length; i++) {
    const server = variants[(i + round) % variants.length] as Server;
    const measured = await block(server, duration);
    const after = await block(bare, duration);
    const p = paired.get(server.variant);
    p?.ratio.push(measured.rps / ((before.rps + after.rps) / 2));
    p?.cpu.push(measured.cpuPerReq - (before.cpuPerReq + after.cpuPerReq) / 2);
    before = after;
  }
}
console.log(
  '| variant | req/s ratio to bare (median) | min-max | + CPU µs/req (median) | records delivered |',
);
console.log('|---|---|---|---|---|');
for (const server of variants) {
  const done = await server.ask<{
    served: number;
    queue?: { inserted: number; recordsSent: number; dropped: Record<string, number> };
  }>('finish', 'finished');
  const dropped = Object.values(done.queue?.dropped ?? {}).reduce((a, b) => a + b, 0);
  const p = paired.get(server.variant) ?? { ratio: [], cpu: [] };
  console.log(
    `| fastify + ${server.variant} | ${median(p.ratio).toFixed(3)} | ${Math.min(...p.ratio).toFixed(3)}-${Math.max(...p.ratio).toFixed(3)} | ${median(p.cpu).toFixed(1)} | ${done.queue?.recordsSent ?? 0} sent, ${dropped} dropped |`,
  );
}
bare.child.send({ type: 'finish' });
rmSync(profileDir, { recursive: true, force: true });
db.close();
await cleanup();
