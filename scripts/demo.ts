/**
 * `pnpm demo`: the whole scouter-ts loop in one process, on loopback, in well under a minute.
 *
 *   scouter-server (SQLite in a temp dir)  <-  training script registers the iris profile (fast schedule)
 *   Express inference service              ->  normal traffic window, then a drifted traffic window
 *   drift check per window                 ->  observed means vs the baseline band, alerts on Console and Slack
 *
 * Everything it starts is closed and the temp dir removed, also on failure; exit code 0 only when the drifted
 * metrics alerted and the in-band ones did not. `pnpm demo --keep` leaves the server (and its dashboard) running on
 * the demo's data until Ctrl+C; `--port N` picks its port.
 */
import { parseArgs, styleText } from 'node:util';
import {
  DEMO_PROFILE,
  EXPECTED_ALERTS,
  type DemoReporter,
  type DemoScenario,
  runDemoScenario,
} from './demo/scenario.js';

const DEADLINE_MS = 55_000;

const { values: flags } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, port: { type: 'string' } },
  strict: true,
});
const port = flags.port === undefined ? 0 : Number(flags.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`demo: --port ${flags.port} is not a port number (0-65535)\n`);
  process.exit(2);
}

// `pnpm demo | head` closes stdout early: keep going (silently) so everything is still stopped and removed.
process.stdout.on('error', () => undefined);
const tty = process.stdout.isTTY === true;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line = '') => process.stdout.write(`${line}\n`);
const reporter: DemoReporter = {
  bold: (s) => (tty ? styleText('bold', s) : s),
  dim: (s) => (tty ? styleText('dim', s) : s),
  red: (s) => (tty ? styleText('red', s) : s),
  green: (s) => (tty ? styleText('green', s) : s),
  step: (n, title) => say(`\n${reporter.dim(elapsed())} ${reporter.bold(`[${n}/6] ${title}`)}`),
  info: (line) => say(`       ${line}`.trimEnd()),
};
const { bold, dim, red, green, info } = reporter;

function printOutcome(demo: DemoScenario): boolean {
  const { alerts, normalAlerts, slackMessages, consoleAlerts } = demo;
  say();
  info(bold(`alerts raised: ${alerts.length}`));
  for (const alert of [...alerts].reverse()) {
    info(
      `${red('ALERT')} ${alert.entityName}: observed ${alert.alert.observed_metric_value}, ` +
        `baseline ${alert.alert.training_metric_value}, threshold ${alert.alert.alert_threshold} ${alert.alert.alert_threshold_value}`,
    );
  }
  for (const message of slackMessages) {
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
    normalAlerts.length === 0 &&
    JSON.stringify(raised) === JSON.stringify(EXPECTED_ALERTS) &&
    slackMessages.length === alerts.length;
  say();
  say(
    ok
      ? green(
          `demo: OK, the drifted metrics (${EXPECTED_ALERTS.join(', ')}) alerted and the in-band ones did not`,
        )
      : red(`demo: FAILED, expected alerts for ${EXPECTED_ALERTS.join(', ')}, got [${raised.join(', ')}]`),
  );
  return ok;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function main(): Promise<number> {
  let demo: DemoScenario | undefined;
  let close: () => Promise<void> = async () => undefined;
  const deadline = setTimeout(() => {
    say(red(`demo: gave up after ${DEADLINE_MS / 1000} s; stopping everything`));
    const forceExit = setTimeout(() => process.exit(1), 3_000);
    void close().finally(() => {
      clearTimeout(forceExit);
      process.exit(1);
    });
  }, DEADLINE_MS);
  deadline.unref();
  try {
    say(bold('scouter-ts demo: iris classifier monitored by a local scouter-server'));
    demo = await runDemoScenario({ reporter, serverOptions: { port }, onClose: (c) => (close = c) });
    clearTimeout(deadline);
    const ok = printOutcome(demo);
    const { space, name, version } = DEMO_PROFILE;
    const page = `${demo.serverUri}/#/profile?${new URLSearchParams({ space, name, version }).toString()}`;
    say();
    say(`dashboard: ${demo.serverUri}/  (sign in as admin / admin; the drifted profile: ${page})`);
    if (flags.keep) {
      say(bold('demo: --keep: the server and its data stay up; press Ctrl+C to stop'));
      const signal = await untilSignal();
      say(dim(`demo: ${signal}, stopping`));
    }
    return ok ? 0 : 1;
  } finally {
    clearTimeout(deadline);
    await close();
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
