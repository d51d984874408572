/**
 * The example inference services end to end, once with Express and once with Fastify: real scouter-server on
 * SQLite, the real training script and profile, real HTTP requests, and assertions on what the server stored and
 * which alerts it raised.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommonCrons, MockConfig, ScouterQueue } from '@scouter-ts/core';
import { startInferenceService as startExpressService } from '../../examples/express-inference/src/app.js';
import { startInferenceService as startFastifyService } from '../../examples/fastify-inference/src/app.js';
import {
  type IrisExample,
  type IrisModel,
  loadIris,
  shiftInputs,
} from '../../examples/express-inference/src/model.js';
import {
  LATENCY_METRIC,
  MARGINS,
  type ProfileSettings,
  trainAndRegister,
} from '../../examples/express-inference/src/monitoring.js';
import type { RunningService, StartInferenceService } from '../../examples/express-inference/src/service.js';
import { sendTraffic } from '../../examples/express-inference/src/traffic.js';
import {
  type ScouterHarness,
  batchMeans,
  profileKey,
  startScouter,
  storedValues,
  waitFor,
  waitPastNextRun,
} from './harness.js';

const frameworks: Array<[string, StartInferenceService]> = [
  ['express', startExpressService],
  ['fastify', startFastifyService],
];

/** Per-request values a service inserts for labelled rows, in request order. */
function expectedValues(model: IrisModel, rows: IrisExample[]) {
  return {
    accuracy: rows.map((r) => (model.predict(r.features).species === r.species ? 1 : 0)),
    petal_length: rows.map((r) => r.features.petal_length),
    sepal_width: rows.map((r) => r.features.sepal_width),
  };
}

describe.each(frameworks)('%s inference service end to end', (framework, startService) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const settings = (overrides: Partial<ProfileSettings> = {}): ProfileSettings => ({
    space: 'e2e',
    name: `iris-${framework}`,
    version: '1.0.0',
    sampleSize: 4,
    schedule: CommonCrons.EveryDay,
    ...overrides,
  });

  async function scouter(options: Parameters<typeof startScouter>[0] = {}): Promise<ScouterHarness> {
    const h = await startScouter(options);
    cleanups.push(() => h.close());
    return h;
  }

  async function serve(...args: Parameters<StartInferenceService>): Promise<RunningService> {
    const service = await startService(...args);
    cleanups.push(() => service.close());
    return service;
  }

  it('stores one value per metric per batch, equal to the batch means; the shutdown flush delivers the tail', async () => {
    const h = await scouter();
    const training = await trainAndRegister(h.client, settings({ sampleSize: 4 }), join(h.dir, 'artifacts'));
    const service = await serve({
      model: training.model,
      profilePath: training.profilePath,
      transport: h.transport,
      queueOptions: { flushIntervalMs: 600_000 },
    });
    // Health probes are not monitored (shouldRecord); if they were, they would shift every batch below.
    for (let i = 0; i < 3; i++) expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const rows = loadIris().holdout.slice(0, 10);
    await sendTraffic(service.url, rows);

    // 10 requests = two full batches of 4, sent on their own, and a tail of 2 that only the shutdown flush sends.
    await waitFor('the two full batches', async () =>
      (await storedValues(h.client, training.profile, 'petal_length')).length === 2 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await storedValues(h.client, training.profile, 'petal_length')).toHaveLength(2);
    const finalFlush = await service.close();
    expect(finalFlush).toEqual({ sent: 4, dropped: 0, pending: 0 });

    const expected = expectedValues(training.model, rows);
    for (const [metric, values] of Object.entries(expected)) {
      const stored = await storedValues(h.client, training.profile, metric);
      const means = batchMeans(values, 4);
      expect(stored, metric).toHaveLength(3);
      stored.forEach((value, i) => expect(value, `${metric} batch ${i}`).toBeCloseTo(means[i] as number, 12));
    }
    const latency = await storedValues(h.client, training.profile, LATENCY_METRIC);
    expect(latency).toHaveLength(3);
    for (const value of latency) expect(value).toBeGreaterThan(0);
  });

  it('answers a malformed body with 400 and records only its latency, no model metrics', async () => {
    const h = await scouter();
    const training = await trainAndRegister(h.client, settings({ sampleSize: 4 }), join(h.dir, 'artifacts'));
    const service = await serve({
      model: training.model,
      profilePath: training.profilePath,
      transport: h.transport,
      queueOptions: { flushIntervalMs: 600_000 },
    });
    const bad = await fetch(`${service.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ features: { sepal_length: 5.1, sepal_width: 'wide' }, species: 'setosa' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error:
        'features.sepal_width, features.petal_length, features.petal_width must be finite numbers (centimetres)',
    });
    const rows = loadIris().holdout.slice(0, 4);
    await sendTraffic(service.url, rows);
    await service.close();

    // The bad request is one sample holding only latency_ms, so the first batch holds 3 predictions, the tail 1.
    const lengths = rows.map((r) => r.features.petal_length);
    const stored = await storedValues(h.client, training.profile, 'petal_length');
    expect(stored).toHaveLength(2);
    expect(stored[0]).toBeCloseTo(batchMeans(lengths.slice(0, 3), 3)[0] as number, 12);
    expect(stored[1]).toBe(lengths[3]);
    expect(await storedValues(h.client, training.profile, LATENCY_METRIC)).toHaveLength(2);
  });

  it('keeps answering when the Scouter server refuses its credentials; the loss is reported, not thrown', async () => {
    const h = await scouter();
    const training = await trainAndRegister(h.client, settings({ sampleSize: 5 }), join(h.dir, 'artifacts'));
    const problems: Array<[string, string]> = [];
    const service = await serve({
      model: training.model,
      profilePath: training.profilePath,
      transport: h.transport.with({ password: 'wrong' }),
      queueOptions: {
        logger: { warn: () => undefined, error: () => undefined },
        onError: (err, info) => problems.push([err.code, info.problem]),
      },
    });
    const summary = await sendTraffic(service.url, loadIris().holdout.slice(0, 5));
    expect(summary.predictions).toHaveLength(5);
    await service.close();
    expect(problems).toEqual([['ERR_AUTH', 'rejected']]);
    expect(await storedValues(h.client, training.profile, 'petal_length')).toEqual([]);
  });

  it('alerts on the drifted metrics and not on the in-band ones (Console dispatch)', async () => {
    const schedule = '*/2 * * * * *';
    const h = await scouter({ pollIntervalMs: 100 });
    const training = await trainAndRegister(
      h.client,
      settings({ sampleSize: 5, schedule }),
      join(h.dir, 'artifacts'),
    );
    const key = profileKey(training.profile);
    const service = await serve({
      model: training.model,
      profilePath: training.profilePath,
      transport: h.transport,
    });
    const { holdout } = loadIris();

    await waitPastNextRun(schedule, 300);
    await sendTraffic(service.url, holdout);
    await service.flush();
    await waitPastNextRun(schedule, 600);
    expect(await h.client.getAlerts(key)).toEqual([]);

    await sendTraffic(service.url, shiftInputs(holdout, 2));
    await service.flush();
    await waitPastNextRun(schedule, 600);
    const alerts = await waitFor('the drift alerts', async () => {
      const found = await h.client.getAlerts(key);
      return found.length >= 2 ? found : undefined;
    });
    expect(new Set(alerts.map((a) => a.entityName))).toEqual(new Set(['accuracy', 'petal_length']));

    const petal = alerts.find((a) => a.entityName === 'petal_length');
    expect(petal?.alert).toMatchObject({
      entity_name: 'petal_length',
      alert_threshold: 'Outside',
      alert_threshold_value: String(MARGINS.petal_length),
      training_metric_value: String(training.baseline.featureMeans.petal_length),
    });
    expect(Number(petal?.alert.observed_metric_value)).toBeGreaterThan(
      training.baseline.featureMeans.petal_length + MARGINS.petal_length,
    );
    const accuracy = alerts.find((a) => a.entityName === 'accuracy');
    expect(accuracy?.alert).toMatchObject({
      alert_threshold: 'Below',
      alert_threshold_value: String(MARGINS.accuracy),
    });
    expect(Number(accuracy?.alert.observed_metric_value)).toBeLessThan(
      training.baseline.accuracy - MARGINS.accuracy,
    );

    const consoleText = await waitFor('the Console dispatch', async () => {
      const text = h.consoleAlerts.join('');
      return text.includes('petal_length') && text.includes('accuracy') ? text : undefined;
    });
    expect(consoleText).toContain(`Drift detected for ${key.space}/${key.name}/${key.version}!`);
    expect(consoleText).toContain(
      'The petal_length metric value has fallen outside the threshold (initial value ± 1)',
    );
    expect(consoleText).not.toContain('sepal_width');
    expect(consoleText).not.toContain(LATENCY_METRIC);
  });

  it('loses nothing when the server restarts mid-run', async () => {
    const h = await scouter();
    const training = await trainAndRegister(h.client, settings({ sampleSize: 5 }), join(h.dir, 'artifacts'));
    const problems: string[] = [];
    const service = await serve({
      model: training.model,
      profilePath: training.profilePath,
      transport: h.transport,
      queueOptions: {
        flushIntervalMs: 600_000,
        retryBaseMs: 20,
        retryMaxMs: 200,
        maxRetries: 100,
        logger: { warn: () => undefined, error: () => undefined },
        onError: (_err, info) => problems.push(info.problem),
      },
    });
    const { holdout } = loadIris();
    const stored = () => storedValues(h.client, training.profile, 'petal_length');

    await sendTraffic(service.url, holdout.slice(0, 10));
    await waitFor('the batches sent before the restart', async () =>
      (await stored()).length === 2 ? true : undefined,
    );
    await h.stop();
    await sendTraffic(service.url, holdout.slice(10, 20));
    await waitFor('a failed delivery while the server is down', async () => problems.length > 0, {
      timeoutMs: 15_000,
    });
    await h.restart();
    await sendTraffic(service.url, holdout.slice(20, 30));
    const finalFlush = await service.close();
    expect(finalFlush.dropped).toBe(0);
    expect(finalFlush.pending).toBe(0);
    // The batches cut while the server was down failed and were retried, never given up.
    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(problems)).toEqual(new Set(['retrying']));

    const expected = expectedValues(training.model, holdout);
    for (const [metric, values] of Object.entries(expected)) {
      const values6 = await storedValues(h.client, training.profile, metric);
      const means = batchMeans(values, 5);
      expect(values6, metric).toHaveLength(6);
      values6.forEach((value, i) =>
        expect(value, `${metric} batch ${i}`).toBeCloseTo(means[i] as number, 12),
      );
    }
  });

  it('serves from a profile downloaded from the server (ScouterClient.downloadProfile -> ScouterQueue.fromPath)', async () => {
    const h = await scouter();
    const training = await trainAndRegister(h.client, settings({ sampleSize: 5 }), join(h.dir, 'artifacts'));
    const downloaded = await h.client.downloadProfile(
      profileKey(training.profile),
      join(h.dir, 'downloaded.json'),
    );

    const queue = await ScouterQueue.fromPath({ iris: downloaded }, new MockConfig());
    expect(queue.get('iris').identifier).toBe(training.profile.identifier);
    expect(queue.get('iris').profile.toJSON()).toEqual(training.profile.toJSON());
    await queue.shutdown();

    const service = await serve({ model: training.model, profilePath: downloaded, transport: h.transport });
    const rows = loadIris().holdout.slice(0, 5);
    await sendTraffic(service.url, rows);
    await service.close();
    expect(await storedValues(h.client, training.profile, 'sepal_width')).toEqual(
      batchMeans(
        rows.map((r) => r.features.sepal_width),
        5,
      ).map((m) => expect.closeTo(m, 12) as unknown as number),
    );
  });
});
