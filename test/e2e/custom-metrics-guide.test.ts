/**
 * The README's "Custom metrics, step by step" (Scouter's quickstart in TypeScript), run against a real
 * scouter-server: if a step of the guide stops working, this fails. Only the schedule is faster (every 2 s).
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  AlertThreshold,
  CustomDriftProfile,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  Metrics,
  ScouterQueue,
  TimeInterval,
} from '@scouter-ts/core';
import { type ScouterHarness, startScouter, waitFor, waitPastNextRun } from './harness.js';

let h: ScouterHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it("follows the README's custom-metrics guide: profile, register, queue, binned values, alert", async () => {
  h = await startScouter({ pollIntervalMs: 100 });
  const schedule = '*/2 * * * * *';

  // 1. metrics
  const metrics = [
    new CustomMetric({
      name: 'mae',
      value: 1,
      alertThreshold: AlertThreshold.Outside,
      alertThresholdValue: 0.5,
    }),
    new CustomMetric({
      name: 'MAPE',
      value: 2,
      alertThreshold: AlertThreshold.Outside,
      alertThresholdValue: 0.5,
    }),
  ];
  // 2. alerting (Console dispatch, the default)
  const alertConfig = new CustomMetricAlertConfig({ schedule });
  // 3. model identity and sample size
  const config = new CustomMetricDriftConfig({
    space: 'scouter',
    name: 'custom_metric',
    version: '1.0.0',
    sampleSize: 5,
    alertConfig,
  });
  // 4. profile
  const profile = Drifter.createDriftProfile(metrics, config);
  expect(profile.identifier).toBe('scouter/custom_metric/v1.0.0/custom');
  expect(profile.metrics).toEqual({ mae: 1, mape: 2 });
  // 5. register as active, save
  await h.client.registerProfile(profile, { setActive: true });
  const path = profile.save(join(h.dir, 'custom_profile.json'));
  expect(CustomDriftProfile.load(path).toJSON()).toEqual(profile.toJSON());

  // 6. the queue: ten inserts = two batches of 5; mae batch means 2.3 and 1.5 (window mean 1.9, outside 1 ± 0.5),
  // mape only in the second batch, exactly its baseline (never alerts)
  await waitPastNextRun(schedule, 300);
  const queue = await ScouterQueue.fromPath({ custom: path }, h.transport);
  for (const mae of [2, 3, 2, 3, 1.5]) queue.get('custom').insert(new Metrics({ mae }));
  for (let i = 0; i < 5; i++) queue.insert('custom', { mae: 1.5, mape: 2 });
  expect(await queue.shutdown({ timeoutMs: 10_000 })).toEqual({ sent: 3, dropped: 0, pending: 0 });

  // 9. read the results
  const key = { space: 'scouter', name: 'custom_metric', version: profile.config.version };
  const binned = await h.client.getBinnedDrift({
    ...key,
    timeInterval: TimeInterval.FiveMinutes,
    maxDataPoints: 1,
  });
  expect(binned.get('mae')?.stats[0]?.avg).toBeCloseTo((2.3 + 1.5) / 2, 12);
  expect(binned.get('mape')?.stats[0]?.avg).toBe(2);

  await waitPastNextRun(schedule, 400);
  const alerts = await waitFor('the mae alert', async () => {
    const found = await h?.client.getAlerts({ ...key, active: true });
    return found !== undefined && found.length > 0 ? found : undefined;
  });
  expect(alerts.map((a) => a.alert)).toEqual([
    {
      entity_name: 'mae',
      training_metric_value: '1',
      observed_metric_value: String((2.3 + 1.5) / 2),
      alert_threshold: 'Outside',
      alert_threshold_value: '0.5',
    },
  ]);
  expect(h.consoleAlerts.join('')).toContain(
    'Drift detected for scouter/custom_metric/1.0.0! \n' +
      'The mae metric value has fallen outside the threshold (initial value ± 0.5)\n' +
      'Initial Metric Value: 1\n',
  );
});
