import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScouterError, ScouterHttpError, ScouterNetworkError } from '../errors.js';
import { HttpSession } from '../client/http-session.js';
import { LoopbackScouter } from '../client/loopback-scouter.test-util.js';
import { HttpConfig } from './http-config.js';
import { HttpTransport } from './http.js';

const BODY =
  '{"records":[{"Custom":{"created_at":"2025-11-24T16:33:58.123456Z","space":"scouter","name":"model","version":"0.1.0","metric":"mae","value":12.52}},' +
  '{"Custom":{"created_at":"2025-11-24T16:33:58.123457Z","space":"scouter","name":"model","version":"0.1.0","metric":"accuracy","value":0.83}}]}';

async function rejection(promise: Promise<unknown>): Promise<ScouterError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScouterError);
  return err as ScouterError;
}

describe('HttpTransport against a loopback server', () => {
  let server: LoopbackScouter;
  let transport: HttpTransport;

  beforeEach(async () => {
    server = await LoopbackScouter.start();
    transport = new HttpTransport(new HttpConfig({ serverUri: server.uri, timeoutMs: 2_000 }, {}));
  });

  afterEach(async () => {
    await transport.close();
    await server.close();
  });

  it('posts the ServerRecords body byte for byte to /scouter/message with bearer and JSON content type', async () => {
    expect(transport.kind).toBe('http');
    await transport.publish(BODY);
    const [login, message] = server.requests;
    expect(login).toMatchObject({ method: 'GET', url: '/scouter/auth/login' });
    expect(login!.headers).toMatchObject({ username: 'admin', password: 'admin' });
    expect(message).toMatchObject({ method: 'POST', url: '/scouter/message', body: BODY });
    expect(message!.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'content-type': 'application/json',
      username: 'admin',
      password: 'admin',
    });
  });

  it('reuses keep-alive connections for consecutive batches (one with connections: 1)', async () => {
    await transport.close();
    transport = new HttpTransport(new HttpConfig({ serverUri: server.uri, connections: 1 }, {}));
    await transport.publish(BODY);
    await transport.publish(BODY);
    await transport.publish(BODY);
    expect(server.requestsTo('POST /scouter/message')).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('re-logs in once on 401 (expired token) and delivers the batch', async () => {
    await transport.publish(BODY);
    server.revokeTokens();
    await transport.publish(BODY);
    const posts = server.requestsTo('POST /scouter/message');
    expect(posts.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(posts.at(-1)!.body).toBe(BODY);
    expect(server.logins).toBe(2);
  });

  it('rejects 429 as retryable with retryAfterMs from Retry-After seconds, and does not retry itself', async () => {
    server.script('POST /scouter/message', {
      status: 429,
      body: { error: 'Service busy, retry later' },
      headers: { 'retry-after': '2' },
    });
    const err = await rejection(transport.publish(BODY));
    expect(err).toBeInstanceOf(ScouterHttpError);
    expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000 });
    expect(err.message).toContain('Service busy, retry later');
    expect(server.requestsTo('POST /scouter/message')).toHaveLength(1);
  });

  it('reads an HTTP-date Retry-After on 503', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    server.script('POST /scouter/message', { status: 503, body: 'busy', headers: { 'retry-after': at } });
    const err = await rejection(transport.publish(BODY));
    expect(err).toMatchObject({ status: 503, retryable: true });
    expect(err.retryAfterMs).toBeGreaterThan(55_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('rejects 500 as retryable without retryAfterMs', async () => {
    server.script('POST /scouter/message', {
      status: 500,
      body: { error: 'Failed to enqueue message: closed' },
    });
    const err = await rejection(transport.publish(BODY));
    expect(err).toMatchObject({ code: 'ERR_HTTP_STATUS', status: 500, retryable: true });
    expect(err.retryAfterMs).toBeUndefined();
  });

  it.each([
    [403, { error: 'Permission denied' }],
    [422, 'Failed to deserialize the JSON body into the target type: data did not match any variant'],
  ])('rejects %i as not retryable', async (status, body) => {
    server.script('POST /scouter/message', { status, body });
    const err = await rejection(transport.publish(BODY));
    expect(err).toMatchObject({ status, retryable: false });
  });

  it('rejects with a retryable ScouterNetworkError when the server is gone', async () => {
    await transport.publish(BODY);
    await server.close();
    const err = await rejection(transport.publish(BODY));
    expect(err).toBeInstanceOf(ScouterNetworkError);
    expect(err.retryable).toBe(true);
    server = await LoopbackScouter.start();
  });

  it('close() is idempotent and later publishes reject', async () => {
    await transport.close();
    await transport.close();
    const err = await rejection(transport.publish(BODY));
    expect(err.retryable).toBe(false);
  });
});

describe('HttpTransport with MockAgent', () => {
  it('uses an injected dispatcher and a shared session, leaving both open on close()', async () => {
    const agent = new MockAgent({ enableCallHistory: true });
    agent.disableNetConnect();
    const pool = agent.get('http://scouter.test');
    pool.intercept({ path: '/scouter/auth/login', method: 'GET' }).reply(200, { token: 't' });
    pool
      .intercept({ path: '/scouter/message', method: 'POST', body: BODY })
      .reply(200, { status: 'success' })
      .times(2);
    const session = new HttpSession(new HttpConfig({ serverUri: 'http://scouter.test' }, {}), {
      dispatcher: agent,
    });
    const transport = new HttpTransport(session);
    await transport.publish(BODY);
    await transport.close();
    await transport.publish(BODY);
    agent.assertNoPendingInterceptors();
    await session.close();
    await agent.close();
  });
});
