import { afterEach, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import { TestClock, login, profileJson, profileRequest, tempDir, testServer } from '../testing/harness.js';

describe('GET /scouter/ts/profiles (scouter-ts extension for the dashboard)', () => {
  let app: ScouterServer | undefined;
  let cleanup = () => undefined as void;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    cleanup();
  });

  async function start(guestAccess: 'write' | 'read') {
    const dir = tempDir();
    cleanup = dir.cleanup;
    const clock = new TestClock('2025-11-24T16:30:00.000Z');
    app = await testServer({ databaseUri: `${dir.dir}/s.db`, now: clock.now, guestAccess });
    return app;
  }

  it('lists every profile the caller may read, with status, schedule, next run and write access', async () => {
    const server = await start('read');
    const admin = await login(server);
    expect(
      (
        await server.inject({ method: 'GET', url: '/scouter/ts/profiles', headers: { authorization: admin } })
      ).json(),
    ).toEqual({ profiles: [] });
    for (const [space, name, active] of [
      ['zeta', 'model', true],
      ['alpha', 'model', false],
    ] as const) {
      const res = await server.inject({
        method: 'POST',
        url: '/scouter/profile',
        headers: { authorization: admin },
        payload: profileRequest(profileJson({ space, name, version: '1.0.0', schedule: '0 0 * * * *' }), {
          active,
        }),
      });
      expect(res.statusCode).toBe(200);
    }
    const res = await server.inject({
      method: 'GET',
      url: '/scouter/ts/profiles',
      headers: { authorization: admin },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      profiles: [
        {
          space: 'alpha',
          name: 'model',
          version: '1.0.0',
          drift_type: 'Custom',
          active: false,
          schedule: '0 0 * * * *',
          next_run: '2025-11-24T17:00:00.000Z',
          previous_run: '2025-11-24T16:30:00.000Z',
          created_at: expect.any(String) as string,
          updated_at: expect.any(String) as string,
          writable: true,
        },
        expect.objectContaining({ space: 'zeta', active: true, writable: true }),
      ],
    });
    const guest = await login(server, 'guest', 'guest');
    const asGuest = await server.inject({
      method: 'GET',
      url: '/scouter/ts/profiles',
      headers: { authorization: guest },
    });
    expect(
      asGuest.json<{ profiles: Array<{ writable: boolean }> }>().profiles.map((p) => p.writable),
    ).toEqual([false, false]);
  });

  it('needs a token like every protected route', async () => {
    const server = await start('write');
    const res = await server.inject({ method: 'GET', url: '/scouter/ts/profiles' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'Unauthorized', message: 'No access token provided' });
  });
});
