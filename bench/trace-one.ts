// One benchmark server under autocannon load, alone, with extra node/V8 flags: for traces that would interleave
// when bench/adapters.ts runs several servers at once (each server's stdout is this process's stdout).
// Run: `TRACE_NODE_FLAGS="--trace-deopt" pnpm exec tsx bench/trace-one.ts fastify scouter-null 8 > deopt.txt`
// (framework, variant as in bench/servers/adapter-app.ts, seconds of load). Needs `pnpm build`. Our variants get a
// sink URL nobody listens on: use the `scouter-null…` ones, whose transport discards.
import { rmSync } from 'node:fs';
import { predictLoad, saveBenchProfile, startServer } from './adapter-servers.js';

const [framework = 'fastify', variant = 'bare', seconds = '8'] = process.argv.slice(2);
if (framework !== 'express' && framework !== 'fastify')
  throw new Error(`framework must be express or fastify, got ${framework}`);
if (!(Number(seconds) > 0 && Number(seconds) <= 600))
  throw new Error(`seconds must be in (0, 600], got ${seconds}`);
const { profileDir, profilePath } = saveBenchProfile(framework);
const flags = (process.env.TRACE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const server = await startServer(framework, variant, 'http://127.0.0.1:9', profilePath, flags);
try {
  const result = await predictLoad(server, 10, { duration: Number(seconds) });
  console.error(`${framework}/${variant}: ${Math.round(result.requests.average)} req/s over ${seconds} s`);
} finally {
  server.child.kill('SIGKILL');
  rmSync(profileDir, { recursive: true, force: true });
}
