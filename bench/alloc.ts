// Allocation per request: bytes the server's main thread allocates per `POST /predict`, bare vs. with our plugin (and
// bisection / reference variants), for Express and Fastify. Unlike req/s on a shared VM this is steady: each server
// runs with a young generation large enough that no scavenge happens inside a measured window, so the growth of its
// used size over the window, divided by the requests served in it, is what those requests allocated (windows in
// which a scavenge did happen are discarded and reported). Same servers as bench/adapters.ts
// (bench/servers/adapter-app.ts, our packages from dist/). The worker thread of `scouter` has its own heap, not
// counted: this is what the application's thread and its GC see.
// Run: `pnpm bench alloc [--framework express|fastify] [--variants a,b] [--requests N] [--windows N]` from the
// repository root, after `pnpm build`.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startLoopbackSink } from '../packages/core/src/capture/testing/loopback-sink.js';
import {
  driveRequests,
  median,
  whole,
  saveBenchProfile,
  startServer,
  type Server,
} from './adapter-servers.js';

const { values: args } = parseArgs({
  options: {
    framework: { type: 'string' },
    variants: { type: 'string' },
    requests: { type: 'string' },
    windows: { type: 'string', default: '5' },
    connections: { type: 'string', default: '4' },
  },
});
/** Requests per window: Express allocates ~3x what Fastify does per request, so fewer fit between scavenges. */
const requestsOf = (framework: 'express' | 'fastify'): number =>
  whole('requests', args.requests ?? (framework === 'express' ? '1500' : '5000'), 100);
const windows = whole('windows', args.windows, 1);
const connections = whole('connections', args.connections, 1);
const frameworks = (args.framework ? [args.framework] : ['express', 'fastify']) as Array<
  'express' | 'fastify'
>;
/**
 * Default variants; `register-empty`, `decorate`, `getter` and `getter-insert` (bisection of what the plugin adds to a
 * request) exist for Fastify only; `emitter` (a few events emitted at startup, as most apps do) for both.
 */
const variantsOf = (framework: 'express' | 'fastify'): string[] =>
  (
    args.variants ??
    `emitter,${framework === 'fastify' ? 'register-empty,decorate,getter,getter-insert,' : ''}hook,scouter-null,scouter,scouter-main,prom`
  )
    .split(',')
    .filter(Boolean);
/** 128 MB semi-spaces: room for ~14 000 requests of ~9 KB between scavenges. */
const YOUNG_GENERATION = ['--min-semi-space-size=128', '--max-semi-space-size=128'];

interface Heap {
  newSpaceUsed: number;
  served: number;
  scavenges: number;
}

const drive = (server: Server, amount: number): Promise<number> => driveRequests(server, connections, amount);

/** Bytes per request of each window without a scavenge, and how many windows had one. */
async function measure(
  server: Server,
  requests: number,
): Promise<{ perRequest: number[]; scavenged: number; errors: number }> {
  let errors = await drive(server, requests);
  const perRequest: number[] = [];
  let scavenged = 0;
  for (let w = 0; w < windows; w++) {
    const before = await server.ask<Heap>('gc-heap', 'heap');
    errors += await drive(server, requests);
    // GC notifications reach the server's observer asynchronously; let them arrive before reading.
    await sleep(50);
    const after = await server.ask<Heap>('heap', 'heap');
    if (after.scavenges !== before.scavenges || after.newSpaceUsed < before.newSpaceUsed) scavenged++;
    else perRequest.push((after.newSpaceUsed - before.newSpaceUsed) / (after.served - before.served));
  }
  return { perRequest, scavenged, errors };
}

async function benchFramework(framework: 'express' | 'fastify'): Promise<void> {
  const { profileDir, profilePath } = saveBenchProfile(framework);
  const requests = requestsOf(framework);
  const sink = await startLoopbackSink({ keepRecords: false });
  const rows: string[] = [];
  let bare = NaN;
  try {
    for (const variant of ['bare', ...variantsOf(framework)]) {
      // One server at a time: the measurement does not depend on CPU speed, only on what the code allocates.
      const server = await startServer(framework, variant, sink.url, profilePath, YOUNG_GENERATION);
      try {
        const { perRequest, scavenged, errors } = await measure(server, requests);
        const bytes = median(perRequest);
        if (variant === 'bare') bare = bytes;
        const spread =
          perRequest.length > 0
            ? `${Math.round(Math.min(...perRequest))}–${Math.round(Math.max(...perRequest))}`
            : 'every window scavenged: lower --requests';
        const delta = variant === 'bare' ? '' : `${bytes - bare >= 0 ? '+' : ''}${Math.round(bytes - bare)}`;
        const ratio = variant === 'bare' ? '1' : (bytes / bare).toFixed(3);
        rows.push(
          `| ${variant} | ${Math.round(bytes)} (${spread}) | ${delta} | ${ratio} | ${scavenged}/${windows}${errors > 0 ? `, ${errors} errors` : ''} |`,
        );
      } finally {
        server.child.send({ type: 'exit' });
        await new Promise((resolve) => server.child.once('exit', resolve));
      }
    }
  } finally {
    await sink.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
  console.log(`\n### ${framework} (${windows} windows × ${requests} requests, ${connections} connections)\n`);
  console.log(
    '| variant | bytes allocated per request, median (min–max) | Δ vs bare | ratio to bare | windows discarded (scavenge) |',
  );
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

console.log(
  `# Allocation per request on the server's main thread (${new Date().toISOString().slice(0, 10)}, Node ${process.version})`,
);
for (const framework of frameworks) await benchFramework(framework);
