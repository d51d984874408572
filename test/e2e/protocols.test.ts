/**
 * scouter-ts's client in both Scouter dialects against one real scouter-server: a v0.25 client (`protocol: 'auto'`
 * finds v0.25, the server's newest dialect) and a v0.13 client write to the same profile version; drift and alerts
 * show both through either dialect, and the profile files each saves are in its own dialect.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { HttpConfig, InvalidOptionsError, ScouterClient, ScouterQueue } from '@scouter-ts/core';
import { type ScouterHarness, maeProfile, startScouter, waitFor, waitPastNextRun } from './harness.js';

let h: ScouterHarness | undefined;
const clients: ScouterClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h?.close();
  h = undefined;
});

it("speaks v0.25 with protocol 'auto' and v0.13 by default; both clients' records land in one series and one alert", async () => {
  h = await startScouter({ pollIntervalMs: 100 });
  const schedule = '*/2 * * * * *';
  const latest = new ScouterClient(h.transport.with({ protocol: 'auto' }));
  const v013 = new ScouterClient(h.transport);
  clients.push(latest, v013);
  expect(await latest.protocol()).toBe('v0.25');
  expect(await v013.protocol()).toBe('v0.13');

  const profile = maeProfile('scouter', 'both', schedule);
  const registered = await latest.registerProfile(profile, { setActive: true });
  expect(registered).toMatchObject({
    version: '1.0.0',
    active: true,
    uid: expect.stringMatching(/^scouter-ts:/),
  });
  expect(profile.config.uid).toBe(registered.uid);
  expect(profile.protocol).toBe('v0.25');
  const path25 = profile.save(join(h.dir, 'v025.json'));
  const saved = JSON.parse(readFileSync(path25, 'utf8')) as {
    config: { uid: string; alert_config: { alert_conditions: Record<string, unknown> } };
    scouter_version: string;
  };
  expect(saved.scouter_version).toBe('0.25.0');
  expect(saved.config.uid).toBe(profile.config.uid);
  expect(saved.config.alert_config.alert_conditions.mae).toEqual({
    baseline_value: 1,
    alert_threshold: 'Above',
    delta: 0.5,
  });
  const path13 = profile.save(join(h.dir, 'v013.json'), { protocol: 'v0.13' });
  const saved13 = JSON.parse(readFileSync(path13, 'utf8')) as {
    config: Record<string, unknown>;
    scouter_version: string;
  };
  expect(saved13.config).not.toHaveProperty('uid');
  expect(saved13.scouter_version).toBe('0.13.0');

  await waitPastNextRun(schedule, 300);
  const q25 = await ScouterQueue.fromPath(
    { m: path25 },
    h.transport.with({ protocol: 'auto', thread: 'main' }),
  );
  const q13 = await ScouterQueue.fromPath({ m: path13 }, h.transport.with({ thread: 'main' }));
  q25.insert('m', { mae: 2 });
  q25.insert('m', { mae: 2 });
  q13.insert('m', { mae: 4 });
  q13.insert('m', { mae: 4 });
  expect(await q25.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });
  expect(await q13.shutdown()).toEqual({ sent: 1, dropped: 0, pending: 0 });

  const key = { space: 'scouter', name: 'both', version: '1.0.0' };
  const d25 = await latest.getBinnedDrift({ ...key, timeInterval: 'FifteenMinutes', maxDataPoints: 1 });
  const d13 = await v013.getBinnedDrift({ ...key, timeInterval: 'FiveMinutes', maxDataPoints: 1 });
  expect(d25.get('mae')?.stats[0]?.avg).toBe(3);
  expect(d13.get('mae')?.stats[0]?.avg).toBe(3);
  await expect(
    latest.getBinnedDrift({ ...key, timeInterval: 'FiveMinutes', maxDataPoints: 1 }),
  ).rejects.toThrow(/FiveMinutes.*v0\.25/);

  await waitPastNextRun(schedule, 400);
  const a25 = await waitFor('the alert (v0.25)', async () => {
    const found = await latest.getAlerts({ ...key, active: true });
    return found.length > 0 ? found : undefined;
  });
  const a13 = await v013.getAlerts({ ...key, active: true });
  expect(a25.map((a) => a.id)).toEqual(a13.map((a) => a.id));
  expect(a25[0]!.alert).toEqual(a13[0]!.alert);
  expect(a13[0]!.alert).toMatchObject({ observed_metric_value: '3', training_metric_value: '1' });
});

it('refuses v0.25 records for a profile without a uid, and protocol auto in the synchronous constructor', async () => {
  const profile = maeProfile('scouter', 'both', '0 0 0 * * *');
  const config = new HttpConfig({ serverUri: 'http://127.0.0.1:9', protocol: 'v0.25', thread: 'main' }, {});
  expect(() => new ScouterQueue({ m: profile }, config)).toThrow(InvalidOptionsError);
  expect(() => new ScouterQueue({ m: profile }, config)).toThrow(/uid/);
  expect(() => new ScouterQueue({ m: profile }, config.with({ protocol: 'auto' }))).toThrow(/fromPath/);
  expect(new HttpConfig({ protocol: 'latest' }, {}).protocol).toBe('v0.25');
  expect(new HttpConfig({ protocol: '0.12.0' }, {}).protocol).toBe('v0.13');
  expect(new HttpConfig({ protocol: 'v0.19.0' }, {}).protocol).toBe('v0.25');
  expect(new HttpConfig({}, {}).protocol).toBe('v0.13');
  expect(() => new HttpConfig({ protocol: '0.30.0' }, {})).toThrow(/protocol.*unknown Scouter version/);
  expect(() => profile.save('x.json', { protocol: 'auto' })).toThrow(/protocol/);
});
