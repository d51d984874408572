/**
 * The auth matrix: every protected route (found in the running app, so a new route is covered too) against every
 * way a request can be unauthorised; each must get Scouter's status and body and leave the database byte-for-byte
 * as it was. Also: password hashes, the login rate limit, and that no secret reaches the log.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ScouterServer } from '../app.js';
import type { ServerOptions } from '../config.js';
import { TestClock, login, record, tempDir, testServer } from '../testing/harness.js';
import { PROTECTED_ROUTES as ROUTES, protectedRoutes } from '../testing/routes.js';
import { hashPassword } from './password.js';

const T0 = '2025-11-24T16:00:00Z';
const ENCRYPT_SECRET = 'matrix-encrypt-secret-0123456789';
const REFRESH_SECRET = 'matrix-refresh-secret-9876543210';
const ADMIN_PASSWORD = 'Adm1n-pa55word-matrix';

/** Every row of the data tables (users with their stored refresh tokens, profiles, records, alerts). */
function snapshot(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return ['user', 'drift_profile', 'custom_drift', 'drift_alert']
      .map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()))
      .join('\n');
  } finally {
    db.close();
  }
}

function deleteUser(file: string, username: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.prepare('DELETE FROM "user" WHERE username = ?').run(username);
  } finally {
    db.close();
  }
}

function storedRefreshToken(file: string, username: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT refresh_token FROM "user" WHERE username = ?').get(username) as
      { refresh_token: string | null } | undefined;
    if (!row?.refresh_token) throw new Error(`${username} has no stored refresh token`);
    return row.refresh_token;
  } finally {
    db.close();
  }
}

const claimsOf = (sub: string, exp: number) => ({
  sub,
  exp,
  permissions: ['read:all', 'write:all'],
  group_permissions: ['admin'],
  salt: 'AAAAAAAAAAAAAAAA',
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** One row of the printed matrix (docs/reliability.md is filled from these). */
interface MatrixRow {
  route: string;
  attack: string;
  status: number;
  body: string;
  unchanged: boolean;
}
const printed: MatrixRow[] = [];

afterAll(() => {
  if (printed.length === 0) return;
  const byAttack = new Map<string, MatrixRow[]>();
  for (const row of printed) byAttack.set(row.attack, [...(byAttack.get(row.attack) ?? []), row]);
  const lines = ['| attack | routes | status | body | data unchanged |', '|---|---|---|---|---|'];
  for (const [attack, rows] of byAttack) {
    const statuses = [...new Set(rows.map((r) => r.status))].join('/');
    const bodies = [...new Set(rows.map((r) => r.body))].join(' / ');
    lines.push(
      `| ${attack} | ${rows.length} | ${statuses} | \`${bodies}\` | ${rows.filter((r) => r.unchanged).length}/${rows.length} |`,
    );
  }
  console.log(`auth matrix\n${lines.join('\n')}`);
});

describe('auth matrix', () => {
  const dirs: Array<() => void> = [];
  let app: ScouterServer;
  let file: string;
  let clock: TestClock;

  async function start(options: ServerOptions = {}): Promise<void> {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    file = join(dir, 'scouter.db');
    clock = new TestClock(T0);
    app = await testServer({
      databaseUri: file,
      now: clock.now,
      encryptSecret: ENCRYPT_SECRET,
      refreshSecret: REFRESH_SECRET,
      defaultPassword: ADMIN_PASSWORD,
      ...options,
    });
    await app.ready();
  }

  async function addUser(
    username: string,
    permissions: string[],
    groupPermissions = ['user'],
  ): Promise<void> {
    await app.scouterServer.storage.insertUser({
      username,
      passwordHash: await hashPassword(`${username}-password`),
      email: `${username}@example.test`,
      permissions,
      groupPermissions,
      role: 'user',
      active: true,
      refreshToken: null,
    });
  }

  function send(
    route: string,
    space: string,
    authorization: string | undefined,
  ): Promise<LightMyRequestResponse> {
    const [method, url] = route.split(' ') as [InjectOptions['method'], string];
    const spec = ROUTES[route]?.request(space) ?? {};
    const req: InjectOptions = { method, url: spec.query ? `${url}?${spec.query}` : url };
    if (authorization !== undefined) req.headers = { authorization };
    if (spec.payload !== undefined) req.payload = spec.payload as object;
    else if (method === 'POST' || method === 'PUT') req.payload = {};
    return app.inject(req);
  }

  /** Sends `route` and checks the status, the body, and that no data changed; records the row. */
  async function expectRejected(
    route: string,
    attack: string,
    authorization: string | undefined,
    status: number,
    body: unknown,
    space = 'scouter',
  ): Promise<void> {
    const before = snapshot(file);
    const res = await send(route, space, authorization);
    const unchanged = snapshot(file) === before;
    printed.push({ route, attack, status: res.statusCode, body: res.body, unchanged });
    expect([route, attack, res.statusCode, res.json()]).toEqual([route, attack, status, body]);
    expect(unchanged, `${route} with ${attack} changed stored data`).toBe(true);
    expect(res.headers.authorization, `${route} with ${attack} minted a token`).toBeUndefined();
  }

  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await app.close();
  });
  afterAll(() => {
    for (const cleanup of dirs) cleanup();
  });

  it('finds every protected route, and each has a permission case', () => {
    const routes = protectedRoutes(app);
    expect(routes).toEqual(expect.arrayContaining(Object.keys(ROUTES)));
    const untabled = routes.filter((r) => !(r in ROUTES));
    if (untabled.length > 0) {
      console.warn(
        `auth matrix: ${untabled.join(', ')} get the token rows only; add them to ROUTES for the per-space rows`,
      );
    }
  });

  it('rejects missing, expired, forged, unsigned, refresh and deleted-user tokens on every protected route', async () => {
    const admin = await login(app, 'admin', ADMIN_PASSWORD);
    await addUser('bob', ['read:all', 'write:all']);
    const bob = await login(app, 'bob', 'bob-password');
    await app.inject({
      method: 'POST',
      url: '/scouter/message',
      headers: { authorization: admin },
      payload: { records: [record('2025-11-24T15:00:00Z', 'mae', 1)] },
    });
    const nowSec = Math.floor(clock.ms / 1000);
    const key = (secret: string) => new TextEncoder().encode(secret);
    // A user who never logged in has no stored refresh token, so an expired token cannot be silently renewed.
    await addUser('erin', ['read:all', 'write:all']);
    const expired = await new SignJWT(claimsOf('erin', nowSec - 3600))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key(ENCRYPT_SECRET));
    // admin has a valid stored refresh token: Scouter v0.13 (which skips the signature here) would renew these.
    const forged = await new SignJWT(claimsOf('admin', nowSec + 3600))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key('not-the-server-secret'));
    const withRefreshSecret = await new SignJWT(claimsOf('admin', nowSec + 3600))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(key(REFRESH_SECRET));
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf('admin', nowSec + 3600))}.`;
    const noneSigned = `${unsigned}${forged.split('.')[2]}`;
    const refreshToken = storedRefreshToken(file, 'admin');
    deleteUser(file, 'bob');
    clock.advance(1100);

    const unauthorized = (message: string) => ({ error: 'Unauthorized', message });
    const cases: Array<[string, string | undefined, string]> = [
      ['no token', undefined, 'No access token provided'],
      ['empty bearer', 'Bearer ', 'No access token provided'],
      ['garbage token', 'Bearer not.a.jwt', 'Invalid token format'],
      ['lower-case bearer', admin.replace('Bearer', 'bearer'), 'No access token provided'],
      ['expired token, no valid refresh token', `Bearer ${expired}`, 'No refresh token found'],
      ['forged signature', `Bearer ${forged}`, 'Invalid token format'],
      ['signed with the refresh secret', `Bearer ${withRefreshSecret}`, 'Invalid token format'],
      ['alg none, empty signature', `Bearer ${unsigned}`, 'Invalid token format'],
      ['alg none, copied signature', `Bearer ${noneSigned}`, 'Invalid token format'],
      ['stored refresh token as access token', `Bearer ${refreshToken}`, 'Invalid token format'],
      ['valid token of a deleted user', bob, 'User not found'],
    ];
    const routes = protectedRoutes(app);
    for (const route of routes) {
      for (const [attack, authorization, message] of cases) {
        await expectRejected(route, attack, authorization, 401, unauthorized(message));
      }
    }
    expect(printed.length).toBeGreaterThanOrEqual(routes.length * cases.length);
  });

  it('refuses a refresh token as an access token even when both secrets are the same (Scouter’s default)', async () => {
    await app.close();
    await start({ encryptSecret: ENCRYPT_SECRET, refreshSecret: ENCRYPT_SECRET });
    await login(app, 'admin', ADMIN_PASSWORD);
    const refreshToken = storedRefreshToken(file, 'admin');
    for (const route of Object.keys(ROUTES)) {
      await expectRejected(route, 'refresh token, secrets equal', `Bearer ${refreshToken}`, 401, {
        error: 'Unauthorized',
        message: 'Invalid token format',
      });
    }
    const refresh = await app.inject({
      method: 'GET',
      url: '/scouter/auth/refresh',
      headers: { authorization: `Bearer ${refreshToken}` },
    });
    expect([refresh.statusCode, refresh.json()]).toEqual([401, { error: 'Failed to decode JWT token' }]);
    const validate = await app.inject({
      method: 'GET',
      url: '/scouter/auth/validate',
      headers: { authorization: `Bearer ${refreshToken}` },
    });
    expect([validate.statusCode, validate.json()]).toEqual([401, { error: 'Failed to validate token' }]);
  });

  it('answers 403 for a user without the permission on the space, and lets it use its own space', async () => {
    await addUser('dave', ['read:team', 'write:team']);
    const dave = await login(app, 'dave', 'dave-password');
    for (const [route, { check }] of Object.entries(ROUTES)) {
      if (check === 'none') continue;
      await expectRejected(
        route,
        `no ${check} permission on the space`,
        dave,
        403,
        { error: 'Permission denied' },
        'other',
      );
      const own = await send(route, 'team', dave);
      expect([route, own.statusCode]).not.toEqual([route, 403]);
      expect([route, own.statusCode]).not.toEqual([route, 401]);
    }
    await addUser('rita', ['read:team']);
    const rita = await login(app, 'rita', 'rita-password');
    for (const [route, { check }] of Object.entries(ROUTES)) {
      if (check !== 'write') continue;
      await expectRejected(
        route,
        'read-only user writing',
        rita,
        403,
        { error: 'Permission denied' },
        'team',
      );
    }
    // Scouter checks no permission on GET /scouter/alerts; a token is enough.
    expect((await send('GET /scouter/alerts', 'other', dave)).statusCode).toBe(200);
  });

  it.each(['write', 'read', 'disabled'] as const)(
    'treats the guest as SCOUTER_GUEST_ACCESS=%s says',
    async (mode) => {
      const uri = file;
      const earlier = await login(app, 'guest', 'guest');
      await app.close();
      app = await testServer({
        databaseUri: uri,
        now: clock.now,
        encryptSecret: ENCRYPT_SECRET,
        refreshSecret: REFRESH_SECRET,
        guestAccess: mode,
      });
      await app.ready();
      const loginRes = await app.inject({
        method: 'GET',
        url: '/scouter/auth/login',
        headers: { username: 'guest', password: 'guest' },
      });
      if (mode === 'disabled') {
        expect([loginRes.statusCode, loginRes.json()]).toEqual([404, { error: 'User not found' }]);
        for (const route of Object.keys(ROUTES)) {
          await expectRejected(route, 'guest token, guest disabled', earlier, 401, {
            error: 'Unauthorized',
            message: 'User not found',
          });
        }
        return;
      }
      expect(loginRes.statusCode).toBe(200);
      const guest = `Bearer ${loginRes.json<{ token: string }>().token}`;
      for (const [route, { check }] of Object.entries(ROUTES)) {
        if (mode === 'read' && check === 'write') {
          await expectRejected(route, 'guest writing, guest read-only', guest, 403, {
            error: 'Permission denied',
          });
          continue;
        }
        const res = await send(route, 'scouter', guest);
        expect([route, res.statusCode]).not.toEqual([route, 401]);
        expect([route, res.statusCode]).not.toEqual([route, 403]);
      }
    },
  );

  it('stores passwords as salted scrypt hashes, never in clear', async () => {
    await login(app, 'admin', ADMIN_PASSWORD);
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT username, password_hash FROM "user"').all() as Array<{
        username: string;
        password_hash: string;
      }>;
      expect(rows.map((r) => r.username).sort()).toEqual(['admin', 'guest']);
      for (const { password_hash: hash } of rows) {
        expect(hash).toMatch(/^scrypt\$16384\$8\$5\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
        expect(hash).not.toContain(ADMIN_PASSWORD);
      }
      expect(rows[0]?.password_hash).not.toBe(rows[1]?.password_hash);
    } finally {
      db.close();
    }
  });

  it('rate-limits logins per address and user with a Scouter-shaped 429 and Retry-After', async () => {
    await app.close();
    await start({ loginRateLimitMax: 3, loginRateLimitWindowMs: 60_000 });
    const attempt = (username: string, password: string) =>
      app.inject({ method: 'GET', url: '/scouter/auth/login', headers: { username, password } });
    for (let i = 0; i < 3; i++) expect((await attempt('admin', 'wrong')).statusCode).toBe(401);
    const before = snapshot(file);
    const limited = await attempt('admin', ADMIN_PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      error: expect.stringMatching(/^Too many login attempts.*retry in/) as string,
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(snapshot(file)).toBe(before);
    expect((await attempt('guest', 'guest')).statusCode).toBe(200);
    printed.push({
      route: 'GET /scouter/auth/login',
      attack: '4th login within the window (limit 3)',
      status: limited.statusCode,
      body: limited.body,
      unchanged: true,
    });
  });

  it('never writes a password, token or secret to the log, even at trace level', async () => {
    await app.close();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    await start({ logger: pino({ level: 'trace' }, sink) });
    const admin = await login(app, 'admin', ADMIN_PASSWORD);
    await app.inject({
      method: 'GET',
      url: '/scouter/auth/login',
      headers: { username: 'admin', password: 'wrong-pw' },
    });
    const refreshed = await app.inject({
      method: 'GET',
      url: '/scouter/auth/refresh',
      headers: { authorization: admin },
    });
    expect(refreshed.statusCode).toBe(200);
    await app.inject({
      method: 'POST',
      url: '/scouter/message',
      headers: { authorization: admin },
      payload: { records: [record('2025-11-24T15:00:00Z', 'mae', 1)] },
    });
    await app.inject({
      method: 'POST',
      url: '/scouter/message',
      headers: { authorization: admin },
      payload: '{"records": [',
    });
    clock.advance(3600_000 + 120_000);
    const renewed = await app.inject({
      method: 'GET',
      url: '/scouter/alerts?space=s&name=n&version=1',
      headers: { authorization: admin },
    });
    expect(renewed.headers.authorization).toMatch(/^Bearer /);
    await app.close();
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    const secrets = [
      ADMIN_PASSWORD,
      'wrong-pw',
      ENCRYPT_SECRET,
      REFRESH_SECRET,
      admin.slice(7),
      refreshed.json<{ token: string }>().token,
      String(renewed.headers.authorization).slice(7),
      storedRefreshToken(file, 'admin'),
    ];
    for (const secret of secrets) expect(log).not.toContain(secret);
    for (const secret of secrets.slice(4)) expect(log).not.toContain(secret.split('.')[2]);
    await start();
  });
});
