import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import { TestClock, login, profileJson, profileRequest, record, testServer } from '../testing/harness.js';
import { backends } from '../testing/backends.js';
import type { Backend } from '../testing/backends.js';
import { scouterUid } from './uid.js';

const T0 = '2025-11-24T16:00:00Z';

/** A profile exactly as Scouter 0.25's `model_dump_json` writes it (uuid7 uid, `baseline_value`/`delta`). */
function profileV025(
  version = '0.0.0',
  uid = '01a24e5a-046a-7110-af4a-e586aea2fc59',
): Record<string, unknown> {
  return {
    config: {
      sample_size: 25,
      space: 'scouter',
      name: 'model',
      version,
      uid,
      alert_config: {
        dispatch_config: { Console: { enabled: true } },
        schedule: '0 * * * * *',
        alert_conditions: { mae: { baseline_value: 10, alert_threshold: 'Above', delta: 2 } },
      },
      drift_type: 'Custom',
    },
    metrics: { mae: 10 },
    scouter_version: '0.25.0',
  };
}

/** The `ProfileRequest` Scouter 0.25's client sends: `version: null` for a `0.0.0` config. */
function requestV025(profile: Record<string, unknown>, active = true): Record<string, unknown> {
  const version = (profile.config as { version: string }).version;
  return {
    space: 'scouter',
    drift_type: 'Custom',
    profile: JSON.stringify(profile, null, 2),
    version_request: {
      version: version === '0.0.0' ? null : version,
      version_type: 'Minor',
      pre_tag: null,
      build_tag: null,
    },
    active,
    deactivate_others: false,
  };
}

describe.each(backends())('Scouter v0.25 clients on $name', (backendSpec) => {
  let backend: Backend;
  let app: ScouterServer;
  let clock: TestClock;
  let admin: string;

  beforeAll(async () => {
    backend = await backendSpec.start();
  });
  afterAll(async () => {
    await backend?.stop();
  });
  beforeEach(async () => {
    clock = new TestClock(T0);
    app = await testServer({ databaseUri: await backend.freshUri(), now: clock.now });
    admin = await login(app);
  });
  afterEach(async () => {
    await app.close();
  });

  const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: { authorization: admin },
    });
  const uid = scouterUid({ space: 'scouter', name: 'model', version: '0.1.0' });

  it('registers a v0.25 profile: 0.1.0 for a first registration without a version, uid in the answer and the stored profile', async () => {
    let res = await send('POST', '/scouter/profile', requestV025(profileV025()));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      JSON.stringify({
        space: 'scouter',
        name: 'model',
        version: '0.1.0',
        uid,
        status: 'success',
        active: true,
      }),
    );
    res = await send('GET', '/scouter/profile?name=model&space=scouter&version=0.1.0&drift_type=Custom');
    const stored = res.json<{ Custom: { config: Record<string, unknown> } }>().Custom;
    expect(stored.config.uid).toBe(uid);
    expect(stored.config.version).toBe('0.1.0');
    expect(stored.config.alert_config).toEqual({
      dispatch_config: { Console: { enabled: true } },
      schedule: '0 * * * * *',
      alert_conditions: {
        mae: { alert_threshold: 'Above', alert_threshold_value: 2, baseline_value: 10, delta: 2 },
      },
    });
    res = await send('POST', '/scouter/profile', requestV025(profileV025()));
    expect(res.json()).toMatchObject({ version: '0.2.0' });
  });

  it("answers a v0.25 registration without version_request with 400 and Scouter's message", async () => {
    const body = { ...requestV025(profileV025()), version_request: null };
    const res = await send('POST', '/scouter/profile', body);
    expect([res.statusCode, res.json()]).toEqual([400, { error: 'Version request is required' }]);
  });

  it('puts v0.13 and v0.25 records of one profile into one series, one drift answer and one alert', async () => {
    await send(
      'POST',
      '/scouter/profile',
      profileRequest(profileJson({ version: '0.1.0' }), { active: true }),
    );
    let res = await send('POST', '/scouter/message', {
      records: [record('2025-11-24T16:00:10Z', 'mae', 14)],
    });
    expect(res.statusCode).toBe(200);
    res = await send('POST', '/scouter/message', {
      records: [
        { Custom: { created_at: '2025-11-24T16:00:20Z', uid, metric: 'mae', value: 16, entity_id: 0 } },
      ],
    });
    expect([res.statusCode, res.json()]).toEqual([
      200,
      { status: 'success', message: 'Message queued for processing' },
    ]);
    clock.set('2025-11-24T16:00:30Z');
    res = await send(
      'GET',
      '/scouter/drift/custom?space=scouter&name=model&version=0.1.0&time_interval=OneHour&max_data_points=1&drift_type=Custom',
    );
    expect(res.json().metrics.mae.stats[0].avg).toBe(15);
    res = await send(
      'GET',
      `/scouter/drift/custom?uid=${uid}&space=scouter&time_interval=OneHour&max_data_points=1`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().metrics.mae.stats[0].avg).toBe(15);
    res = await send(
      'GET',
      `/scouter/drift/custom?uid=${uid}&space=scouter&time_interval=Custom&max_data_points=10&start_custom_datetime=2025-11-24T16:00:10Z&end_custom_datetime=2025-11-24T16:00:20Z`,
    );
    expect(res.json().metrics.mae.stats.map((s: { avg: number }) => s.avg)).toEqual([14]);

    clock.set('2025-11-24T16:01:01Z');
    expect(await app.scouterServer.scheduler.runDueJobs()).toHaveLength(1);
    res = await send('GET', '/scouter/alerts?name=model&space=scouter&version=0.1.0');
    const [v013] = res.json<{ alerts: Array<{ id: number }> }>().alerts;
    expect(v013).toMatchObject({ entity_name: 'mae', alert: { observed_metric_value: '15' } });
    res = await send('POST', '/scouter/alerts', { uid, active: true, limit: 10 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      items: [
        {
          created_at: '2025-11-24T16:01:01Z',
          entity_name: 'mae',
          alert: {
            Custom: {
              metric_name: 'mae',
              baseline_value: 10,
              observed_value: 15,
              delta: 2,
              alert_threshold: 'Above',
            },
          },
          id: v013!.id,
          active: true,
        },
      ],
      has_next: false,
      next_cursor: null,
      has_previous: false,
      previous_cursor: { created_at: '2025-11-24T16:01:01Z', id: v013!.id },
    });
  });

  it('pages alerts by (created_at, id) both ways, as Scouter', async () => {
    await send('POST', '/scouter/profile', requestV025(profileV025('0.1.0')));
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await send('POST', '/scouter/message', {
        records: [
          { Custom: { created_at: clock.now().toISOString(), uid, metric: 'mae', value: 20, entity_id: 0 } },
        ],
      });
      clock.advance(59_000);
      expect(await app.scouterServer.scheduler.runDueJobs()).toHaveLength(1);
    }
    let res = await send('POST', '/scouter/alerts', { uid, limit: 2 });
    const first = res.json<{
      items: Array<{ id: number }>;
      next_cursor: { created_at: string; id: number };
    }>();
    expect(first).toMatchObject({ has_next: true, has_previous: false });
    expect(first.items).toHaveLength(2);
    const [newest, middle] = first.items;
    expect(first.next_cursor.id).toBe(middle!.id);
    res = await send('POST', '/scouter/alerts', {
      uid,
      limit: 2,
      cursor_created_at: first.next_cursor.created_at,
      cursor_id: first.next_cursor.id,
    });
    const second = res.json<{
      items: Array<{ id: number }>;
      previous_cursor: { created_at: string; id: number };
    }>();
    expect(second).toMatchObject({ has_next: false, has_previous: true, next_cursor: null });
    expect(second.items).toHaveLength(1);
    res = await send('POST', '/scouter/alerts', {
      uid,
      limit: 2,
      direction: 'previous',
      cursor_created_at: second.previous_cursor.created_at,
      cursor_id: second.previous_cursor.id,
    });
    expect(res.json().items.map((a: { id: number }) => a.id)).toEqual([newest!.id, middle!.id]);
    expect(res.json()).toMatchObject({ has_next: true, has_previous: false });
  });

  it("updates a v0.25 profile by uid and answers an unknown uid with Scouter's error", async () => {
    await send('POST', '/scouter/profile', requestV025(profileV025('0.1.0')));
    const updated = profileV025('9.9.9', uid);
    (updated.metrics as Record<string, number>).mae = 11;
    let res = await send('PUT', '/scouter/profile', requestV025(updated));
    expect([res.statusCode, res.json()]).toEqual([
      200,
      { status: 'success', message: 'Drift profile updated successfully' },
    ]);
    res = await send('GET', '/scouter/profile?name=model&space=scouter&version=0.1.0&drift_type=Custom');
    expect(res.json().Custom).toMatchObject({ metrics: { mae: 11 }, config: { version: '0.1.0', uid } });

    const stranger = '01a24e5a-046a-7110-af4a-e586aea2fc59';
    const unknown = { error: expect.stringMatching(/^Failed to get entity ID from UID: /) as unknown };
    res = await send('PUT', '/scouter/profile', requestV025(profileV025('0.1.0', stranger)));
    expect([res.statusCode, res.json()]).toEqual([404, unknown]);
    res = await send('POST', '/scouter/message', {
      records: [{ Custom: { created_at: T0, uid: stranger, metric: 'mae', value: 1, entity_id: 0 } }],
    });
    expect([res.statusCode, res.json()]).toEqual([404, unknown]);
    res = await send(
      'GET',
      `/scouter/drift/custom?uid=${stranger}&space=scouter&time_interval=OneHour&max_data_points=1`,
    );
    expect([res.statusCode, res.json()]).toEqual([404, unknown]);
    res = await send('POST', '/scouter/alerts', { uid: stranger });
    expect([res.statusCode, res.json()]).toEqual([404, unknown]);
  });

  it('answers malformed v0.25 bodies with 422 naming the field (what protocol "auto" probes)', async () => {
    let res = await send('POST', '/scouter/alerts', {});
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatch(/uid/);
    res = await send('POST', '/scouter/message', {
      records: [{ Custom: { created_at: T0, uid, metric: 'mae', value: 1 } }],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatch(/entity_id/);
    res = await send(
      'GET',
      `/scouter/drift/custom?uid=${uid}&space=scouter&time_interval=Custom&max_data_points=1`,
    );
    expect(res.statusCode).toBe(400);
  });
});
