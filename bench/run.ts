// `pnpm bench <name> [args]`: runs one benchmark of bench/ (each prints ratios against a baseline of the same run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benches: Record<string, string> = {
  insert: 'ScouterQueue.insert() cost per call next to an empty call',
  adapters: 'Express/Fastify req/s and CPU per request with our plugin vs bare and reference libraries',
  delivery: 'process CPU per POST of the delivery worker (node:http) vs in-thread undici vs an idle timer',
  'server-ingest': 'POST /scouter/message ingest vs a raw batched insert (SQLite, PostgreSQL)',
  'server-drift-query': 'GET /scouter/drift/custom latency over 1M stored values',
  'server-startup': 'scouter-server start-up time vs a bare node start',
  brokers:
    'records/s end to end and Fastify plugin overhead per transport (HTTP, Redis, RabbitMQ, Kafka) vs HTTP / bare',
  fuzz: 'fast-check fuzzing of every server route and core entry point, 10000 inputs each (--runs, --seed)',
  soak: 'service under load with scouter-server down for --down-minutes (10): RSS, latency, delivery over time',
};

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in benches)) {
  console.log('usage: pnpm bench <name> [args]\n');
  for (const [bench, what] of Object.entries(benches)) console.log(`  ${bench.padEnd(20)} ${what}`);
  process.exit(name ? 1 : 0);
}
const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
if (!existsSync(file)) throw new Error(`bench/${name}.ts is missing`);
const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
