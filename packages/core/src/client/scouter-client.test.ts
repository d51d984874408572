import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, ScouterHttpError } from '../errors.js';
import { AlertThreshold } from '../profile/alert-threshold.js';
import { CustomDriftProfile } from '../profile/custom-drift-profile.js';
import { CustomMetric } from '../profile/custom-metric.js';
import { CustomMetricDriftConfig } from '../profile/drift-config.js';
import { HttpConfig } from '../transport/http-config.js';
import { TimeInterval } from '../wire/time-interval.js';
import { LoopbackScouter } from './loopback-scouter.test-util.js';
import { ScouterClient } from './scouter-client.js';

const ORIGIN = 'http://scouter.test:8000';

function makeProfile(version = '1.0.0'): CustomDriftProfile {
  return new CustomDriftProfile(new CustomMetricDriftConfig({ space: 'scouter', name: 'model', version }), [
    new CustomMetric({
      name: 'MAE',
      value: 12.4,
      alertThreshold: AlertThreshold.Above,
      alertThresholdValue: 2,
    }),
  ]);
}

const STORED = {
  config: {
    sample_size: 25,
    space: 'scouter',
    name: 'model',
    version: '1.0.0',
    alert_config: {
      dispatch_config: { Console: { enabled: true } },
      schedule: '0 0 0 * * *',
      alert_conditions: { mae: { alert_threshold: 'Above', alert_threshold_value: 2.0 } },
    },
    drift_type: 'Custom',
  },
  metrics: { mae: 12.4 },
  scouter_version: '0.13.0',
};

describe('ScouterClient with MockAgent (exact requests)', () => {
  let agent: MockAgent;
  let client: ScouterClient;

  beforeEach(() => {
    agent = new MockAgent({ enableCallHistory: true });
    agent.disableNetConnect();
    agent
      .get(ORIGIN)
      .intercept({
        path: '/scouter/auth/login',
        method: 'GET',
        headers: { username: 'admin', password: 'admin' },
      })
      .reply(200, { token: 'jwt' });
    client = new ScouterClient(new HttpConfig({ serverUri: ORIGIN }, {}), { dispatcher: agent });
  });

  afterEach(async () => {
    await client.close();
    await agent.close();
  });

  function calls(): { method: string; url: string; body: string | null | undefined }[] {
    return agent
      .getCallHistory()!
      .calls()
      .filter((c) => c.path !== '/scouter/auth/login')
      .map((c) => ({
        method: c.method,
        url: c.fullUrl.slice(ORIGIN.length),
        body: c.body as string | undefined,
      }));
  }

  it('healthcheck is true on {"alive": true} and false on failure, without logging in', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/scouter/healthcheck', method: 'GET' }).reply(200, { alive: true });
    pool.intercept({ path: '/scouter/healthcheck', method: 'GET' }).reply(503, 'down');
    expect(await client.healthcheck()).toBe(true);
    expect(await client.healthcheck()).toBe(false);
    expect(
      agent
        .getCallHistory()!
        .calls()
        .map((c) => c.path),
    ).toEqual(['/scouter/healthcheck', '/scouter/healthcheck']);
  });

  it('registerProfile posts the ProfileRequest, writes the server version back and activates with setActive', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: '/scouter/profile', method: 'POST', headers: { authorization: 'Bearer jwt' } })
      .reply(200, { space: 'scouter', name: 'model', version: '1.1.0', status: 'success', active: false });
    pool.intercept({ path: '/scouter/profile/status', method: 'PUT' }).reply(200, {
      status: 'success',
      message: 'Monitor profile status updated to true for model scouter 1.1.0',
    });
    const profile = makeProfile();
    const expectedProfileText = profile.toJSONString();

    const response = await client.registerProfile(profile, { setActive: true, deactivateOthers: true });

    expect(response).toEqual({
      space: 'scouter',
      name: 'model',
      version: '1.1.0',
      status: 'success',
      active: true,
    });
    expect(profile.config.version).toBe('1.1.0');
    const [post, put] = calls();
    expect(post).toMatchObject({ method: 'POST', url: '/scouter/profile' });
    expect(post!.body).toBe(
      JSON.stringify({
        space: 'scouter',
        drift_type: 'Custom',
        profile: expectedProfileText,
        version_request: { version: '1.0.0', version_type: 'Minor', pre_tag: null, build_tag: null },
        active: false,
        deactivate_others: false,
      }),
    );
    expect(JSON.parse(JSON.parse(post!.body!).profile)).toEqual(STORED);
    expect(put).toEqual({
      method: 'PUT',
      url: '/scouter/profile/status',
      body: '{"name":"model","space":"scouter","version":"1.1.0","active":true,"drift_type":"Custom","deactivate_others":true}',
    });
  });

  it('registerProfile without setActive sends one request and keeps the server answer', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/scouter/profile', method: 'POST' })
      .reply(200, { space: 'scouter', name: 'model', version: '0.0.0', status: 'success', active: false });
    const profile = makeProfile('0.0.0');
    const response = await client.registerProfile(profile);
    expect(response.active).toBe(false);
    expect(calls()).toHaveLength(1);
    expect(JSON.parse(calls()[0]!.body!).version_request.version).toBeNull();
  });

  it('registerProfile surfaces the server error and leaves the profile untouched', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/scouter/profile', method: 'POST' })
      .reply(403, { error: 'Permission denied' });
    const profile = makeProfile();
    const err = await client.registerProfile(profile).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterHttpError);
    expect(err).toMatchObject({ status: 403, body: '{"error":"Permission denied"}' });
    expect(profile.config.version).toBe('1.0.0');
  });

  it('updateProfileStatus sends Scouter field order with defaults', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/scouter/profile/status', method: 'PUT' })
      .reply(200, { status: 'success', message: 'ok' });
    expect(await client.updateProfileStatus({ space: 's', name: 'n', version: '1.0.0' })).toEqual({
      status: 'success',
      message: 'ok',
    });
    expect(calls()[0]!.body).toBe(
      '{"name":"n","space":"s","version":"1.0.0","active":false,"drift_type":"Custom","deactivate_others":false}',
    );
  });

  it('getProfile unwraps {"Custom": …}', async () => {
    agent
      .get(ORIGIN)
      .intercept({
        path: '/scouter/profile?name=model&space=scouter&version=1.0.0&drift_type=Custom',
        method: 'GET',
      })
      .reply(200, { Custom: STORED });
    const profile = await client.getProfile({ space: 'scouter', name: 'model', version: '1.0.0' });
    expect(profile).toBeInstanceOf(CustomDriftProfile);
    expect(profile.toJSON()).toEqual(STORED);
  });

  it('downloadProfile writes bare JSON that CustomDriftProfile.load reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scouter-client-'));
    const cwd = process.cwd();
    try {
      agent
        .get(ORIGIN)
        .intercept({ path: /^\/scouter\/profile\?/, method: 'GET' })
        .reply(200, { Custom: STORED })
        .times(2);
      const explicit = await client.downloadProfile(
        { space: 'scouter', name: 'model', version: '1.0.0' },
        join(dir, 'sub', 'p'),
      );
      expect(explicit).toBe(join(dir, 'sub', 'p.json'));
      expect(JSON.parse(readFileSync(explicit, 'utf8'))).toEqual(STORED);
      expect(CustomDriftProfile.load(explicit).toJSON()).toEqual(STORED);

      process.chdir(dir);
      const fallback = await client.downloadProfile({ space: 'scouter', name: 'model', version: '1.0.0' });
      expect(fallback).toBe('./model_scouter_1.0.0_Custom.json');
      expect(CustomDriftProfile.load(join(dir, 'model_scouter_1.0.0_Custom.json')).identifier).toBe(
        'scouter/model/v1.0.0/custom',
      );
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listProfiles posts {space, name, version} and returns [] on 404', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: '/scouter/profiles', method: 'POST' })
      .reply(200, [{ profile: { Custom: STORED }, active: true }]);
    pool
      .intercept({ path: '/scouter/profiles', method: 'POST' })
      .reply(404, { error: 'No drift profiles found' });
    const listed = await client.listProfiles({ space: 'scouter', name: 'model', version: '1.0.0' });
    expect(listed).toHaveLength(1);
    expect(listed[0]!.active).toBe(true);
    expect(listed[0]!.profile.toJSON()).toEqual(STORED);
    expect(await client.listProfiles({ space: 'scouter', name: 'model', version: '1.0.0' })).toEqual([]);
    expect(calls()[0]!.body).toBe('{"space":"scouter","name":"model","version":"1.0.0"}');
  });

  it('getBinnedDrift sends the DriftRequest query in serde_qs order and converts the series', async () => {
    const json = {
      metrics: {
        mae: {
          metric: 'mae',
          created_at: ['2025-11-24T16:30:03.600123Z', '2025-11-24T16:29:56.400Z'],
          stats: [
            { avg: 12.7, lower_bound: 11.9, upper_bound: 13.5 },
            { avg: 12.1, lower_bound: 12.1, upper_bound: 12.1 },
          ],
        },
      },
    };
    const pool = agent.get(ORIGIN);
    pool
      .intercept({
        path: '/scouter/drift/custom?space=scouter&name=model&version=1.0.0&time_interval=OneHour&max_data_points=1000&drift_type=Custom',
        method: 'GET',
      })
      .reply(200, json);
    pool
      .intercept({
        path:
          '/scouter/drift/custom?space=scouter&name=model&version=1.0.0&time_interval=SixHours&max_data_points=10&drift_type=Custom' +
          '&begin_custom_datetime=2025-11-24T10%3A00%3A00.000000Z&end_custom_datetime=2025-11-24T16%3A00%3A00.000000Z',
        method: 'GET',
      })
      .reply(200, { metrics: {} });

    const binned = await client.getBinnedDrift({
      space: 'scouter',
      name: 'model',
      version: '1.0.0',
      timeInterval: TimeInterval.OneHour,
      maxDataPoints: 1000,
    });
    expect(binned.json).toEqual(json);
    expect(binned.names).toEqual(['mae']);
    expect(binned.get('mae')).toEqual({
      metric: 'mae',
      createdAt: [new Date('2025-11-24T16:30:03.600Z'), new Date('2025-11-24T16:29:56.400Z')],
      createdAtText: ['2025-11-24T16:30:03.600123Z', '2025-11-24T16:29:56.400Z'],
      stats: [
        { avg: 12.7, lowerBound: 11.9, upperBound: 13.5 },
        { avg: 12.1, lowerBound: 12.1, upperBound: 12.1 },
      ],
    });
    expect(binned.get('accuracy')).toBeUndefined();

    const custom = await client.getBinnedDrift({
      space: 'scouter',
      name: 'model',
      version: '1.0.0',
      timeInterval: TimeInterval.SixHours,
      maxDataPoints: 10,
      beginDatetime: new Date('2025-11-24T10:00:00Z'),
      endDatetime: '2025-11-24T16:00:00+00:00',
    });
    expect(custom.names).toEqual([]);
    agent.assertNoPendingInterceptors();
  });

  it('rejects invalid drift requests before sending anything', async () => {
    const base = { space: 'scouter', name: 'model', version: '1.0.0', timeInterval: TimeInterval.OneHour };
    await expect(client.getBinnedDrift({ ...base, maxDataPoints: 0 })).rejects.toThrow(/maxDataPoints/);
    await expect(
      client.getBinnedDrift({ ...base, maxDataPoints: 5, beginDatetime: new Date('2025-01-02T00:00:00Z') }),
    ).rejects.toThrow(/together/);
    await expect(
      client.getBinnedDrift({
        ...base,
        maxDataPoints: 5,
        beginDatetime: new Date('2025-01-02T00:00:00Z'),
        endDatetime: new Date('2025-01-01T00:00:00Z'),
      }),
    ).rejects.toThrow(InvalidOptionsError);
    await expect(
      client.getBinnedDrift({ ...base, timeInterval: 'SevenDays', maxDataPoints: 5 }),
    ).rejects.toThrow(/timeInterval/);
    expect(agent.getCallHistory()!.calls()).toHaveLength(0);
  });

  it('getAlerts sends DriftAlertRequest order, converts alerts and returns [] when "alerts" is missing', async () => {
    const alert = {
      created_at: '2025-11-25T00:00:04.512345Z',
      name: 'model',
      space: 'scouter',
      version: '1.0.0',
      entity_name: 'mae',
      alert: {
        alert_threshold: 'Above',
        alert_threshold_value: '2',
        entity_name: 'mae',
        observed_metric_value: '15.5',
        training_metric_value: '13',
      },
      id: 7,
      drift_type: 'Custom',
      active: true,
    };
    const pool = agent.get(ORIGIN);
    pool
      .intercept({
        path: '/scouter/alerts?name=model&space=scouter&version=1.0.0&limit_datetime=2025-11-24T00%3A00%3A00.000000Z&active=true&limit=50',
        method: 'GET',
      })
      .reply(200, { alerts: [alert] });
    pool
      .intercept({
        path: '/scouter/alerts?name=model&space=scouter&version=1.0.0&active=false',
        method: 'GET',
      })
      .reply(200, {});

    const alerts = await client.getAlerts({
      space: 'scouter',
      name: 'model',
      version: '1.0.0',
      active: true,
      limit: 50,
      limitDatetime: new Date('2025-11-24T00:00:00Z'),
    });
    expect(alerts).toEqual([
      {
        id: 7,
        createdAt: new Date('2025-11-25T00:00:04.512Z'),
        createdAtText: '2025-11-25T00:00:04.512345Z',
        space: 'scouter',
        name: 'model',
        version: '1.0.0',
        entityName: 'mae',
        alert: alert.alert,
        driftType: 'Custom',
        active: true,
      },
    ]);
    expect(await client.getAlerts({ space: 'scouter', name: 'model', version: '1.0.0' })).toEqual([]);
    agent.assertNoPendingInterceptors();
  });

  it('updateAlertStatus sends {id, active, space} and returns updated', async () => {
    agent.get(ORIGIN).intercept({ path: '/scouter/alerts', method: 'PUT' }).reply(200, { updated: true });
    expect(await client.updateAlertStatus({ id: 7, active: false, space: 'scouter' })).toBe(true);
    expect(calls()[0]!.body).toBe('{"id":7,"active":false,"space":"scouter"}');
  });

  it('rejects a response of the wrong shape with a clear error', async () => {
    agent.get(ORIGIN).intercept({ path: '/scouter/alerts', method: 'PUT' }).reply(200, { ok: 1 });
    await expect(client.updateAlertStatus({ id: 7, active: false, space: 'scouter' })).rejects.toMatchObject({
      code: 'ERR_HTTP_STATUS',
      message: expect.stringContaining('unexpected body') as unknown,
    });
  });
});

describe('ScouterClient against a loopback server', () => {
  let server: LoopbackScouter;
  let client: ScouterClient;

  beforeEach(async () => {
    server = await LoopbackScouter.start();
    client = new ScouterClient({ serverUri: `${server.uri}/` });
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('registers and activates a profile end to end, re-logging in after the token expired', async () => {
    server.setDefault('POST /scouter/profile', {
      space: 'scouter',
      name: 'model',
      version: '1.0.0',
      status: 'success',
      active: false,
    });
    server.setDefault('PUT /scouter/profile/status', { status: 'success', message: 'updated' });
    expect(await client.healthcheck()).toBe(true);
    const profile = makeProfile();
    await client.registerProfile(profile);
    server.revokeTokens();
    await client.updateProfileStatus({ space: 'scouter', name: 'model', version: '1.0.0', active: true });

    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization ?? '-'}`)).toEqual([
      'GET /scouter/healthcheck -',
      'GET /scouter/auth/login -',
      'POST /scouter/profile Bearer token-1',
      'PUT /scouter/profile/status Bearer token-1',
      'GET /scouter/auth/login -',
      'PUT /scouter/profile/status Bearer token-2',
    ]);
    expect(JSON.parse(server.requests[2]!.body)).toMatchObject({
      space: 'scouter',
      drift_type: 'Custom',
      active: false,
    });
  });

  it('reports 500 with the server message, and 429 with retryAfterMs', async () => {
    server.script('GET /scouter/alerts', { status: 500, body: { error: 'Failed to query alerts: boom' } });
    server.script('GET /scouter/alerts', {
      status: 429,
      body: { error: 'busy' },
      headers: { 'retry-after': '1' },
    });
    const first = await client.getAlerts({ space: 's', name: 'n', version: '1' }).catch((e: unknown) => e);
    expect(first).toMatchObject({ status: 500, retryable: true });
    expect((first as Error).message).toContain('Failed to query alerts: boom');
    const second = await client.getAlerts({ space: 's', name: 'n', version: '1' }).catch((e: unknown) => e);
    expect(second).toMatchObject({ status: 429, retryable: true, retryAfterMs: 1000 });
  });

  it("with protocol 'auto' reads v0.13 from the 405 that v0.13 answers POST /scouter/alerts with, once", async () => {
    await client.close();
    client = new ScouterClient({ serverUri: server.uri, protocol: 'auto' });
    server.script('POST /scouter/alerts', {
      status: 405,
      body: { error: 'Method POST is not allowed on /scouter/alerts' },
    });
    server.setDefault('GET /scouter/alerts', { alerts: [] });
    expect(await client.protocol()).toBe('v0.13');
    expect(await client.getAlerts({ space: 's', name: 'n', version: '1' })).toEqual([]);
    expect(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /scouter/healthcheck',
      'GET /scouter/auth/login',
      'POST /scouter/alerts',
      'GET /scouter/alerts',
    ]);
  });

  it("with protocol 'auto' takes the version a health check names (servers after v0.25 send one)", async () => {
    await client.close();
    client = new ScouterClient({ serverUri: server.uri, protocol: 'auto' });
    server.script('GET /scouter/healthcheck', { status: 200, body: { alive: true, version: '0.25.0' } });
    expect(await client.protocol()).toBe('v0.25');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /scouter/healthcheck']);
  });
});
