import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metric, Metrics, ScouterClient, ScouterQueue } from '@scouter-ts/core';
import { jsonDiff } from './f64.js';
import { buildTsProfile, type ProfileSpec } from './profile-spec.js';
import { VENVS, requirePython, runPython, skipMessage, type PythonEnv } from './python.js';
import { startTestServer, type RunningServer, httpConfigFor } from './server.js';

/** Issue 7, part 3: records sent by our queue are read back by Scouter's own Python client with the same values. */

interface PyBinned {
  type: string;
  metrics: Record<
    string,
    {
      metric: string;
      created_at: string[];
      stats: { avg: number; lower_bound: number; upper_bound: number }[];
    }
  >;
}

const spec: ProfileSpec = {
  space: 'interop',
  name: 'ts-client',
  version: '2.0.0',
  sample_size: 4,
  metrics: [
    { name: 'mae', value: 1, threshold: 'Above', threshold_value: 0.5 },
    { name: 'accuracy', value: 0.9, threshold: 'Below', threshold_value: null },
  ],
};

// Two full batches of 4 and a partial batch of 2 that only shutdown() sends.
const rows = Array.from({ length: 10 }, (_, i) => ({ mae: 0.1 * (i + 1), accuracy: 0.97 - i / 100 }));
const batches = [rows.slice(0, 4), rows.slice(4, 8), rows.slice(8)];
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe.each(VENVS)('scouter-ml $scouterMl', (venv) => {
  let env: PythonEnv;
  let server: RunningServer;
  let client: ScouterClient;
  const auth = { username: 'admin', password: 'admin' };
  const identity = { space: 'interop', name: 'ts-client', version: '2.0.0' };

  beforeAll(async () => {
    env = await requirePython(venv);
    if (!env.ok) return;
    server = await startTestServer({ schedulerEnabled: false });
    client = new ScouterClient(httpConfigFor(server, venv));
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  describe(
    'scouter-ts ScouterQueue -> scouter-ts server -> Python ScouterClient',
    { timeout: 90_000 },
    () => {
      it('records sent by our queue are read by get_binned_drift with the same values as our client reads', async (ctx) => {
        if (!env.ok) ctx.skip(skipMessage(env));
        const profile = buildTsProfile(spec);
        const registered = await client.registerProfile(profile, { setActive: true });
        expect(registered).toMatchObject({ ...identity, status: 'success', active: true });

        const path = profile.save(join(server.dir, 'ts-profile'));
        const warnings: object[] = [];
        const errors: object[] = [];
        const queue = await ScouterQueue.fromPath({ model: path }, httpConfigFor(server, venv), {
          flushIntervalMs: 600_000,
          logger: { warn: (obj) => warnings.push(obj), error: (obj) => errors.push(obj) },
        });
        rows.forEach((r, i) => {
          // Both Metrics forms, plus a name the profile does not know (dropped by the queue).
          if (i % 2 === 0)
            queue.get('model').insert(new Metrics({ MAE: r.mae, accuracy: r.accuracy, unknown: 1 }));
          else
            queue
              .get('model')
              .insert(new Metrics([new Metric('mae', r.mae), new Metric('accuracy', r.accuracy)]));
        });
        const result = await queue.shutdown({ timeoutMs: 10_000 });
        expect(result).toMatchObject({ sent: 6, dropped: 0, pending: 0 });
        expect(errors).toStrictEqual([]);
        expect(warnings).toMatchObject([{ alias: 'model', metric: 'unknown' }]);

        const begin = new Date(Date.now() - 3_600_000).toISOString();
        const end = new Date(Date.now() + 60_000).toISOString();
        for (const range of [{}, { begin, end }]) {
          const py = await runPython<PyBinned>(venv, 'read_drift', {
            server_uri: server.serverUri,
            ...auth,
            ...identity,
            ...(profile.config.uid === null ? {} : { uid: profile.config.uid }),
            time_interval: 'TwentyFourHours',
            max_data_points: 1,
            ...range,
          });
          const ours = await client.getBinnedDrift({
            ...identity,
            timeInterval: 'TwentyFourHours',
            maxDataPoints: 1,
            ...(range.begin === undefined ? {} : { beginDatetime: range.begin, endDatetime: range.end }),
          });
          expect(py.type).toBe('BinnedMetrics');
          expect(Object.keys(py.metrics).sort()).toStrictEqual(['accuracy', 'mae']);
          expect(ours.names.sort()).toStrictEqual(['accuracy', 'mae']);
          for (const metric of ['mae', 'accuracy'] as const) {
            const series = py.metrics[metric]!;
            const mine = ours.get(metric)!;
            expect(series.metric).toBe(metric);
            expect(
              jsonDiff(
                series.stats.map((s) => [s.avg, s.lower_bound, s.upper_bound]),
                mine.stats.map((s) => [s.avg, s.lowerBound, s.upperBound]),
              ),
              metric,
            ).toStrictEqual([]);
            expect(series.created_at.map((t) => Date.parse(t))).toStrictEqual(
              mine.createdAt.map((d) => d.getTime()),
            );

            // The values are the batch means our queue computed (one bin unless the run straddles UTC midnight).
            const means = batches.map((b) => mean(b.map((r) => r[metric])));
            const all = series.stats;
            if (all.length === 1) {
              const avg = mean(means);
              const sd = Math.sqrt(means.reduce((a, m) => a + (m - avg) ** 2, 0) / (means.length - 1));
              expect(all[0]!.avg, metric).toBeCloseTo(avg, 12);
              expect(all[0]!.lower_bound, metric).toBeCloseTo(avg - sd, 12);
              expect(all[0]!.upper_bound, metric).toBeCloseTo(avg + sd, 12);
            } else {
              expect(all.length, metric).toBe(2);
            }
          }
        }
      });
    },
  );
});
