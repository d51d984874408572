import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScouterAuthError, ScouterHttpError, ScouterNetworkError, ScouterTimeoutError } from '../errors.js';
import { HttpConfig } from '../transport/http-config.js';
import { HttpSession } from './http-session.js';
import { NodeHttpExchange } from './node-http-exchange.js';
import { SessionCore, buildQuery, parseRetryAfter, serverMessageOf } from './session-core.js';
import { LoopbackScouter } from './loopback-scouter.test-util.js';

const ORIGIN = 'http://scouter.test:8000';

function config(options: ConstructorParameters<typeof HttpConfig>[0] = {}): HttpConfig {
  return new HttpConfig({ serverUri: ORIGIN, username: 'ada', password: 's3cret', ...options }, {});
}

describe('HttpSession with MockAgent', () => {
  let agent: MockAgent;

  beforeEach(() => {
    agent = new MockAgent({ enableCallHistory: true });
    agent.disableNetConnect();
  });

  afterEach(async () => {
    await agent.close();
  });

  it('logs in with Username/Password headers, then sends the bearer token and the credentials on every call', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({
        path: '/scouter/auth/login',
        method: 'GET',
        headers: { username: 'ada', password: 's3cret' },
      })
      .reply(200, { token: 'jwt-1' });
    pool
      .intercept({
        path: '/scouter/alerts?name=model&space=scouter&version=0.1.0&active=true',
        method: 'GET',
        headers: { authorization: 'Bearer jwt-1', username: 'ada', password: 's3cret' },
      })
      .reply(200, { alerts: [] });

    const session = new HttpSession(config(), { dispatcher: agent });
    const body = await session.request('GET', 'alerts', {
      query: {
        name: 'model',
        space: 'scouter',
        version: '0.1.0',
        limit_datetime: undefined,
        active: true,
        limit: null,
      },
    });

    expect(body).toEqual({ alerts: [] });
    expect(session.token).toBe('jwt-1');
    agent.assertNoPendingInterceptors();
    const calls = agent.getCallHistory()!.calls();
    expect(calls.map((c) => `${c.method} ${c.fullUrl.slice(ORIGIN.length)}`)).toEqual([
      'GET /scouter/auth/login',
      'GET /scouter/alerts?name=model&space=scouter&version=0.1.0&active=true',
    ]);
    expect(calls[0]!.headers).not.toHaveProperty('authorization');
  });

  it('sends JSON bodies with Content-Type application/json, exactly as serialised', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 'jwt-1' });
    pool
      .intercept({ path: '/scouter/alerts', method: 'PUT', headers: { 'content-type': 'application/json' } })
      .reply(200, { updated: true });

    const session = new HttpSession(config(), { dispatcher: agent });
    const body = await session.request('PUT', 'alerts', { json: { id: 7, active: false, space: 'scouter' } });

    expect(body).toEqual({ updated: true });
    expect(agent.getCallHistory()!.lastCall()!.body).toBe('{"id":7,"active":false,"space":"scouter"}');
  });

  it('adopts a rotated token from a response Authorization header', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 'jwt-1' });
    pool
      .intercept({ path: '/scouter/profiles', method: 'POST', headers: { authorization: 'Bearer jwt-1' } })
      .reply(200, [], { headers: { authorization: 'Bearer jwt-2' } });
    pool
      .intercept({ path: '/scouter/profiles', method: 'POST', headers: { authorization: 'Bearer jwt-2' } })
      .reply(200, []);

    const session = new HttpSession(config(), { dispatcher: agent });
    await session.request('POST', 'profiles', { json: { space: 's', name: 'n', version: '1.0.0' } });
    expect(session.token).toBe('jwt-2');
    await session.request('POST', 'profiles', { json: { space: 's', name: 'n', version: '1.0.0' } });
    agent.assertNoPendingInterceptors();
  });

  it('uses a configured authToken first, and on 401 logs in and retries once', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: '/scouter/message', method: 'POST', headers: { authorization: 'Bearer stale' } })
      .reply(401, { error: 'Unauthorized', message: 'Invalid token format' });
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 'fresh' });
    pool
      .intercept({ path: '/scouter/message', method: 'POST', headers: { authorization: 'Bearer fresh' } })
      .reply(200, { status: 'success', message: 'Message queued for processing' });

    const session = new HttpSession(config({ authToken: 'stale' }), { dispatcher: agent });
    await session.send('POST', 'message', { body: '{"records":[]}' });

    agent.assertNoPendingInterceptors();
    const calls = agent.getCallHistory()!.calls();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /scouter/message',
      'GET /scouter/auth/login',
      'POST /scouter/message',
    ]);
    expect(calls[2]!.body).toBe('{"records":[]}');
  });

  it('gives up after one re-login: a second 401 rejects with a non-retryable ScouterHttpError', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 'a' }).times(2);
    pool
      .intercept({ path: '/scouter/profile/status', method: 'PUT' })
      .reply(401, { error: 'Unauthorized', message: 'User not found' })
      .times(2);

    const session = new HttpSession(config(), { dispatcher: agent });
    const err = await session.send('PUT', 'profile/status', { json: {} }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ScouterHttpError);
    expect(err).toMatchObject({ code: 'ERR_HTTP_STATUS', status: 401, retryable: false, method: 'PUT' });
    expect((err as ScouterHttpError).url).toBe(`${ORIGIN}/scouter/profile/status`);
    expect(agent.getCallHistory()!.calls()).toHaveLength(4);
  });

  it('does not log in for unauthenticated routes (auth: false)', async () => {
    agent.get(ORIGIN).intercept({ path: '/scouter/healthcheck', method: 'GET' }).reply(200, { alive: true });
    const session = new HttpSession(config(), { dispatcher: agent });
    expect(await session.request('GET', 'healthcheck', { auth: false })).toEqual({ alive: true });
    expect(agent.getCallHistory()!.calls()).toHaveLength(1);
  });

  it('maps a 4xx login answer to ScouterAuthError (not retryable) and a 5xx one to a retryable ScouterHttpError', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(404, { error: 'User not found' });
    pool
      .intercept({ path: '/scouter/auth/login', method: 'GET' })
      .reply(500, { error: 'Failed to get user' });
    const session = new HttpSession(config(), { dispatcher: agent });

    const auth = await session.request('GET', 'alerts').catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(ScouterAuthError);
    expect(auth).toMatchObject({ code: 'ERR_AUTH', retryable: false });
    expect((auth as Error).message).toContain('HTTP 404: User not found');
    expect((auth as Error).message).not.toContain('s3cret');

    const server = await session.request('GET', 'alerts').catch((e: unknown) => e);
    expect(server).toBeInstanceOf(ScouterHttpError);
    expect(server).toMatchObject({ status: 500, retryable: true });
  });

  it('carries status, body and server message for a non-2xx answer', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 't' });
    pool
      .intercept({ path: /^\/scouter\/profile\?/, method: 'GET' })
      .reply(404, { error: 'Drift profile not found' });
    const session = new HttpSession(config(), { dispatcher: agent });

    const err = (await session
      .request('GET', 'profile', { query: { name: 'n', space: 's', version: '1.0.0', drift_type: 'Custom' } })
      .catch((e: unknown) => e)) as ScouterHttpError;
    expect(err).toBeInstanceOf(ScouterHttpError);
    expect(err.status).toBe(404);
    expect(err.retryable).toBe(false);
    expect(err.body).toBe('{"error":"Drift profile not found"}');
    expect(err.message).toContain('Drift profile not found');
    expect(err.url).toBe(`${ORIGIN}/scouter/profile?name=n&space=s&version=1.0.0&drift_type=Custom`);
  });

  it('turns a connection error into a retryable ScouterNetworkError', async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: '/scouter/healthcheck', method: 'GET' })
      .replyWithError(new Error('socket hang up'));
    const session = new HttpSession(config(), { dispatcher: agent });
    const err = await session.request('GET', 'healthcheck', { auth: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterNetworkError);
    expect(err).toMatchObject({ code: 'ERR_NETWORK', retryable: true });
  });

  it('keeps a path prefix of serverUri and drops its trailing slash (no //scouter)', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/base/scouter/healthcheck', method: 'GET' })
      .reply(200, { alive: true });
    const session = new HttpSession(config({ serverUri: `${ORIGIN}/base/` }), { dispatcher: agent });
    expect(await session.request('GET', 'healthcheck', { auth: false })).toEqual({ alive: true });
    expect(session.url('message')).toBe(`${ORIGIN}/base/scouter/message`);
  });
});

// The same session logic over both HTTP clients: undici (`HttpSession`, the app's thread) and node:http (the delivery
// worker's `SessionCore` + `NodeHttpExchange`).
const clients: Array<[string, (config: HttpConfig) => SessionCore]> = [
  ['HttpSession (undici)', (config) => new HttpSession(config)],
  [
    'SessionCore over node:http (the delivery worker)',
    (config) => new SessionCore(config, (origin) => new NodeHttpExchange(origin, config.connections)),
  ],
];

describe.each(clients)('%s against a loopback server', (_name, create) => {
  let server: LoopbackScouter;
  let session: SessionCore | undefined;

  beforeEach(async () => {
    server = await LoopbackScouter.start();
  });

  afterEach(async () => {
    await session?.close();
    session = undefined;
    await server.close();
  });

  function open(options: ConstructorParameters<typeof HttpConfig>[0] = {}): SessionCore {
    session = create(
      new HttpConfig({ serverUri: server.uri, username: 'admin', password: 'admin', ...options }, {}),
    );
    return session;
  }

  it('shares one in-flight login between concurrent callers', async () => {
    const s = open();
    await Promise.all(Array.from({ length: 5 }, () => s.send('POST', 'message', { body: '{"records":[]}' })));
    expect(server.logins).toBe(1);
    expect(server.requestsTo('POST /scouter/message')).toHaveLength(5);
    expect(new Set(server.requestsTo('POST /scouter/message').map((r) => r.headers.authorization))).toEqual(
      new Set(['Bearer token-1']),
    );
  });

  it('logs in again once when every token expired, for all concurrent callers together', async () => {
    const s = open();
    await s.send('POST', 'message', { body: '{"records":[]}' });
    server.revokeTokens();
    await Promise.all(Array.from({ length: 3 }, () => s.send('POST', 'message', { body: '{"records":[]}' })));
    expect(server.logins).toBe(2);
    expect(s.token).toBe('token-2');
    const accepted = server
      .requestsTo('POST /scouter/message')
      .filter((r) => r.headers.authorization === 'Bearer token-2');
    expect(accepted).toHaveLength(3);
  });

  it('follows a silent token refresh from the server', async () => {
    const s = open();
    server.rotateNext('rotated-1');
    await s.send('POST', 'message', { body: '{"records":[]}' });
    expect(s.token).toBe('rotated-1');
    await s.send('POST', 'message', { body: '{"records":[]}' });
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer rotated-1');
  });

  it('rejects wrong credentials with ScouterAuthError without sending the request', async () => {
    const s = open({ password: 'wrong' });
    const err = await s.send('POST', 'message', { body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterAuthError);
    expect((err as Error).message).toContain('HTTP 401: Unauthorized');
    expect(server.requestsTo('POST /scouter/message')).toHaveLength(0);
  });

  it('times out a request that gets no answer with a retryable ScouterTimeoutError', async () => {
    const s = open({ timeoutMs: 150 });
    server.script('POST /scouter/message', { status: 200, hang: true });
    const started = Date.now();
    const err = await s.send('POST', 'message', { body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterTimeoutError);
    expect(err).toMatchObject({ code: 'ERR_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a refused connection as a retryable ScouterNetworkError', async () => {
    const uri = server.uri;
    await server.close();
    server = await LoopbackScouter.start();
    session = create(new HttpConfig({ serverUri: uri }, {}));
    const err = await session.send('GET', 'healthcheck', { auth: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterNetworkError);
    expect((err as ScouterNetworkError).retryable).toBe(true);
  });

  it('sends the body byte for byte, with its length', async () => {
    const s = open();
    const body = '{"records":[{"Custom":{"metric":"mäe","value":0.25}}]}';
    await s.send('POST', 'message', { body });
    await s.send('POST', 'message', { body });
    const posts = server.requestsTo('POST /scouter/message');
    expect(posts.map((r) => r.body)).toEqual([body, body]);
    expect(posts[0]!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(posts[0]!.headers['content-type']).toBe('application/json');
    expect(posts[0]!.headers['transfer-encoding']).toBeUndefined();
  });

  it('rejects a 503 with a retryable ScouterHttpError carrying Retry-After', async () => {
    const s = open();
    server.script('POST /scouter/message', {
      status: 503,
      body: { error: 'Service Unavailable' },
      headers: { 'retry-after': '7' },
    });
    const err = await s.send('POST', 'message', { body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScouterHttpError);
    expect(err).toMatchObject({ status: 503, retryable: true, retryAfterMs: 7000 });
  });

  it('rejects requests after close()', async () => {
    const s = open();
    await s.close();
    await expect(s.send('GET', 'healthcheck', { auth: false })).rejects.toMatchObject({
      code: 'ERR_NETWORK',
    });
  });
});

describe('helpers', () => {
  it('parseRetryAfter reads delta-seconds and HTTP-dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(['7', '9'], now)).toBe(7000);
  });

  it('buildQuery keeps field order, leaves out null/undefined and percent-encodes like serde_qs', () => {
    expect(
      buildQuery({
        space: 'a b',
        name: 'm',
        begin_custom_datetime: '2025-11-24T16:33:58.123456+00:00',
        end_custom_datetime: undefined,
        active: false,
      }),
    ).toBe('?space=a+b&name=m&begin_custom_datetime=2025-11-24T16%3A33%3A58.123456%2B00%3A00&active=false');
    expect(buildQuery({ x: null })).toBe('');
  });

  it('serverMessageOf extracts the three Scouter error shapes', () => {
    expect(serverMessageOf('{"error":"Drift profile not found"}')).toBe('Drift profile not found');
    expect(serverMessageOf('{"error":"Unauthorized","message":"No access token provided"}')).toBe(
      'Unauthorized: No access token provided',
    );
    expect(serverMessageOf('Failed to deserialize query string: missing field `name`')).toBe(
      'Failed to deserialize query string: missing field `name`',
    );
  });
});

describe('NodeHttpExchange', () => {
  it('reaches a server by an IPv6 literal (http://[::1]:port)', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ alive: true, from: req.socket.remoteAddress }));
    });
    server.listen(0, '::1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const config = new HttpConfig({ serverUri: `http://[::1]:${port}` }, {});
    const session = new SessionCore(config, (origin) => new NodeHttpExchange(origin, 1));
    try {
      const response = await session.send('GET', 'healthcheck', { auth: false });
      expect(JSON.parse(response.text)).toEqual({ alive: true, from: '::1' });
    } finally {
      await session.close();
      server.close();
    }
  });

  it('sends a request again on a new connection when the server dropped the kept-alive one it was written to', async () => {
    const connections = new Set<unknown>();
    let requests = 0;
    const server = createServer((req, res) => {
      connections.add(req.socket);
      requests += 1;
      req.resume();
      // The second request arrives on the socket kept alive from the first: drop it unanswered, as a server that
      // closed an idle connection just as the client reused it.
      if (requests === 2) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"success","message":"ok"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const config = new HttpConfig({ serverUri: `http://127.0.0.1:${port}`, authToken: 't' }, {});
    const session = new SessionCore(config, (origin) => new NodeHttpExchange(origin, 1));
    try {
      await session.send('POST', 'message', { body: '{"records":[]}' });
      await expect(session.send('POST', 'message', { body: '{"records":[]}' })).resolves.toMatchObject({
        status: 200,
      });
      expect(requests).toBe(3);
      expect(connections.size).toBe(2);
    } finally {
      await session.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
