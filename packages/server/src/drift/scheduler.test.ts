import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import { backends } from '../testing/backends.js';
import type { Backend } from '../testing/backends.js';
import { TestClock, login, profileJson, profileRequest, record, testServer } from '../testing/harness.js';

type Condition = { alert_threshold: 'Below' | 'Above' | 'Outside'; alert_threshold_value: number | null };
const KEY = { space: 'scouter', name: 'model', version: '0.1.0' };

describe.each(backends())('drift jobs on $name', (spec) => {
  let backend: Backend;
  let app: ScouterServer;
  let clock: TestClock;
  let admin: string;
  let printed: string[];

  beforeAll(async () => {
    backend = await spec.start();
  });
  afterAll(async () => {
    await backend?.stop();
  });
  beforeEach(async () => {
    clock = new TestClock('2025-11-24T16:00:30Z');
    printed = [];
    app = await testServer({
      databaseUri: await backend.freshUri(),
      now: clock.now,
      consoleWrite: (text) => printed.push(text),
      staleJobAfterMs: 60_000,
    });
    admin = await login(app);
  });
  afterEach(async () => {
    await app.close();
  });

  async function register(
    metrics: Record<string, number>,
    conditions: Record<string, Condition>,
    active = true,
  ): Promise<void> {
    const res = await app.inject({
      method: 'POST',
      url: '/scouter/profile',
      headers: { authorization: admin },
      payload: profileRequest(profileJson({ metrics, conditions }), { active }),
    });
    expect(res.statusCode).toBe(200);
  }

  async function send(values: Array<[string, string, number]>): Promise<void> {
    const res = await app.inject({
      method: 'POST',
      url: '/scouter/message',
      headers: { authorization: admin },
      payload: { records: values.map(([at, metric, value]) => record(at, metric, value)) },
    });
    expect(res.statusCode).toBe(200);
  }

  async function alerts(): Promise<Array<Record<string, unknown>>> {
    const res = await app.inject({
      method: 'GET',
      url: '/scouter/alerts?name=model&space=scouter&version=0.1.0',
      headers: { authorization: admin },
    });
    return res.json<{ alerts: Array<Record<string, unknown>> }>().alerts;
  }

  it('alerts Above on the mean since the previous run and moves the run dates', async () => {
    await register({ mae: 13 }, { mae: { alert_threshold: 'Above', alert_threshold_value: 2 } });
    await send([
      ['2025-11-24T16:00:20Z', 'mae', 100],
      ['2025-11-24T16:00:40Z', 'mae', 15],
      ['2025-11-24T16:00:50Z', 'mae', 16],
    ]);
    clock.set('2025-11-24T16:00:59Z');
    expect(await app.scouterServer.scheduler.runDueJobs()).toEqual([]);
    clock.set('2025-11-24T16:01:05.250Z');
    const results = await app.scouterServer.scheduler.runDueJobs();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ alerts: 1, dispatched: 1 });
    const stored = await alerts();
    expect(stored).toEqual([
      {
        created_at: '2025-11-24T16:01:05.250Z',
        name: 'model',
        space: 'scouter',
        version: '0.1.0',
        entity_name: 'mae',
        alert: {
          alert_threshold: 'Above',
          alert_threshold_value: '2',
          entity_name: 'mae',
          observed_metric_value: '15.5',
          training_metric_value: '13',
        },
        id: expect.any(Number),
        drift_type: 'Custom',
        active: true,
      },
    ]);
    expect(printed).toEqual([
      '\nDrift detected for scouter/model/0.1.0! \nThe mae metric value has increased beyond the threshold (initial value + 2)\nInitial Metric Value: 13\nCurrent Metric Value: 15.5\n\n',
    ]);
    const row = await app.scouterServer.storage.getProfile(KEY, 'Custom');
    expect(row).toMatchObject({
      status: 'pending',
      previousRun: new Date('2025-11-24T16:01:00Z'),
      nextRun: new Date('2025-11-24T16:02:00Z'),
    });
    expect(await app.scouterServer.scheduler.runDueJobs()).toEqual([]);
  });

  it('never alerts on equality or exactly at the threshold, and alerts Below/Outside past it', async () => {
    await register(
      { at_edge: 10, equal: 5, below: 1, outside: 3, quiet: 7 },
      {
        at_edge: { alert_threshold: 'Above', alert_threshold_value: 2 },
        equal: { alert_threshold: 'Outside', alert_threshold_value: null },
        below: { alert_threshold: 'Below', alert_threshold_value: null },
        outside: { alert_threshold: 'Outside', alert_threshold_value: 0.5 },
        quiet: { alert_threshold: 'Below', alert_threshold_value: 1 },
      },
    );
    await send([
      ['2025-11-24T16:00:40Z', 'at_edge', 12],
      ['2025-11-24T16:00:40.000001Z', 'equal', 5],
      ['2025-11-24T16:00:40.000002Z', 'below', 0.999],
      ['2025-11-24T16:00:40.000003Z', 'outside', 2.4],
      ['2025-11-24T16:00:40.000004Z', 'quiet', 6],
    ]);
    clock.set('2025-11-24T16:01:01Z');
    const [result] = await app.scouterServer.scheduler.runDueJobs();
    expect(result).toMatchObject({ alerts: 2 });
    const stored = await alerts();
    expect(stored.map((a) => a.alert)).toEqual([
      {
        alert_threshold: 'Outside',
        alert_threshold_value: '0.5',
        entity_name: 'outside',
        observed_metric_value: '2.4',
        training_metric_value: '3',
      },
      {
        alert_threshold: 'Below',
        alert_threshold_value: 'None',
        entity_name: 'below',
        observed_metric_value: '0.999',
        training_metric_value: '1',
      },
    ]);
    expect(new Set(stored.map((a) => a.created_at)).size).toBe(2);
    expect(printed.map((p) => p.split('\n')[2])).toEqual([
      'The mae metric value has dropped below the initial value'.replace('mae', 'below'),
      'The outside metric value has fallen outside the threshold (initial value ± 0.5)',
    ]);
  });

  it('does nothing without data, and never runs inactive profiles', async () => {
    await register({ mae: 1 }, { mae: { alert_threshold: 'Outside', alert_threshold_value: null } });
    clock.set('2025-11-24T16:01:01Z');
    expect(await app.scouterServer.scheduler.runDueJobs()).toEqual([
      expect.objectContaining({ alerts: 0, dispatched: 0 }),
    ]);
    expect(await alerts()).toEqual([]);
    expect(printed).toEqual([]);
    const status = { ...KEY, active: false, drift_type: 'Custom', deactivate_others: false };
    await app.inject({
      method: 'PUT',
      url: '/scouter/profile/status',
      headers: { authorization: admin },
      payload: status,
    });
    await send([['2025-11-24T16:01:30Z', 'mae', 50]]);
    clock.set('2025-11-24T16:05:00Z');
    expect(await app.scouterServer.scheduler.runDueJobs()).toEqual([]);
    expect(await alerts()).toEqual([]);
  });

  it('runs missed runs once after downtime, then waits for the next slot', async () => {
    await register({ mae: 1 }, { mae: { alert_threshold: 'Above', alert_threshold_value: null } });
    await send([['2025-11-24T16:00:40Z', 'mae', 2]]);
    clock.set('2025-11-24T16:30:10Z');
    expect(await app.scouterServer.scheduler.runDueJobs()).toHaveLength(1);
    expect(await app.scouterServer.scheduler.runDueJobs()).toEqual([]);
    expect(await alerts()).toHaveLength(1);
    expect(await app.scouterServer.storage.getProfile(KEY, 'Custom')).toMatchObject({
      previousRun: new Date('2025-11-24T16:01:00Z'),
      nextRun: new Date('2025-11-24T16:31:00Z'),
    });
    clock.set('2025-11-24T16:31:00.5Z');
    expect(await app.scouterServer.scheduler.runDueJobs()).toHaveLength(1);
  });

  it('retries a failing job later without starving the others, and takes over stale processing claims', async () => {
    await register({ mae: 1 }, { mae: { alert_threshold: 'Above', alert_threshold_value: null } });
    const other = profileJson({ name: 'other', metrics: { mae: 1 } });
    await app.inject({
      method: 'POST',
      url: '/scouter/profile',
      headers: { authorization: admin },
      payload: profileRequest(other, { active: true }),
    });
    await send([['2025-11-24T16:00:40Z', 'mae', 2]]);
    clock.set('2025-11-24T16:01:01Z');
    const storage = app.scouterServer.storage;
    const original = storage.customMetricMeans.bind(storage);
    storage.customMetricMeans = (key, ...rest) =>
      key.name === 'model' ? Promise.reject(new Error('database hiccup')) : original(key, ...rest);
    let results;
    try {
      results = await app.scouterServer.scheduler.runDueJobs();
    } finally {
      storage.customMetricMeans = original;
    }
    expect(results).toHaveLength(2);
    expect(results.filter((r) => r.failed)).toHaveLength(1);
    expect(await storage.getProfile(KEY, 'Custom')).toMatchObject({
      status: 'pending',
      previousRun: new Date('2025-11-24T16:00:30Z'),
      nextRun: new Date('2025-11-24T16:02:01Z'),
    });
    expect(await app.scouterServer.scheduler.runDueJobs()).toEqual([]);
    clock.set('2025-11-24T16:02:01Z');
    const retried = await app.scouterServer.scheduler.runDueJobs();
    expect(retried.map((r) => r.alerts).sort()).toEqual([0, 1]);
    expect(await alerts()).toHaveLength(1);

    clock.set('2025-11-24T16:03:01Z');
    const claimed = await storage.claimDueJob(clock.now(), new Date(clock.ms - 60_000));
    expect(claimed?.status).toBe('processing');
    expect((await app.scouterServer.scheduler.runDueJobs()).map((r) => r.uid)).not.toContain(claimed!.uid);
    clock.advance(61_000);
    expect((await app.scouterServer.scheduler.runDueJobs()).map((r) => r.uid)).toContain(claimed!.uid);
    expect(await storage.getProfile(KEY, 'Custom')).toMatchObject({ status: 'pending' });
  });

  it('deletes records older than the retention period', async () => {
    await send([
      ['2025-10-20T00:00:00Z', 'mae', 1],
      ['2025-10-25T16:00:31Z', 'mae', 2],
      ['2025-11-24T16:00:00Z', 'mae', 3],
    ]);
    expect(await app.scouterServer.scheduler.runRetention()).toBe(1);
    const res = await app.inject({
      method: 'GET',
      url:
        '/scouter/drift/custom?space=scouter&name=model&version=0.1.0&time_interval=FiveDays&max_data_points=1&drift_type=Custom' +
        '&begin_custom_datetime=2025-10-01T00:00:00Z&end_custom_datetime=2025-11-25T00:00:00Z',
      headers: { authorization: admin },
    });
    expect(res.json().metrics.mae.stats.map((s: { avg: number }) => s.avg)).toEqual([3, 2]);
  });

  it('polls on its own when the scheduler is enabled and stops cleanly on close', async () => {
    await app.close();
    const uri = await backend.freshUri();
    let polled = 0;
    app = await testServer({
      databaseUri: uri,
      now: clock.now,
      schedulerEnabled: true,
      pollIntervalMs: 20,
      consoleWrite: (t) => printed.push(t),
    });
    admin = await login(app);
    await register({ mae: 1 }, { mae: { alert_threshold: 'Above', alert_threshold_value: null } });
    await send([['2025-11-24T16:00:40Z', 'mae', 2]]);
    await app.ready();
    clock.set('2025-11-24T16:01:01Z');
    for (let i = 0; i < 200 && (polled === 0 || printed.length === 0); i++) {
      await new Promise((r) => setTimeout(r, 25));
      polled = (await alerts()).length;
    }
    expect(polled).toBe(1);
    expect(printed).toHaveLength(1);
  });
});
