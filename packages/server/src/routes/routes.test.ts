import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { DEFAULT_SECRET } from '../config.js';
import { TestClock, login, profileJson, profileRequest, record, testServer } from '../testing/harness.js';
import { backends } from '../testing/backends.js';
import type { Backend } from '../testing/backends.js';

const T0 = '2025-11-24T16:00:00Z';

describe.each(backends())('HTTP API on $name', (backendSpec) => {
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

  const post = (url: string, payload: unknown, auth = admin) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: auth } });
  const put = (url: string, payload: unknown, auth = admin) =>
    app.inject({ method: 'PUT', url, payload: payload as object, headers: { authorization: auth } });
  const get = (url: string, auth = admin) =>
    app.inject({ method: 'GET', url, headers: { authorization: auth } });

  describe('health and auth', () => {
    it('answers the health check without a token', async () => {
      const res = await app.inject({ method: 'GET', url: '/scouter/healthcheck' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ alive: true });
    });

    it('issues Scouter-shaped HS256 tokens', async () => {
      const token = admin.slice(7);
      expect(decodeProtectedHeader(token)).toEqual({ typ: 'JWT', alg: 'HS256' });
      const claims = decodeJwt(token);
      expect(Object.keys(claims).sort()).toEqual(['exp', 'group_permissions', 'permissions', 'salt', 'sub']);
      expect(claims).toMatchObject({
        sub: 'admin',
        exp: Date.parse(T0) / 1000 + 3600,
        permissions: ['read:all', 'write:all'],
        group_permissions: ['admin'],
      });
      expect(claims.salt).toMatch(/^[A-Za-z0-9]{16}$/);
    });

    it('answers login errors like Scouter', async () => {
      const loginWith = (headers: Record<string, string>) =>
        app.inject({ method: 'GET', url: '/scouter/auth/login', headers });
      let res = await loginWith({ password: 'admin' });
      expect([res.statusCode, res.json()]).toEqual([400, { error: 'Username header not found' }]);
      res = await loginWith({ username: 'admin' });
      expect([res.statusCode, res.json()]).toEqual([400, { error: 'Password header not found' }]);
      res = await loginWith({ username: 'nobody', password: 'x' });
      expect([res.statusCode, res.json()]).toEqual([404, { error: 'User not found' }]);
      res = await loginWith({ username: 'admin', password: 'wrong' });
      expect([res.statusCode, res.json()]).toEqual([401, { error: 'Unauthorized' }]);
      res = await loginWith({ username: 'ad min', password: 'admin' });
      expect([res.statusCode, res.json()]).toEqual([400, { error: 'Invalid username format' }]);
      res = await loginWith({ username: 'admin', password: 'pass word' });
      expect([res.statusCode, res.json()]).toEqual([400, { error: 'Invalid password format' }]);
      res = await loginWith({ username: 'guest', password: 'guest' });
      expect(res.statusCode).toBe(200);
      expect(decodeJwt(res.json<{ token: string }>().token)).toMatchObject({
        sub: 'guest',
        permissions: ['read:all', 'write:all', 'delete:all'],
        group_permissions: ['user'],
      });
    });

    it('rejects missing, garbage and forged tokens with the middleware body', async () => {
      let res = await app.inject({ method: 'GET', url: '/scouter/alerts?name=m&space=s&version=1' });
      expect([res.statusCode, res.json()]).toEqual([
        401,
        { error: 'Unauthorized', message: 'No access token provided' },
      ]);
      res = await get('/scouter/alerts?name=m&space=s&version=1', 'Bearer not-a-jwt');
      expect([res.statusCode, res.json()]).toEqual([
        401,
        { error: 'Unauthorized', message: 'Invalid token format' },
      ]);
      const forged = await new SignJWT({
        sub: 'admin',
        exp: Math.floor(clock.ms / 1000) + 3600,
        permissions: ['write:all'],
        group_permissions: ['admin'],
        salt: 'x',
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode('some other secret'));
      res = await get('/scouter/alerts?name=m&space=s&version=1', `Bearer ${forged}`);
      expect([res.statusCode, res.json()]).toEqual([
        401,
        { error: 'Unauthorized', message: 'Invalid token format' },
      ]);
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({
          sub: 'admin',
          exp: 4102444800,
          permissions: [],
          group_permissions: ['admin'],
          salt: 'x',
        }),
      ).toString('base64url')}.`;
      res = await get('/scouter/alerts?name=m&space=s&version=1', `Bearer ${unsigned}`);
      expect([res.statusCode, res.json()]).toEqual([
        401,
        { error: 'Unauthorized', message: 'Invalid token format' },
      ]);
      res = await get('/scouter/alerts?name=m&space=s&version=1', admin.replace('Bearer ', 'bearer '));
      expect(res.statusCode).toBe(401);
    });

    it('accepts the access_token cookie', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/scouter/alerts?name=m&space=s&version=1',
        headers: { cookie: `theme=dark; access_token=${admin.slice(7)}` },
      });
      expect(res.statusCode).toBe(200);
    });

    it('refreshes an expired token silently while the stored refresh token is valid, then 401s', async () => {
      clock.advance(3600_000 + 61_000);
      let res = await get('/scouter/alerts?name=m&space=s&version=1');
      expect(res.statusCode).toBe(200);
      const renewed = res.headers.authorization as string;
      expect(renewed).toMatch(/^Bearer /);
      expect(decodeJwt(renewed.slice(7)).exp).toBe(Math.floor(clock.ms / 1000) + 3600);
      res = await get('/scouter/alerts?name=m&space=s&version=1', renewed);
      expect(res.statusCode).toBe(200);
      expect(res.headers.authorization).toBeUndefined();
      clock.advance(2 * 86_400_000);
      res = await get('/scouter/alerts?name=m&space=s&version=1', renewed);
      expect([res.statusCode, res.json()]).toEqual([
        401,
        { error: 'Unauthorized', message: 'No refresh token found' },
      ]);
    });

    it('still accepts a token within the 60 s leeway', async () => {
      clock.advance(3600_000 + 30_000);
      const res = await get('/scouter/alerts?name=m&space=s&version=1');
      expect(res.statusCode).toBe(200);
      expect(res.headers.authorization).toBeUndefined();
    });

    it('refreshes through /auth/refresh, also for an expired token', async () => {
      clock.advance(2 * 3600_000);
      let res = await get('/scouter/auth/refresh');
      expect(res.statusCode).toBe(200);
      const token = res.json<{ token: string }>().token;
      expect(decodeJwt(token).exp).toBe(Math.floor(clock.ms / 1000) + 3600);
      res = await app.inject({ method: 'GET', url: '/scouter/auth/refresh' });
      expect([res.statusCode, res.json()]).toEqual([401, { error: 'No refresh token provided' }]);
      res = await get('/scouter/auth/refresh', 'Bearer x.y.z');
      expect([res.statusCode, res.json()]).toEqual([401, { error: 'Failed to decode JWT token' }]);
      res = await get('/scouter/auth/validate', `Bearer ${token}`);
      expect([res.statusCode, res.json()]).toEqual([200, { is_authenticated: true }]);
      res = await get('/scouter/auth/validate', 'Bearer x');
      expect([res.statusCode, res.json()]).toEqual([401, { error: 'Failed to validate token' }]);
    });
  });

  describe('profiles', () => {
    it('registers a profile and returns it wrapped, with the assigned version', async () => {
      const profile = profileJson({ version: '1.0.0' });
      let res = await post('/scouter/profile', profileRequest(profile));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({
        space: 'scouter',
        name: 'model',
        version: '1.0.0',
        status: 'success',
        active: false,
      });
      res = await post('/scouter/profile', profileRequest(profile, { active: true }));
      expect(res.json()).toEqual({
        space: 'scouter',
        name: 'model',
        version: '1.1.0',
        status: 'success',
        active: true,
      });
      res = await get('/scouter/profile?name=model&space=scouter&version=1.1.0&drift_type=Custom');
      expect(res.statusCode).toBe(200);
      const expected = profileJson({ version: '1.1.0' });
      expect(res.json()).toEqual({ Custom: expected });
      res = await get('/scouter/profile?name=model&space=scouter&version=1.0.0&drift_type=Custom');
      expect(res.json()).toEqual({ Custom: profile });
    });

    it('accepts the reference request exactly as the Python client sends it', async () => {
      const body =
        '{"space": "scouter", "drift_type": "Custom", "profile": "{\\n  \\"config\\": {\\n    \\"sample_size\\": 25,\\n    \\"space\\": \\"scouter\\",\\n    \\"name\\": \\"model\\",\\n    \\"version\\": \\"0.1.0\\",\\n    \\"alert_config\\": {\\n      \\"dispatch_config\\": {\\n        \\"Console\\": {\\n          \\"enabled\\": true\\n        }\\n      },\\n      \\"schedule\\": \\"0 0 0 * * *\\",\\n      \\"alert_conditions\\": {\\n        \\"mae\\": {\\n          \\"alert_threshold\\": \\"Above\\",\\n          \\"alert_threshold_value\\": 2.0\\n        }\\n      }\\n    },\\n    \\"drift_type\\": \\"Custom\\"\\n  },\\n  \\"metrics\\": {\\n    \\"mae\\": 12.4\\n  },\\n  \\"scouter_version\\": \\"0.13.0\\"\\n}", "version_request": {"version": "0.1.0", "version_type": "Minor", "pre_tag": null, "build_tag": null}, "active": false, "deactivate_others": false}';
      let res = await app.inject({
        method: 'POST',
        url: '/scouter/profile',
        headers: { authorization: admin, 'content-type': 'application/json' },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(
        '{"space":"scouter","name":"model","version":"0.1.0","status":"success","active":false}',
      );
      res = await get('/scouter/profile?name=model&space=scouter&version=0.1.0&drift_type=Custom');
      expect(res.json().Custom.config.alert_config).toEqual({
        dispatch_config: { Console: { enabled: true } },
        schedule: '0 0 0 * * *',
        alert_conditions: { mae: { alert_threshold: 'Above', alert_threshold_value: 2 } },
      });
      const row = await app.scouterServer.storage.getProfile(
        { space: 'scouter', name: 'model', version: '0.1.0' },
        'Custom',
      );
      expect(row).toMatchObject({
        active: false,
        status: 'pending',
        schedule: '0 0 0 * * *',
        previousRun: new Date(T0),
        nextRun: new Date('2025-11-25T00:00:00Z'),
        scouterVersion: '0.13.0',
      });
    });

    it('registers 0.0.0 as 0.0.0 and completes partial versions', async () => {
      let res = await post('/scouter/profile', profileRequest(profileJson({ version: '0.0.0' })));
      expect(res.json().version).toBe('0.0.0');
      res = await post('/scouter/profile', profileRequest(profileJson({ name: 'other', version: '2' })));
      expect(res.json().version).toBe('2.0.0');
      res = await post('/scouter/profile', profileRequest(profileJson({ name: 'other', version: '2' })));
      expect(res.json().version).toBe('2.1.0');
    });

    it('ignores unknown JSON fields', async () => {
      const body = { ...profileRequest(profileJson()), extra: 1 };
      const res = await post('/scouter/profile', body);
      expect(res.statusCode).toBe(200);
    });

    it('rejects bad profiles with 400, bad shapes with 422, bad JSON with 400, wrong types with 415', async () => {
      let res = await post('/scouter/profile', profileRequest(profileJson({ conditions: null })));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/alert_conditions/);
      res = await post(
        '/scouter/profile',
        profileRequest(
          profileJson({
            metrics: { mae: 1, acc: 2 },
            conditions: { mae: { alert_threshold: 'Above', alert_threshold_value: 1 } },
          }),
        ),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/acc/);
      res = await post('/scouter/profile', profileRequest(profileJson({ schedule: '*/5 * * * *' })));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/schedule/);
      res = await post('/scouter/profile', { ...profileRequest(profileJson()), profile: '{not json' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/^Invalid drift profile/);
      const noSample = profileJson();
      delete (noSample.config as Record<string, unknown>).sample_size;
      res = await post('/scouter/profile', profileRequest(noSample));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/sample_size/);
      const { version_request: _v, ...noVersion } = profileRequest(profileJson());
      res = await post('/scouter/profile', noVersion);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/version_request/);
      res = await post('/scouter/profile', { ...profileRequest(profileJson()), active: 'yes' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/active/);
      res = await app.inject({
        method: 'POST',
        url: '/scouter/profile',
        headers: { authorization: admin, 'content-type': 'application/json' },
        payload: '{"space": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/JSON/);
      res = await app.inject({
        method: 'POST',
        url: '/scouter/profile',
        headers: { authorization: admin, 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({ error: 'Expected request with `Content-Type: application/json`' });
      res = await app.inject({ method: 'POST', url: '/scouter/profile', headers: { authorization: admin } });
      expect(res.statusCode).toBe(415);
      res = await post('/scouter/profile', profileRequest(profileJson({ version: '1.0.0-rc1' })));
      expect(res.statusCode).toBe(400);
    });

    it('checks the token before the body (401, not 400)', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/scouter/profile',
        headers: { 'content-type': 'application/json' },
        payload: '{bad',
      });
      expect(res.statusCode).toBe(401);
    });

    it('updates a profile and lists versions', async () => {
      await post('/scouter/profile', profileRequest(profileJson({ version: '1.0.0' }), { active: true }));
      await post('/scouter/profile', profileRequest(profileJson({ version: '1.0.0' })));
      const updated = profileJson({ version: '1.0.0', metrics: { mae: 99 } });
      let res = await put('/scouter/profile', profileRequest(updated));
      expect([res.statusCode, res.json()]).toEqual([
        200,
        { status: 'success', message: 'Drift profile updated successfully' },
      ]);
      res = await get('/scouter/profile?name=model&space=scouter&version=1.0.0&drift_type=Custom');
      expect(res.json()).toEqual({ Custom: updated });
      res = await post('/scouter/profiles', { space: 'scouter', name: 'model', version: '1.0.0' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([{ profile: { Custom: updated }, active: true }]);
      res = await post('/scouter/profiles', { space: 'scouter', name: 'nothing', version: '1.0.0' });
      expect([res.statusCode, res.json()]).toEqual([404, { error: 'No drift profiles found' }]);
      res = await post('/scouter/profiles', { space: 'scouter' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/name/);
    });

    it('answers GET errors', async () => {
      let res = await get('/scouter/profile?name=model&space=scouter&version=9.9.9&drift_type=Custom');
      expect([res.statusCode, res.json()]).toEqual([404, { error: 'Drift profile not found' }]);
      res = await get('/scouter/profile?name=model&space=scouter&drift_type=Custom');
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/version/);
    });

    it('activates a version and deactivates the others (deactivate_others works)', async () => {
      for (let i = 0; i < 3; i++) {
        await post('/scouter/profile', profileRequest(profileJson({ version: '1.0.0' }), { active: true }));
      }
      await post(
        '/scouter/profile',
        profileRequest(profileJson({ name: 'unrelated', version: '1.0.0' }), { active: true }),
      );
      const status = {
        name: 'model',
        space: 'scouter',
        version: '1.0.0',
        active: true,
        drift_type: 'Custom',
        deactivate_others: true,
      };
      let res = await put('/scouter/profile/status', status);
      expect([res.statusCode, res.json()]).toEqual([
        200,
        { status: 'success', message: 'Monitor profile status updated to true for model scouter 1.0.0' },
      ]);
      const activeOf = async (name: string, version: string) =>
        (await post('/scouter/profiles', { space: 'scouter', name, version })).json()[0].active as boolean;
      expect(await activeOf('model', '1.0.0')).toBe(true);
      expect(await activeOf('model', '1.1.0')).toBe(false);
      expect(await activeOf('unrelated', '1.0.0')).toBe(true);
      res = await put('/scouter/profile/status', {
        ...status,
        version: '1.1.0',
        active: false,
        deactivate_others: false,
      });
      expect(res.json().message).toBe('Monitor profile status updated to false for model scouter 1.1.0');
      const { deactivate_others: _d, ...missing } = status;
      res = await put('/scouter/profile/status', missing);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/deactivate_others/);
    });
  });

  describe('restart', () => {
    it('keeps users, profiles, records and alerts across a restart on the same database', async () => {
      await app.close();
      const uri = await backend.freshUri();
      app = await testServer({ databaseUri: uri, now: clock.now });
      admin = await login(app);
      await post('/scouter/profile', profileRequest(profileJson({ version: '3.0.0' }), { active: true }));
      await post('/scouter/message', { records: [record('2025-11-24T15:59:30Z', 'mae', 7)] });
      await app.close();
      app = await testServer({
        databaseUri: uri,
        now: clock.now,
        defaultPassword: 'ignored-after-first-start',
      });
      admin = await login(app, 'admin', 'admin');
      let res = await get('/scouter/profile?name=model&space=scouter&version=3.0.0&drift_type=Custom');
      expect(res.json()).toEqual({ Custom: profileJson({ version: '3.0.0' }) });
      res = await get(
        '/scouter/drift/custom?space=scouter&name=model&version=0.1.0&time_interval=OneHour&max_data_points=1&drift_type=Custom',
      );
      expect(res.json().metrics.mae.stats).toEqual([{ avg: 7, lower_bound: 7, upper_bound: 7 }]);
      res = await post('/scouter/profile', profileRequest(profileJson({ version: '3.0.0' })));
      expect(res.json().version).toBe('3.1.0');
    });
  });

  describe('permissions', () => {
    it('lets the default guest write, like Scouter', async () => {
      const guest = await login(app, 'guest', 'guest');
      const res = await post('/scouter/profile', profileRequest(profileJson()), guest);
      expect(res.statusCode).toBe(200);
    });

    it('denies writes outside a user\u2019s spaces with 403', async () => {
      await app.scouterServer.storage.insertUser({
        username: 'reader',
        passwordHash: await import('../auth/password.js').then((m) => m.hashPassword('pw')),
        email: 'reader@x',
        permissions: ['read:all', 'write:team'],
        groupPermissions: ['user'],
        role: 'user',
        active: true,
        refreshToken: null,
      });
      const reader = await login(app, 'reader', 'pw');
      let res = await post('/scouter/profile', profileRequest(profileJson()), reader);
      expect([res.statusCode, res.json()]).toEqual([403, { error: 'Permission denied' }]);
      res = await post('/scouter/profile', profileRequest(profileJson({ space: 'team' })), reader);
      expect(res.statusCode).toBe(200);
      res = await post('/scouter/message', { records: [record('2025-11-24T15:59:00Z', 'mae', 1)] }, reader);
      expect(res.statusCode).toBe(403);
      res = await put(
        '/scouter/profile/status',
        { name: 'model', space: 'scouter', version: '0.1.0', active: true, deactivate_others: false },
        reader,
      );
      expect(res.statusCode).toBe(403);
      res = await get('/scouter/profile?name=model&space=team&version=0.1.0&drift_type=Custom', reader);
      expect(res.statusCode).toBe(200);
      res = await put('/scouter/profile', profileRequest(profileJson()), reader);
      expect([res.statusCode, res.json()]).toEqual([403, { error: 'Permission denied' }]);
      res = await put(
        '/scouter/profile',
        profileRequest(profileJson({ space: 'team', conditions: null })),
        reader,
      );
      expect(res.statusCode).toBe(400);
      res = await put('/scouter/profile', { space: 'team' }, reader);
      expect(res.statusCode).toBe(422);

      await app.scouterServer.storage.insertUser({
        username: 'outsider',
        passwordHash: await import('../auth/password.js').then((m) => m.hashPassword('pw')),
        email: 'outsider@x',
        permissions: ['read:other'],
        groupPermissions: ['user'],
        role: 'user',
        active: true,
        refreshToken: null,
      });
      const outsider = await login(app, 'outsider', 'pw');
      for (const res403 of [
        await get('/scouter/profile?name=model&space=team&version=0.1.0&drift_type=Custom', outsider),
        await post('/scouter/profiles', { space: 'team', name: 'model', version: '0.1.0' }, outsider),
        await get(
          '/scouter/drift/custom?space=team&name=model&version=0.1.0&time_interval=OneHour&max_data_points=10&drift_type=Custom',
          outsider,
        ),
        await post(
          '/scouter/drift',
          { records: [record('2025-11-24T15:59:00Z', 'mae', 1, { space: 'other' })] },
          outsider,
        ),
        await post('/scouter/message', { records: [] }, outsider),
      ]) {
        expect([res403.statusCode, res403.json()]).toEqual([403, { error: 'Permission denied' }]);
      }
      res = await get('/scouter/alerts?name=model&space=team&version=0.1.0', outsider);
      expect(res.statusCode).toBe(200);
    });
  });

  describe('records and binned drift', () => {
    it('stores records before answering and bins them like Scouter', async () => {
      const records = [
        record('2025-11-24T15:59:59.500Z', 'mae', 12),
        record('2025-11-24T15:59:59.600001Z', 'mae', 14),
        record('2025-11-24T15:59:59.600002Z', 'acc', 0.9),
        record('2025-11-24T15:58:00Z', 'mae', 11),
        record('2025-11-24T14:00:00Z', 'mae', 1000),
      ];
      let res = await post('/scouter/message', { records });
      expect([res.statusCode, res.json()]).toEqual([
        200,
        { status: 'success', message: 'Message queued for processing' },
      ]);
      res = await post('/scouter/drift', { records: [record('2025-11-24T15:58:00.000001Z', 'acc', 0.7)] });
      expect([res.statusCode, res.json()]).toEqual([
        200,
        { status: 'success', message: 'Drift records queued for processing' },
      ]);
      res = await get(
        '/scouter/drift/custom?space=scouter&name=model&version=0.1.0&time_interval=OneHour&max_data_points=60&drift_type=Custom',
      );
      expect(res.statusCode).toBe(200);
      const sd = Math.sqrt(2);
      expect(res.json()).toEqual({
        metrics: {
          acc: {
            metric: 'acc',
            created_at: ['2025-11-24T15:59:00Z', '2025-11-24T15:58:00Z'],
            stats: [
              { avg: 0.9, lower_bound: 0.9, upper_bound: 0.9 },
              { avg: 0.7, lower_bound: 0.7, upper_bound: 0.7 },
            ],
          },
          mae: {
            metric: 'mae',
            created_at: ['2025-11-24T15:59:00Z', '2025-11-24T15:58:00Z'],
            stats: [
              { avg: 13, lower_bound: 13 - sd, upper_bound: 13 + sd },
              { avg: 11, lower_bound: 11, upper_bound: 11 },
            ],
          },
        },
      });
      res = await get(
        '/scouter/drift/custom?space=scouter&name=model&version=0.1.0&time_interval=FiveDays&max_data_points=1&drift_type=Custom' +
          '&begin_custom_datetime=2025-11-24T14:00:00Z&end_custom_datetime=2025-11-24T15:00:00%2B00:00',
      );
      expect(res.statusCode).toBe(200);
      expect(res.json().metrics.mae.stats).toEqual([{ avg: 1000, lower_bound: 1000, upper_bound: 1000 }]);
      expect(Object.keys(res.json().metrics)).toEqual(['mae']);
      res = await get(
        '/scouter/drift/custom?space=scouter&name=none&version=0.1.0&time_interval=OneHour&max_data_points=10&drift_type=Custom',
      );
      expect(res.json()).toEqual({ metrics: {} });
    });

    it('rejects bad drift queries with 400', async () => {
      const base = '/scouter/drift/custom?space=scouter&name=model&version=0.1.0&drift_type=Custom';
      let res = await get(`${base}&time_interval=OneHour&max_data_points=0`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/max_data_points/);
      res = await get(`${base}&time_interval=OneHour&max_data_points=99999999999`);
      expect(res.statusCode).toBe(400);
      res = await get(`${base}&time_interval=OneHour&max_data_points=10&max_data_points=11`);
      expect(res.statusCode).toBe(400);
      res = await get(`${base}&time_interval=Forever&max_data_points=10`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/time_interval/);
      res = await get(
        `${base}&time_interval=OneHour&max_data_points=10&begin_custom_datetime=2025-11-24T15:00:00Z&end_custom_datetime=2025-11-24T14:00:00Z`,
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/begin_custom_datetime/);
    });

    it('rejects records of other kinds, bad timestamps and non-numbers with 422', async () => {
      let res = await post('/scouter/message', { records: [{ Spc: { created_at: 'x' } }] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/Spc records are not supported/);
      res = await post('/scouter/message', { records: [record('yesterday', 'mae', 1)] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/records\.0\.Custom\.created_at/);
      res = await post('/scouter/message', {
        records: [record('2025-11-24T15:00:00Z', 'mae', null as unknown as number)],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/value/);
      res = await post('/scouter/message', { records: [record('2400-01-01T00:00:00Z', 'mae', 1)] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/created_at/);
      res = await post('/scouter/message', { records: [record('1900-01-01T00:00:00.5+01:00', 'mae', 1)] });
      expect(res.statusCode).toBe(200);
      res = await app.inject({
        method: 'POST',
        url: '/scouter/message',
        headers: { authorization: admin, 'content-type': 'application/json' },
        payload: 'null',
      });
      expect(res.statusCode).toBe(422);
      res = await post('/scouter/message', { nope: [] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/records/);
      res = await post('/scouter/message', { records: [] });
      expect(res.statusCode).toBe(200);
    });

    it('names the first shape error before any timestamp error, whatever the form of the other records', async () => {
      const good = record('2025-11-24T15:00:00.123456Z', 'mae', 1);
      const badDay = record('2025-02-30T00:00:00.000000Z', 'mae', 1);
      const errorOf = async (records: unknown[]) => {
        const res = await post('/scouter/message', { records });
        return [res.statusCode, res.json<unknown>()];
      };
      const answers = [
        await errorOf([good, badDay]),
        await errorOf([good, badDay, record('2025-11-24T15:00:00.123456Z', 'mae', '1' as unknown as number)]),
        await errorOf([good, { ...good, Extra: {} }]),
        await errorOf([good, { Custom: [] }]),
        await errorOf([good, {}]),
        await errorOf([good, { Psi: {} }, badDay]),
        await errorOf([good, record('2025-11-24T15:00:00.123456Z', 'mae', 1, { space: 'other' })]),
      ];
      const shape = (detail: string) => [
        422,
        { error: `Failed to deserialize the JSON body into the target type: ${detail}` },
      ];
      expect(answers).toEqual([
        shape(
          'records.1.Custom.created_at: "2025-02-30T00:00:00.000000Z" is not an RFC 3339 timestamp with an offset between the years 1700 and 2250',
        ),
        shape('records.2.Custom.value: Invalid input: expected number, received string'),
        shape('records.1: Unrecognized key: "Extra"'),
        shape('records.1.Custom: Invalid input: expected object, received array'),
        shape('records.1.Custom: Invalid input: expected object, received undefined'),
        shape('records.1: Psi records are not supported (this server stores Custom records only)'),
        [200, { status: 'success', message: 'Message queued for processing' }],
      ]);
    });
  });

  describe('alerts and errors', () => {
    it('lists, filters and updates alerts', async () => {
      const stored = await app.scouterServer.storage.insertAlerts(
        [1, 2, 3].map((i) => ({
          space: 'scouter',
          name: 'model',
          version: '0.1.0',
          entityName: `m${i}`,
          alert: { entity_name: `m${i}` },
          driftType: 'Custom',
          createdAtMicros:
            Date.parse('2025-11-24T15:00:00Z') * 1000 + i * 1_000_000 + (i === 3 ? 512_345 : 0),
        })),
      );
      let res = await get('/scouter/alerts?name=model&space=scouter&version=0.1.0');
      expect(res.statusCode).toBe(200);
      const alerts = res.json().alerts;
      expect(alerts.map((a: { entity_name: string }) => a.entity_name)).toEqual(['m3', 'm2', 'm1']);
      expect(alerts[0]).toEqual({
        created_at: '2025-11-24T15:00:03.512345Z',
        name: 'model',
        space: 'scouter',
        version: '0.1.0',
        entity_name: 'm3',
        alert: { entity_name: 'm3' },
        id: stored[2]!.id,
        drift_type: 'Custom',
        active: true,
      });
      expect(alerts[1].created_at).toBe('2025-11-24T15:00:02Z');
      res = await put('/scouter/alerts', { id: stored[0]!.id, active: false, space: 'scouter' });
      expect([res.statusCode, res.json()]).toEqual([200, { updated: true }]);
      res = await get('/scouter/alerts?name=model&space=scouter&version=0.1.0&active=true&limit=50');
      expect(res.json().alerts.map((a: { entity_name: string }) => a.entity_name)).toEqual(['m3', 'm2']);
      res = await get('/scouter/alerts?name=model&space=scouter&version=0.1.0&limit=1');
      expect(res.json().alerts).toHaveLength(1);
      res = await get(
        '/scouter/alerts?name=model&space=scouter&version=0.1.0&limit_datetime=2025-11-24T15:00:02Z',
      );
      expect(res.json().alerts.map((a: { entity_name: string }) => a.entity_name)).toEqual(['m3', 'm2']);
      res = await put('/scouter/alerts', { id: 999_999, active: false, space: 'scouter' });
      expect(res.statusCode).toBe(404);
      res = await put('/scouter/alerts', { id: 2 ** 40, active: false, space: 'scouter' });
      expect(res.statusCode).toBe(404);
      res = await get('/scouter/alerts?name=model&space=scouter&version=0.1.0&limit=99999999999');
      expect(res.statusCode).toBe(400);
      res = await put('/scouter/alerts', { id: 'one', active: false, space: 'scouter' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatch(/id/);
      res = await get('/scouter/alerts?space=scouter&version=0.1.0');
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatch(/name/);
    });

    it('answers unknown routes with a JSON 404', async () => {
      const res = await app.inject({ method: 'GET', url: '/scouter/nope' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'Route GET /scouter/nope not found' });
      const wrong = await app.inject({
        method: 'DELETE',
        url: '/scouter/profile?x=1',
        headers: { authorization: admin },
      });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.json()).toEqual({ error: 'Method DELETE is not allowed on /scouter/profile' });
    });
  });
});

describe('limits and guest settings', () => {
  const specs = backends().filter((b) => b.name === 'sqlite');
  let backend: Backend;
  beforeAll(async () => {
    backend = await specs[0]!.start();
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('answers 413 as JSON above the body limit', async () => {
    const app = await testServer({ databaseUri: await backend.freshUri(), bodyLimitBytes: 1024 });
    try {
      const admin = await login(app);
      const res = await app.inject({
        method: 'POST',
        url: '/scouter/message',
        headers: { authorization: admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ records: [], pad: 'x'.repeat(2000) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toMatch(/larger than/);
    } finally {
      await app.close();
    }
  });

  it('makes the guest read-only with guestAccess=read', async () => {
    const app = await testServer({ databaseUri: await backend.freshUri(), guestAccess: 'read' });
    try {
      const guest = await login(app, 'guest', 'guest');
      let res = await app.inject({
        method: 'POST',
        url: '/scouter/profile',
        headers: { authorization: guest },
        payload: profileRequest(profileJson()),
      });
      expect([res.statusCode, res.json()]).toEqual([403, { error: 'Permission denied' }]);
      res = await app.inject({
        method: 'GET',
        url: '/scouter/profile?name=model&space=scouter&version=0.1.0&drift_type=Custom',
        headers: { authorization: guest },
      });
      expect(res.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('disables the guest with guestAccess=disabled, even for tokens issued before', async () => {
    const uri = await backend.freshUri();
    let app = await testServer({ databaseUri: uri });
    const guest = await login(app, 'guest', 'guest');
    await app.close();
    app = await testServer({ databaseUri: uri, guestAccess: 'disabled' });
    try {
      let res = await app.inject({
        method: 'GET',
        url: '/scouter/auth/login',
        headers: { username: 'guest', password: 'guest' },
      });
      expect(res.statusCode).toBe(404);
      res = await app.inject({
        method: 'GET',
        url: '/scouter/alerts?name=m&space=s&version=1',
        headers: { authorization: guest },
      });
      expect(res.statusCode).toBe(401);
    } finally {
      await app.close();
    }
    const fresh = await testServer({ databaseUri: await backend.freshUri(), guestAccess: 'disabled' });
    try {
      expect(await fresh.scouterServer.storage.getUser('guest')).toBeNull();
      expect(await fresh.scouterServer.storage.getUser('admin')).not.toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('honours custom admin credentials and secrets', async () => {
    const app = await testServer({
      databaseUri: await backend.freshUri(),
      defaultUsername: 'root',
      defaultPassword: 's3cret',
      encryptSecret: 'abc',
    });
    try {
      const token = await login(app, 'root', 's3cret');
      const res = await app.inject({
        method: 'GET',
        url: '/scouter/alerts?name=m&space=s&version=1',
        headers: { authorization: token },
      });
      expect(res.statusCode).toBe(200);
      expect(DEFAULT_SECRET).toBe(
        Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)).toString('base64'),
      );
    } finally {
      await app.close();
    }
  });
});
