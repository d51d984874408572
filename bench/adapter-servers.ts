// The benchmark server processes of bench/adapters.ts (bench/servers/adapter-app.ts, one per framework and variant,
// pinned to CPU 0 when taskset exists, controlled over IPC), the request body and the bench profile.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { AlertThreshold, CustomDriftProfile, CustomMetric, CustomMetricDriftConfig } from '@scouter-ts/core';

const serverScript = fileURLToPath(new URL('./servers/adapter-app.ts', import.meta.url));
const serverTsconfig = fileURLToPath(new URL('./servers/tsconfig.json', import.meta.url));
/** `POST /predict` body: 10 features. */
export const requestBody = JSON.stringify({ features: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] });
/** True when this process could be pinned to CPU 1 (the load generator's); servers then go to CPU 0. */
export const hasTaskset =
  spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' }).status === 0;

/** Counters a server reports over IPC (`stats`; `gc-stats` runs a full collection first). */
export interface Stats {
  cpuMicros: number;
  /** Main-thread GC pause time so far, ms: scavenges, and mark-compacts (the pre-block forced one excluded). */
  gcMinorMs: number;
  gcMajorMs: number;
  served: number;
  rss: number;
}
export interface Server {
  variant: string;
  child: ChildProcess;
  port: number;
  ask<T>(type: string, reply: string): Promise<T>;
}

/** The bench profile: two metrics (`mae`, `confidence`), a batch every 25 inserts. Remove `profileDir` when done. */
export function saveBenchProfile(framework: string): { profileDir: string; profilePath: string } {
  const profile = new CustomDriftProfile(
    new CustomMetricDriftConfig({
      space: 'bench',
      name: `${framework}-model`,
      version: '1.0.0',
      sampleSize: 25,
    }),
    ['mae', 'confidence'].map(
      (name) => new CustomMetric({ name, value: 0.5, alertThreshold: AlertThreshold.Above }),
    ),
  );
  const profileDir = mkdtempSync(join(tmpdir(), 'scouter-bench-'));
  return { profileDir, profilePath: profile.save(join(profileDir, 'profile.json')) };
}

/** Starts one server process (on CPU 0 when taskset exists). */
export async function startServer(
  framework: string,
  variant: string,
  sinkUrl: string,
  profile: string,
): Promise<Server> {
  const command = hasTaskset ? 'taskset' : process.execPath;
  // BENCH_CPU_PROF_DIR=/some/dir writes one V8 CPU profile per server (<dir>/<framework>-<variant>/), for diagnosis.
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, `${framework}-${variant}`)] : [];
  const argv = [
    ...(hasTaskset ? ['-c', '0', process.execPath] : []),
    ...prof,
    '--expose-gc',
    // BENCH_NODE_FLAGS="--trace-deopt …" adds V8/node flags to every server, for diagnosis.
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    '--import',
    'tsx',
    serverScript,
  ];
  const child = spawn(command, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_FRAMEWORK: framework,
      BENCH_VARIANT: variant,
      BENCH_SINK_URL: sinkUrl,
      BENCH_PROFILE: profile,
      // Our packages from their built dist/, as an application loads them: the root tsconfig's `paths` would
      // have tsx compile src/ (with esbuild's keepNames helpers on every closure).
      TSX_TSCONFIG_PATH: serverTsconfig,
    },
  });
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
    child.once('exit', (code) => reject(new Error(`${framework}/${variant} server exited (${code})`)));
  });
  return { variant, child, port, ask };
}

/** Loads `POST /predict` on `server` with autocannon for `duration` seconds. */
export function predictLoad(
  server: Server,
  connections: number,
  until: { duration: number },
): ReturnType<typeof autocannon> {
  return autocannon({
    url: `http://127.0.0.1:${server.port}/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: requestBody,
    connections,
    ...until,
  });
}

/** The median of `xs`; NaN when it is empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
