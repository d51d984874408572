import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomDriftProfile, ScouterClient } from '@scouter-ts/core';
import { jsonDiff } from './f64.js';
import type { ProfileSpec, PyProfile } from './profile-spec.js';
import { VENVS, requirePython, runPython, skipMessage, type PythonEnv } from './python.js';
import { startTestServer, waitFor, type RunningServer, httpConfigFor } from './server.js';

/**
 * Issue 7, part 2: Scouter's own Python client (scouter-ml, Rust core) against our scouter-server.
 * The drift job is run by the server's scheduler itself (`runDueJobs`, the function its poller calls), triggered
 * here once every record has arrived so the observed means do not depend on when a poll happens to fall.
 */

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
interface PyAlert {
  created_at: string;
  name: string;
  space: string;
  version: string;
  entity_name: string;
  alert: Record<string, string>;
  id: number;
  drift_type: string;
  active: boolean;
}
interface PySent {
  registered: boolean;
  version: string;
  path: string;
  identifier: string;
  profile: PyProfile;
}

const spec: ProfileSpec = {
  space: 'interop',
  name: 'python-client',
  version: '1.0.0',
  sample_size: 5,
  schedule: '*/2 * * * * *',
  metrics: [
    { name: 'mae', value: 1, threshold: 'Above', threshold_value: 0.5 },
    { name: 'accuracy', value: 0.9, threshold: 'Outside', threshold_value: 0.2 },
    { name: 'latency', value: 100, threshold: 'Below', threshold_value: null },
  ],
};

// Ten requests; Python averages each batch of sample_size = 5 into one record per metric.
const rows = Array.from({ length: 10 }, (_, i) => ({
  mae: i + 1,
  accuracy: i % 2 === 0 ? 0.8 : 0.9,
  latency: i * 10,
}));
// Upper-case names are lower-cased by Python's Metric; names missing from the profile are dropped by its queue.
const inserts = rows.map((r, i) => ({
  [i % 2 === 0 ? 'MAE' : 'mae']: r.mae,
  accuracy: r.accuracy,
  latency: r.latency,
  not_in_profile: 42,
}));
const batchMean = (metric: 'mae' | 'accuracy' | 'latency', batch: number) =>
  rows
    .slice(batch * 5, batch * 5 + 5)
    .map((r) => r[metric])
    .reduce((a, b) => a + b, 0) / 5;

describe.each(VENVS)('scouter-ml $scouterMl', (venv) => {
  let env: PythonEnv;
  let server: RunningServer;
  let client: ScouterClient;
  const auth = { username: 'admin', password: 'admin' };

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

  describe('Python ScouterClient + ScouterQueue -> scouter-ts server', { timeout: 90_000 }, () => {
    let sent: PySent;
    /** The entity uid our server gave the registration (v0.25 requests name the profile by it). */
    const uidArg = () => {
      const uid = (sent.profile.dump as { config: { uid?: string } }).config.uid;
      return uid === undefined ? {} : { uid };
    };

    it('register_profile(set_active=True), ScouterQueue.from_path(HttpConfig) inserts and shutdown() reach the server', async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      sent = await runPython<PySent>(venv, 'register_and_send', {
        server_uri: server.serverUri,
        ...auth,
        spec,
        path: join(server.dir, 'python-profile'),
        set_active: true,
        inserts,
      });
      expect(sent.registered).toBe(true);
      expect(sent.version).toBe('1.0.0');
      expect(sent.identifier).toBe('interop/python-client/v1.0.0/custom');

      // The profile Python registered is stored as sent and active.
      const listed = await client.listProfiles({ space: 'interop', name: 'python-client', version: '1.0.0' });
      expect(listed).toHaveLength(1);
      expect(listed[0]!.active).toBe(true);
      expect(JSON.parse(JSON.stringify(listed[0]!.profile))).toStrictEqual(sent.profile.dump);
    });

    it('get_binned_drift(DriftRequest(..., drift_type=DriftType.Custom)) returns the batch means', async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      const request = { space: 'interop', name: 'python-client', version: '1.0.0' };
      const py = await runPython<PyBinned>(venv, 'read_drift', {
        server_uri: server.serverUri,
        ...auth,
        ...request,
        ...uidArg(),
        time_interval: 'TwentyFourHours',
        max_data_points: 1,
      });
      expect(py.type).toBe('BinnedMetrics');
      // Unknown names were dropped by the Python queue; names were lower-cased.
      expect(Object.keys(py.metrics).sort()).toStrictEqual(['accuracy', 'latency', 'mae']);
      for (const metric of ['mae', 'accuracy', 'latency'] as const) {
        const series = py.metrics[metric]!;
        expect(series.metric).toBe(metric);
        const [first, second] = [batchMean(metric, 0), batchMean(metric, 1)];
        if (series.stats.length === 1) {
          const avg = (first + second) / 2;
          const sd = Math.sqrt(((first - avg) ** 2 + (second - avg) ** 2) / 1);
          expect(series.stats[0]!.avg, metric).toBeCloseTo(avg, 12);
          expect(series.stats[0]!.lower_bound, metric).toBeCloseTo(avg - sd, 12);
          expect(series.stats[0]!.upper_bound, metric).toBeCloseTo(avg + sd, 12);
        } else {
          // The two batches straddled a day boundary (UTC midnight): one bin each, newest first.
          expect(
            jsonDiff(
              series.stats.map((s) => s.avg),
              [second, first],
            ),
          ).toStrictEqual([]);
        }
      }
      expect(batchMean('mae', 0)).toBe(3);
      expect(batchMean('mae', 1)).toBe(8);

      // Same answer through our own client.
      const ours = await client.getBinnedDrift({
        ...request,
        timeInterval: 'TwentyFourHours',
        maxDataPoints: 1,
      });
      for (const [metric, series] of Object.entries(py.metrics)) {
        const mine = ours.get(metric)!;
        // Within 1 ULP: Scouter's serde_json misreads some doubles (see f64.ts).
        expect(
          jsonDiff(
            series.stats.map((s) => [s.avg, s.lower_bound, s.upper_bound]),
            mine.stats.map((s) => [s.avg, s.lowerBound, s.upperBound]),
          ),
        ).toStrictEqual([]);
        expect(mine.createdAt.map((d) => d.getTime())).toStrictEqual(
          series.created_at.map((t) => Date.parse(t)),
        );
      }
    });

    it("get_alerts(DriftAlertRequest(...)) returns the alerts our drift job raised, with Scouter's alert map", async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      // The schedule fires every 2 s; run due jobs until this profile's job has run once.
      await waitFor(
        'the drift job of interop/python-client',
        async () => {
          await server.app.scouterServer.scheduler.runDueJobs();
          return (
            (await client.getAlerts({ space: 'interop', name: 'python-client', version: '1.0.0' })).length > 0
          );
        },
        { attempts: 20, intervalMs: 250 },
      );
      const py = await runPython<{ alerts: PyAlert[] }>(venv, 'get_alerts', {
        server_uri: server.serverUri,
        ...auth,
        ...uidArg(),
        space: 'interop',
        name: 'python-client',
        version: '1.0.0',
        active: true,
      });
      const observed = (m: 'mae' | 'latency') => String((batchMean(m, 0) + batchMean(m, 1)) / 2);
      const byMetric = Object.fromEntries(py.alerts.map((a) => [a.entity_name, a]));
      // accuracy: observed 0.85, inside 0.9 ± 0.2 -> no alert.
      expect(Object.keys(byMetric).sort()).toStrictEqual(['latency', 'mae']);
      expect(py.alerts).toHaveLength(2);
      // Scouter 0.25's Python Alert has no alert map: check the one our client reads in the same dialect.
      const ours = await client.getAlerts({
        space: 'interop',
        name: 'python-client',
        version: '1.0.0',
        active: true,
      });
      const maps = Object.fromEntries(
        (venv.id === 'v0.13' ? py.alerts : ours).map((a) => [
          'entity_name' in a ? a.entity_name : a.entityName,
          a.alert,
        ]),
      );
      expect(maps.mae).toStrictEqual({
        alert_threshold: 'Above',
        alert_threshold_value: '0.5',
        entity_name: 'mae',
        observed_metric_value: observed('mae'),
        training_metric_value: '1',
      });
      expect(observed('mae')).toBe('5.5');
      expect(maps.latency).toStrictEqual({
        alert_threshold: 'Below',
        alert_threshold_value: 'None',
        entity_name: 'latency',
        observed_metric_value: '45',
        training_metric_value: '100',
      });
      for (const alert of py.alerts) {
        expect(alert).toMatchObject(
          venv.id === 'v0.13'
            ? {
                name: 'python-client',
                space: 'interop',
                version: '1.0.0',
                drift_type: 'Custom',
                active: true,
              }
            : { active: true },
        );
      }
      // Python sees exactly what our client sees (ids, times).
      expect(py.alerts.map((a) => [a.id, Date.parse(a.created_at)])).toStrictEqual(
        ours.map((a) => [a.id, a.createdAt.getTime()]),
      );
      // limit and limit_datetime, as Python encodes them.
      const newest = Math.max(...py.alerts.map((a) => Date.parse(a.created_at)));
      const query = {
        server_uri: server.serverUri,
        ...auth,
        ...uidArg(),
        space: 'interop',
        name: 'python-client',
        version: '1.0.0',
      };
      const limited = await runPython<{ alerts: PyAlert[] }>(venv, 'get_alerts', { ...query, limit: 1 });
      expect(limited.alerts.map((a) => a.id)).toStrictEqual([py.alerts[0]!.id]);
      const since = (ms: number) => new Date(ms).toISOString();
      const later = await runPython<{ alerts: PyAlert[] }>(venv, 'get_alerts', {
        ...query,
        limit_datetime: since(newest + 1),
      });
      expect(later.alerts).toStrictEqual([]);
      const earlier = await runPython<{ alerts: PyAlert[] }>(venv, 'get_alerts', {
        ...query,
        limit_datetime: since(newest - 60_000),
      });
      expect(earlier.alerts.map((a) => a.id).sort()).toStrictEqual(py.alerts.map((a) => a.id).sort());
      // And the Console dispatcher reported the drift.
      expect(server.consoleOutput.join('')).toContain('Drift detected for interop/python-client/1.0.0!');
    });

    it("download_profile(GetProfileRequest(...), path) saves Scouter's wrapped profile, which CustomDriftProfile.load reads", async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      const target = join(server.dir, 'downloaded');
      const result = await runPython<{ returned: string }>(venv, 'download_profile', {
        server_uri: server.serverUri,
        ...auth,
        space: 'interop',
        name: 'python-client',
        version: '1.0.0',
        path: target,
      });
      expect(result.returned).toBe(target);
      const file = JSON.parse(readFileSync(`${target}.json`, 'utf8'));
      expect(file).toStrictEqual({ Custom: sent.profile.dump });
      // Python's own from_file cannot read this wrapped file (Scouter quirk); ours can.
      expect(JSON.parse(JSON.stringify(CustomDriftProfile.load(`${target}.json`)))).toStrictEqual(
        sent.profile.dump,
      );
    });
    it('ScouterClient() with no config logs in as guest; register_profile(set_active=True, deactivate_others=True) leaves only the new version active', async (ctx) => {
      if (!env.ok) ctx.skip(skipMessage(env));
      const storage = server.app.scouterServer.storage;
      expect((await storage.getUser('guest'))?.refreshToken).toBeNull();
      const next = await runPython<PySent>(
        venv,
        'register_and_send',
        {
          server_uri: server.serverUri,
          ...auth,
          default_client: true,
          spec: { ...spec, version: '2.0.0' },
          path: join(server.dir, 'python-profile-2'),
          set_active: true,
          deactivate_others: true,
          inserts: [],
        },
        { env: { SCOUTER_SERVER_URI: server.serverUri } },
      );
      expect(next.version).toBe('2.0.0');
      // The guest user logged in (login stores a refresh token for the user).
      expect((await storage.getUser('guest'))?.refreshToken).toEqual(expect.any(String));
      // Scouter v0.13 binds space and name swapped here and deactivates nothing; we deactivate 1.0.0.
      const listed = await client.listProfiles({ space: 'interop', name: 'python-client', version: '2.0.0' });
      expect(listed.map((p) => [p.profile.config.version, p.active])).toStrictEqual([['2.0.0', true]]);
      const old = await client.listProfiles({ space: 'interop', name: 'python-client', version: '1.0.0' });
      expect(old.map((p) => [p.profile.config.version, p.active])).toStrictEqual([['1.0.0', false]]);
    });
  });
});
