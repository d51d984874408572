/**
 * The smoke check both examples run in CI (`pnpm --filter <example> smoke`, and `test/e2e/smoke.test.ts` through
 * `pnpm test`): an in-process scouter-server on SQLite in a temp dir, training + registration, the service, a few
 * labelled requests, a clean shutdown, and a check that every profile metric arrived on the server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonCrons, type FlushResult, HttpConfig, ScouterClient, TimeInterval } from '@scouter-ts/core';
import { startServer } from '@scouter-ts/server';
import { loadIris } from './model.js';
import { trainAndRegister } from './monitoring.js';
import type { StartInferenceService } from './service.js';
import { sendTraffic } from './traffic.js';

/** What the smoke check saw. */
export interface SmokeResult {
  /** Requests sent. */
  requests: number;
  /** What the final flush (service shutdown) reported. */
  finalFlush: FlushResult;
  /** Number of stored values per metric, as `getBinnedDrift` reports them. */
  storedBins: Record<string, number>;
  /** Problems found; empty means the smoke check passed. */
  failures: string[];
}

/** Runs the smoke check against one example's `startInferenceService`. Never leaves anything running. */
export async function runSmokeCheck(name: string, startService: StartInferenceService): Promise<SmokeResult> {
  const dir = await mkdtemp(join(tmpdir(), `scouter-smoke-${name}-`));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  try {
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUri: join(dir, 'scouter.db'),
      logLevel: 'warn',
    });
    cleanups.push(() => server.close());
    const { port } = server.server.address() as AddressInfo;
    const transport = new HttpConfig({
      serverUri: `http://127.0.0.1:${port}`,
      username: 'admin',
      password: 'admin',
    });
    const client = new ScouterClient(transport);
    cleanups.push(() => client.close());

    const sampleSize = 4;
    const training = await trainAndRegister(
      client,
      { space: 'smoke', name, version: '1.0.0', sampleSize, schedule: CommonCrons.EveryDay },
      join(dir, 'artifacts'),
    );
    const service = await startService({
      model: training.model,
      profilePath: training.profilePath,
      transport,
    });
    cleanups.push(() => service.close());

    const requests = loadIris().holdout.slice(0, 10);
    await sendTraffic(service.url, requests);
    const finalFlush = await service.close();

    const { space, version } = training.profile.config;
    const binned = await client.getBinnedDrift({
      space,
      name,
      version,
      timeInterval: TimeInterval.FiveMinutes,
      maxDataPoints: 300_000_000,
    });
    const storedBins: Record<string, number> = {};
    const failures: string[] = [];
    const batches = Math.ceil(requests.length / sampleSize);
    for (const metric of Object.keys(training.profile.metrics)) {
      storedBins[metric] = binned.get(metric)?.stats.length ?? 0;
      if (storedBins[metric] !== batches) {
        failures.push(`${metric}: expected ${batches} stored values, found ${storedBins[metric]}`);
      }
    }
    if (finalFlush.dropped !== 0 || finalFlush.pending !== 0) {
      failures.push(`final flush lost records: ${JSON.stringify(finalFlush)}`);
    }
    return { requests: requests.length, finalFlush, storedBins, failures };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** Command-line wrapper: prints the result and returns the exit code (0 = passed). */
export async function runSmokeCli(name: string, startService: StartInferenceService): Promise<number> {
  try {
    const result = await runSmokeCheck(name, startService);
    console.log(
      `${name} smoke: ${result.requests} requests, final flush ${JSON.stringify(result.finalFlush)}, ` +
        `stored values per metric ${JSON.stringify(result.storedBins)}`,
    );
    for (const failure of result.failures) console.error(`${name} smoke: FAIL ${failure}`);
    console.log(`${name} smoke: ${result.failures.length === 0 ? 'OK' : 'FAILED'}`);
    return result.failures.length === 0 ? 0 : 1;
  } catch (err) {
    console.error(`${name} smoke: FAILED`, err);
    return 1;
  }
}
