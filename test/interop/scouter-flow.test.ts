import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpConfig, ScouterClient } from '@scouter-ts/core';
import { buildTsProfile, type ProfileSpec } from './profile-spec.js';
import { requirePython, runPython, skipMessage, type PythonEnv } from './python.js';
import { startTestServer, waitFor, type RunningServer } from './server.js';

/**
 * Scouter's own usage patterns against our server, beyond the basic flow of python-client.test.ts:
 * the flow of Scouter's end-to-end custom test (version bump, late activation, the server's real poller), and a
 * client kept alive across an access-token expiry.
 */

const auth = { username: 'admin', password: 'admin' };
let env: PythonEnv;
let server: RunningServer | undefined;

beforeAll(async () => {
  env = await requirePython();
}, 300_000);

afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface PyFlow {
  versions: [string, string];
  identifier: string;
  attempts: number;
  alerts: {
    id: number;
    created_at: string;
    entity_name: string;
    alert: Record<string, string>;
    version: string;
    active: boolean;
  }[];
}

describe("Scouter's integration-test flow (test_rabbitmq.py) over HTTP", () => {
  it('a bumped version is written back, its records are checked by the polling scheduler, and get_alerts sees the alerts', async (ctx) => {
    if (!env.ok) ctx.skip(skipMessage(env));
    server = await startTestServer({ schedulerEnabled: true, pollIntervalMs: 200 });
    const spec: ProfileSpec = {
      space: 'interop',
      name: 'scouter-flow',
      version: '1.0.0',
      sample_size: 5,
      schedule: '*/2 * * * * *',
      metrics: [
        { name: 'mae', value: 1, threshold: 'Outside', threshold_value: 0.5 },
        { name: 'mape', value: 2, threshold: 'Outside', threshold_value: 0.5 },
      ],
    };
    const py = await runPython<PyFlow>(
      'scouter_flow',
      {
        server_uri: server.serverUri,
        ...auth,
        spec,
        path: join(server.dir, 'flow-profile'),
        inserts: Array.from({ length: 100 }, (_, i) => ({ mae: i, mape: i + 1 })),
        alert_attempts: 40,
        alert_interval_s: 0.25,
      },
      { timeoutMs: 90_000 },
    );
    expect(py.versions).toStrictEqual(['1.0.0', '1.1.0']);
    expect(py.identifier).toBe('interop/scouter-flow/v1.1.0/custom');
    // The first run after activation sees every record sent since registration: the mean of the 20 batch means.
    // (Scouter v0.13 would look for records under the JSON's version 1.0.0 and never alert here; see compatibility.md.)
    const first = (metric: string) =>
      py.alerts.filter((a) => a.entity_name === metric).sort((a, b) => a.id - b.id)[0];
    expect(first('mae')).toMatchObject({
      version: '1.1.0',
      active: true,
      alert: {
        alert_threshold: 'Outside',
        alert_threshold_value: '0.5',
        entity_name: 'mae',
        observed_metric_value: '49.5',
        training_metric_value: '1',
      },
    });
    expect(first('mape')).toMatchObject({
      version: '1.1.0',
      alert: {
        alert_threshold: 'Outside',
        alert_threshold_value: '0.5',
        entity_name: 'mape',
        observed_metric_value: '50.5',
        training_metric_value: '2',
      },
    });
    expect(server.consoleOutput.join('')).toContain('Drift detected for interop/scouter-flow/1.1.0!');
    // The stored profile carries the version it is filed under.
    const client = new ScouterClient(new HttpConfig({ serverUri: server.serverUri, ...auth }));
    try {
      const stored = await client.getProfile({ space: 'interop', name: 'scouter-flow', version: '1.1.0' });
      expect(stored.config.version).toBe('1.1.0');
    } finally {
      await client.close();
    }
  }, 120_000);
});

describe("Scouter's clients across an access-token expiry", () => {
  it('a ScouterClient and a ScouterQueue logged in two hours earlier keep working (the server refreshes the token)', async (ctx) => {
    if (!env.ok) ctx.skip(skipMessage(env));
    let offsetMs = 0;
    server = await startTestServer({ schedulerEnabled: false, now: () => new Date(Date.now() + offsetMs) });
    const client = new ScouterClient(new HttpConfig({ serverUri: server.serverUri, ...auth }));
    const profile = buildTsProfile({
      space: 'interop',
      name: 'token-expiry',
      version: '1.0.0',
      sample_size: 2,
      metrics: [{ name: 'mae', value: 1, threshold: 'Above', threshold_value: 0.5 }],
    });
    await client.registerProfile(profile, { setActive: true });
    await client.close();
    const path = profile.save(join(server.dir, 'token-profile'));
    const readyFile = join(server.dir, 'ready');
    const goFile = join(server.dir, 'go');
    const running = runPython<{ metrics: Record<string, number[]> }>(
      'expired_token',
      {
        server_uri: server.serverUri,
        ...auth,
        path,
        ready_file: readyFile,
        go_file: goFile,
        inserts: [{ mae: 2 }, { mae: 4 }, { mae: 6 }],
        space: 'interop',
        name: 'token-expiry',
        version: '1.0.0',
      },
      { timeoutMs: 90_000 },
    );
    await waitFor('Python to log in', async () => existsSync(readyFile), { attempts: 200, intervalMs: 100 });
    // Access tokens last 1 h (+60 s leeway); refresh tokens 24 h.
    offsetMs = 2 * 3_600_000;
    writeFileSync(goFile, 'go');
    const py = await running;
    // Batches of 2: mean(2, 4) = 3, then shutdown sends mean(6) = 6; one bin averages them.
    // (Two bins, newest first, only if the batches straddle UTC midnight.)
    expect([[4.5], [6, 3]]).toContainEqual(py.metrics.mae);
    expect(Object.keys(py.metrics)).toStrictEqual(['mae']);
  }, 120_000);
});

describe('profile versions as the Python client sees them', () => {
  it('0.0.0 registers as 0.0.0 then 0.1.0; "1" as 1.0.0; 1.0.0 again as 1.1.0 (and again, as Scouter); "2.5" as 2.5.0', async (ctx) => {
    if (!env.ok) ctx.skip(skipMessage(env));
    server = await startTestServer({ schedulerEnabled: false });
    const py = await runPython<{ versions: string[] }>('register_versions', {
      server_uri: server.serverUri,
      ...auth,
      spec: {
        space: 'interop',
        name: 'versions',
        metrics: [{ name: 'mae', value: 1, threshold: 'Above', threshold_value: 0.5 }],
      },
      versions: [null, null, '1', '1.0.0', '1.0.0', '2.5'],
    });
    expect(py.versions).toStrictEqual(['0.0.0', '0.1.0', '1.0.0', '1.1.0', '1.1.0', '2.5.0']);
  }, 90_000);
});
