/**
 * Shared set-up of the end-to-end tests: a real scouter-server on SQLite in a temp dir (on loopback, port 0, or a
 * given port to restart on), a `ScouterClient` for it, and bounded waiting helpers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AlertThreshold,
  type CustomDriftProfile,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  HttpConfig,
  ScouterClient,
  TimeInterval,
  nextCronRun,
} from '@scouter-ts/core';
import { type ServerOptions, startServer } from '@scouter-ts/server';

type Server = Awaited<ReturnType<typeof startServer>>;

/** A running scouter-server plus what the tests need around it. */
export interface ScouterHarness {
  readonly dir: string;
  readonly port: number;
  readonly transport: HttpConfig;
  readonly client: ScouterClient;
  /** Texts the server's Console dispatcher wrote. */
  readonly consoleAlerts: string[];
  /** Stops the server (the SQLite file stays). */
  stop(): Promise<void>;
  /** Starts it again on the same port and SQLite file. */
  restart(): Promise<void>;
  /** Stops everything and removes the temp dir; idempotent. */
  close(): Promise<void>;
}

/** Starts scouter-server on SQLite in a fresh temp dir. */
export async function startScouter(options: Partial<ServerOptions> = {}): Promise<ScouterHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'scouter-e2e-'));
  const consoleAlerts: string[] = [];
  const base: ServerOptions = {
    host: '127.0.0.1',
    databaseUri: join(dir, 'scouter.db'),
    logLevel: 'silent',
    pollIntervalMs: 100,
    consoleWrite: (text: string) => consoleAlerts.push(text),
    ...options,
  };
  let server: Server | undefined = await startServer({ ...base, port: 0 });
  const port = (server.server.address() as AddressInfo).port;
  const transport = new HttpConfig({
    serverUri: `http://127.0.0.1:${port}`,
    username: 'admin',
    password: 'admin',
  });
  const client = new ScouterClient(transport);
  let closed = false;
  const stop = async () => {
    const running = server;
    server = undefined;
    await running?.close();
  };
  return {
    dir,
    port,
    transport,
    client,
    consoleAlerts,
    stop,
    async restart() {
      if (server !== undefined) throw new Error('restart() needs stop() first');
      server = await startServer({ ...base, port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Sleeps until `marginMs` after the next run of `schedule`, i.e. until the server has handled that drift check. */
export async function waitPastNextRun(schedule: string, marginMs: number): Promise<Date> {
  const next = nextCronRun(schedule, new Date());
  if (next === null) throw new Error(`schedule ${schedule} never runs`);
  await sleep(Math.max(0, next.getTime() - Date.now() + marginMs));
  return next;
}

/** The profile's identity as the client's request types want it. */
export function profileKey(profile: CustomDriftProfile): { space: string; name: string; version: string } {
  const { space, name, version } = profile.config;
  return { space, name, version };
}

/**
 * Every stored value of one metric, oldest first: `getBinnedDrift` over the last five minutes with 1 µs bins, so
 * each stored record (one batch mean) is its own bin.
 */
export async function storedValues(
  client: ScouterClient,
  profile: CustomDriftProfile,
  metric: string,
): Promise<number[]> {
  const binned = await client.getBinnedDrift({
    ...profileKey(profile),
    timeInterval: TimeInterval.FiveMinutes,
    maxDataPoints: 300_000_000,
  });
  return (binned.get(metric)?.stats ?? []).map((s) => s.avg).reverse();
}

/** Means of consecutive batches of `size` values (the last one may be shorter), as the queue computes them. */
export function batchMeans(values: number[], size: number): number[] {
  const means: number[] = [];
  for (let i = 0; i < values.length; i += size) {
    const batch = values.slice(i, i + size);
    means.push(batch.reduce((sum, v) => sum + v, 0) / batch.length);
  }
  return means;
}

/** A profile of one metric, `mae` (baseline 1, alert above +0.5), batches of 2, version 1.0.0. */
export function maeProfile(space: string, name: string, schedule?: string): CustomDriftProfile {
  return Drifter.createDriftProfile(
    [
      new CustomMetric({
        name: 'mae',
        value: 1,
        alertThreshold: AlertThreshold.Above,
        alertThresholdValue: 0.5,
      }),
    ],
    new CustomMetricDriftConfig({
      space,
      name,
      version: '1.0.0',
      sampleSize: 2,
      alertConfig: new CustomMetricAlertConfig(schedule === undefined ? {} : { schedule }),
    }),
  );
}
