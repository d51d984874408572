import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import type { ServerOptions } from '../config.js';
import { startReceiver } from '../testing/receiver.js';
import type { Receiver } from '../testing/receiver.js';
import {
  TestClock,
  login,
  profileJson,
  profileRequest,
  record,
  tempDir,
  testServer,
} from '../testing/harness.js';
import { join } from 'node:path';
import { pino } from 'pino';

const DESCRIPTION =
  'The mae metric value has increased beyond the threshold (initial value + 2)\nInitial Metric Value: 13\nCurrent Metric Value: 15.5\n';

describe('alert dispatch to Slack and OpsGenie receivers on loopback', () => {
  let receiver: Receiver;
  let dirs: ReturnType<typeof tempDir>;
  let app: ScouterServer | null = null;
  let clock: TestClock;
  let printed: string[];
  let n = 0;

  beforeAll(() => {
    dirs = tempDir();
  });
  afterAll(() => dirs.cleanup());
  beforeEach(async () => {
    receiver = await startReceiver();
    clock = new TestClock('2025-11-24T16:00:30Z');
    printed = [];
  });
  afterEach(async () => {
    await app?.close();
    app = null;
    await receiver.close();
  });

  async function driftWith(dispatch: unknown, options: ServerOptions): Promise<ScouterServer> {
    app = await testServer({
      databaseUri: join(dirs.dir, `d${++n}.db`),
      now: clock.now,
      consoleWrite: (t) => printed.push(t),
      ...options,
    });
    const admin = await login(app);
    const profile = profileJson({
      metrics: { mae: 13 },
      conditions: { mae: { alert_threshold: 'Above', alert_threshold_value: 2 } },
      dispatch,
    });
    let res = await app.inject({
      method: 'POST',
      url: '/scouter/profile',
      headers: { authorization: admin },
      payload: profileRequest(profile, { active: true }),
    });
    expect(res.statusCode).toBe(200);
    res = await app.inject({
      method: 'POST',
      url: '/scouter/message',
      headers: { authorization: admin },
      payload: {
        records: [record('2025-11-24T16:00:40Z', 'mae', 15), record('2025-11-24T16:00:41Z', 'mae', 16)],
      },
    });
    expect(res.statusCode).toBe(200);
    clock.set('2025-11-24T16:01:01Z');
    return app;
  }

  const undelivered = async (server: ScouterServer) =>
    (
      await server.scouterServer.storage.getAlerts({ space: 'scouter', name: 'model', version: '0.1.0' })
    ).filter((a) => !a.dispatched);

  it('posts Scouter’s Slack chat.postMessage body', async () => {
    const server = await driftWith(
      { Slack: { channel: 'ml-alerts' } },
      { slackApiUrl: `${receiver.url}/api`, slackAppToken: 'xoxb-test' },
    );
    expect(await server.scouterServer.scheduler.runDueJobs()).toEqual([
      expect.objectContaining({ alerts: 1, dispatched: 1 }),
    ]);
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/api/chat.postMessage');
    expect(req!.headers.authorization).toBe('Bearer xoxb-test');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({
      channel: 'ml-alerts',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: ':rotating_light: Drift Detected :rotating_light:', emoji: true },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Name*: model *Space*: scouter *Version*: 0.1.0' },
        },
        { type: 'section', text: { type: 'mrkdwn', text: DESCRIPTION } },
      ],
    });
    expect(printed).toEqual([]);
    expect(await undelivered(server)).toEqual([]);
  });

  it('posts Scouter’s OpsGenie body to the URL as given', async () => {
    const server = await driftWith(
      { OpsGenie: { team: 'ml-team', priority: 'P3' } },
      { opsGenieApiUrl: `${receiver.url}/v2/alerts`, opsGenieApiKey: 'genie-1' },
    );
    await server.scouterServer.scheduler.runDueJobs();
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req!.url).toBe('/v2/alerts');
    expect(req!.headers.authorization).toBe('GenieKey genie-1');
    expect(req!.body).toEqual({
      message: 'Model drift detected for scouter/model/0.1.0',
      description: DESCRIPTION,
      responders: [{ name: 'ml-team', type: 'team' }],
      visibleTo: [{ name: 'ml-team', type: 'team' }],
      tags: ['Model Drift', 'Scouter'],
      priority: 'P3',
    });
  });

  it('falls back to Console when the Slack settings are missing', async () => {
    const server = await driftWith({ Slack: { channel: 'ml-alerts' } }, { slackApiUrl: receiver.url });
    expect(await server.scouterServer.scheduler.runDueJobs()).toEqual([
      expect.objectContaining({ dispatched: 1 }),
    ]);
    expect(receiver.requests).toEqual([]);
    expect(printed).toEqual([`\nDrift detected for scouter/model/0.1.0! \n${DESCRIPTION}\n`]);
  });

  it('retries a failing webhook with backoff', async () => {
    let calls = 0;
    receiver.respond = () => (++calls < 3 ? 503 : 200);
    const server = await driftWith(
      { Slack: { channel: 'c' } },
      { slackApiUrl: receiver.url, slackAppToken: 't', dispatchAttempts: 3 },
    );
    expect(await server.scouterServer.scheduler.runDueJobs()).toEqual([
      expect.objectContaining({ dispatched: 1 }),
    ]);
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests[2]!.body).toEqual(receiver.requests[0]!.body);
    expect(await undelivered(server)).toEqual([]);
  });

  it('never loses an alert when the webhook keeps failing, and delivers it from the sweep later', async () => {
    receiver.respond = () => 500;
    const server = await driftWith(
      { OpsGenie: { team: 't', priority: 'P5' } },
      { opsGenieApiUrl: receiver.url, opsGenieApiKey: 'k', dispatchAttempts: 2 },
    );
    expect(await server.scouterServer.scheduler.runDueJobs()).toEqual([
      expect.objectContaining({ alerts: 1, dispatched: 0 }),
    ]);
    expect(receiver.requests).toHaveLength(2);
    const pending = await undelivered(server);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.dispatchAttempts).toBeGreaterThanOrEqual(1);
    expect(
      await server.scouterServer.storage.getProfile(
        { space: 'scouter', name: 'model', version: '0.1.0' },
        'Custom',
      ),
    ).toMatchObject({
      status: 'pending',
      nextRun: new Date('2025-11-24T16:02:00Z'),
    });
    receiver.respond = () => 200;
    expect(await server.scouterServer.dispatcher.sweep()).toBe(0);
    expect(receiver.requests).toHaveLength(2);
    clock.advance(60_000);
    expect(await server.scouterServer.dispatcher.sweep()).toBe(1);
    expect(receiver.requests).toHaveLength(3);
    expect(await undelivered(server)).toEqual([]);
    expect(await server.scouterServer.dispatcher.sweep()).toBe(0);
  });

  it('stops retrying an alert at the end of its retry window, logs that once, and keeps it stored', async () => {
    receiver.respond = () => 500;
    const errors: { msg: string; alertId?: number }[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) });
    const server = await driftWith(
      { Slack: { channel: 'c' } },
      {
        slackApiUrl: receiver.url,
        slackAppToken: 't',
        dispatchAttempts: 1,
        dispatchSweepIntervalMs: 60_000,
        dispatchRetryWindowMs: 600_000,
        logger,
      },
    );
    await server.scouterServer.scheduler.runDueJobs();
    const [alert] = await undelivered(server);
    expect(receiver.requests).toHaveLength(1);
    const createdMs = alert!.createdAtMicros / 1000;
    const givenUp = () => errors.filter((e) => e.msg.startsWith('alert dispatch given up'));
    const sweepAt = async (ageMs: number) => {
      clock.set(new Date(createdMs + ageMs).toISOString());
      return server.scouterServer.dispatcher.sweep();
    };

    expect(await sweepAt(60_000)).toBe(0);
    expect(receiver.requests).toHaveLength(2);
    expect(givenUp()).toEqual([]);
    // Less than one sweep interval left in the window: the last retry, and its failure is reported.
    expect(await sweepAt(570_000)).toBe(0);
    expect(receiver.requests).toHaveLength(3);
    expect(givenUp()).toEqual([expect.objectContaining({ alertId: alert!.id })]);
    // Past the window: no more webhook calls, even once the receiver works again, and no more logs.
    receiver.respond = () => 200;
    expect(await sweepAt(630_000)).toBe(0);
    expect(receiver.requests).toHaveLength(3);
    expect(givenUp()).toHaveLength(1);
    expect((await undelivered(server)).map((a) => a.id)).toEqual([alert!.id]);
  });

  it('times out a hanging webhook instead of wedging the job', async () => {
    receiver.respond = () => 'hang';
    const server = await driftWith(
      { Slack: { channel: 'c' } },
      { slackApiUrl: receiver.url, slackAppToken: 't', dispatchAttempts: 1, dispatchTimeoutMs: 200 },
    );
    const started = Date.now();
    expect(await server.scouterServer.scheduler.runDueJobs()).toEqual([
      expect.objectContaining({ alerts: 1, dispatched: 0 }),
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await undelivered(server)).toHaveLength(1);
  });
});
