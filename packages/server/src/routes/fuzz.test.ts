/**
 * Property-based fuzzing of every route (fast-check): generated bodies, mutated valid bodies, truncated JSON, deep
 * nesting, NaN/Infinity, huge metric and record counts, unicode names, oversized bodies, odd content types and query
 * strings. Property: never a 5xx, never a crash, every rejection a 4xx with Scouter's `{"error": "<message>"}`.
 *
 * CI runs a fixed seed and FUZZ_RUNS (default 60) bodies per route; `FUZZ_RUNS=10000 pnpm bench fuzz` is the
 * benchmark-length run (bench/fuzz.ts), which also prints the counts per route.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScouterServer } from '../app.js';
import { login, profileJson, profileRequest, record, tempDir, testServer } from '../testing/harness.js';
import { PROTECTED_ROUTES, protectedRoutes } from '../testing/routes.js';
import { configFromEnv, parseServerOptions } from '../config.js';
import { mutate } from '../../../core/src/testing/mutate.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 27);
/** Benchmark-length runs take minutes. */
const TIMEOUT_MS = 30_000 + RUNS * 100;
const BODY_LIMIT = 256 * 1024;

/** Answers per route and status class, printed at the end (docs/reliability.md quotes a benchmark-length run). */
const tally = new Map<string, Record<string, number>>();
function count(route: string, status: number): void {
  const byClass = tally.get(route) ?? {};
  const key = `${Math.floor(status / 100)}xx`;
  byClass[key] = (byClass[key] ?? 0) + 1;
  tally.set(route, byClass);
}

const unicodeName = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'é',
    '模型',
    '🚀🔥',
    'a'.repeat(5000),
    '../../etc/passwd',
    "'; DROP TABLE x;--",
    '%00',
  ),
);
const weirdNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(1e308, -1e308, 5e-324, 2 ** 53 + 1, -0, 0),
  fc.integer(),
);
const leaf = fc.oneof(unicodeName, weirdNumber, fc.boolean(), fc.constant(null));
const anyJson = fc.jsonValue({ maxDepth: 5 });

/** Texts that are not (quite) JSON, or JSON that JavaScript reads oddly. */
const rawTexts = (valid: string) =>
  fc.oneof(
    fc.nat({ max: Math.max(0, valid.length - 1) }).map((cut) => valid.slice(0, cut)),
    fc.constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      '1e999',
      'undefined',
      '{"records": NaN}',
      valid.replace(/\d+(\.\d+)?/, 'NaN'),
      valid.replace(/\d+(\.\d+)?/, '1e999'),
      valid.replace(/\d+(\.\d+)?/, '-Infinity'),
      '{"__proto__": {"polluted": true}, "records": []}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '\uFEFF{}',
      '',
    ),
    fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    fc.integer({ min: 1, max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
    fc.integer({ min: 1, max: 5_000 }).map((n) => '['.repeat(n)),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

/** Bodies for one route: its valid body mutated, arbitrary JSON, huge counts, raw text, oversized. */
function bodies(valid: unknown): fc.Arbitrary<{ text: string; contentType: string | undefined }> {
  const json = (v: unknown) => JSON.stringify(v) ?? 'null';
  const validText = json(valid);
  const records = fc
    .array(fc.record({ metric: unicodeName, value: weirdNumber, space: unicodeName }), { maxLength: 50 })
    .map((rs) => ({
      records: rs.map((r) => ({ ...record('2025-11-24T15:59:00Z', r.metric, r.value, { space: r.space }) })),
    }));
  const manyMetrics = fc
    .integer({ min: 1, max: 5000 })
    .map((n) =>
      profileRequest(
        profileJson({ metrics: Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i])) }),
      ),
    );
  const manyRecords = fc.integer({ min: 1, max: 3000 }).map((n) => ({
    records: Array.from({ length: n }, (_, i) => record('2025-11-24T15:59:00Z', `m${i % 7}`, i)),
  }));
  const text = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.array(fc.nat(), { maxLength: 6 }), leaf)
        .map(([p, r]) => json(mutate(valid, p, r))),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.array(fc.nat(), { maxLength: 6 }), anyJson)
        .map(([p, r]) => json(mutate(valid, p, r))),
    },
    { weight: 2, arbitrary: anyJson.map(json) },
    { weight: 1, arbitrary: records.map(json) },
    { weight: 1, arbitrary: manyMetrics.map(json) },
    { weight: 1, arbitrary: manyRecords.map(json) },
    { weight: 3, arbitrary: rawTexts(validText) },
    { weight: 1, arbitrary: fc.constant(`{"records":[${'1,'.repeat(BODY_LIMIT / 2)}1]}`) },
  );
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/vnd.scouter+json',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
      ),
    },
  );
  return fc.record({ text, contentType });
}

/** Query strings: the valid one with values replaced, keys dropped or repeated, and arbitrary ones. */
function queries(valid: string): fc.Arbitrary<string> {
  const pairs = valid.split('&').map((p) => p.split('=') as [string, string]);
  const value = fc.oneof(
    unicodeName,
    weirdNumber.map(String),
    fc.constantFrom('', '%', '%ZZ', '%00', 'true', '-1', '1e999'),
  );
  return fc.oneof(
    fc.tuple(fc.nat(), value, fc.constantFrom('replace', 'drop', 'repeat')).map(([i, v, op]) => {
      const idx = i % pairs.length;
      const out = pairs.flatMap(([k, old], j) => {
        if (j !== idx) return [`${k}=${old}`];
        if (op === 'drop') return [];
        const enc = encodeURIComponent(v);
        return op === 'repeat' ? [`${k}=${old}`, `${k}=${enc}`] : [`${k}=${enc}`];
      });
      return out.join('&');
    }),
    fc.dictionary(unicodeName, unicodeName, { maxKeys: 5 }).map((d) =>
      Object.entries(d)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&'),
    ),
    fc.string({ maxLength: 100 }),
  );
}

function expectScouterAnswer(route: string, status: number, body: string, sent: string): void {
  count(route, status);
  if (status >= 500) throw new Error(`${route} answered ${status} ${body} to ${sent.slice(0, 500)}`);
  if (status < 400) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`${route} answered ${status} with a non-JSON body ${body.slice(0, 200)}`);
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'string' || error.length === 0) {
    throw new Error(`${route} answered ${status} without {"error": "..."}: ${body.slice(0, 200)}`);
  }
}

describe('fuzzing every route', { timeout: TIMEOUT_MS }, () => {
  let app: ScouterServer;
  let admin: string;
  let cleanup: () => void;

  beforeAll(async () => {
    const dir = tempDir();
    cleanup = dir.cleanup;
    app = await testServer({
      databaseUri: join(dir.dir, 'scouter.db'),
      bodyLimitBytes: BODY_LIMIT,
      loginRateLimitMax: 0,
    });
    admin = await login(app);
    await app.inject({
      method: 'POST',
      url: '/scouter/profile',
      headers: { authorization: admin },
      payload: profileRequest(profileJson(), { active: true }),
    });
  });
  afterAll(async () => {
    await app.close();
    cleanup();
    const lines = [...tally].map(
      ([route, byClass]) =>
        `| ${route} | ${Object.values(byClass).reduce((a, b) => a + b, 0)} | ${['2xx', '4xx', '5xx'].map((k) => byClass[k] ?? 0).join(' | ')} |`,
    );
    console.log(
      [
        `fuzzing (seed ${SEED}, ${RUNS} runs per route)`,
        '| route | bodies | 2xx | 4xx | 5xx |',
        '|---|---|---|---|---|',
        ...lines,
      ].join('\n'),
    );
  });

  it('answers every generated body on every protected route with < 500 and Scouter’s error shape', async () => {
    const routes = protectedRoutes(app);
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(PROTECTED_ROUTES).length);
    for (const route of routes) {
      const [method, url] = route.split(' ') as [InjectOptions['method'], string];
      const valid = PROTECTED_ROUTES[route]?.request('scouter') ?? {};
      if (method === 'GET') {
        await fc.assert(
          fc.asyncProperty(
            queries(valid.query ?? 'space=scouter&name=model&version=0.1.0'),
            async (query) => {
              const res = await app.inject({
                method,
                url: `${url}?${query}`,
                headers: { authorization: admin },
              });
              expectScouterAnswer(route, res.statusCode, res.body, query);
            },
          ),
          { numRuns: RUNS, seed: SEED },
        );
        continue;
      }
      await fc.assert(
        fc.asyncProperty(bodies(valid.payload ?? {}), async ({ text, contentType }) => {
          const headers: Record<string, string> = { authorization: admin };
          if (contentType !== undefined) headers['content-type'] = contentType;
          const res = await app.inject({ method, url, headers, payload: text });
          expectScouterAnswer(route, res.statusCode, res.body, text);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }
  });

  it('answers every generated login, refresh and validate request with < 500 and Scouter’s error shape', async () => {
    const headerText = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    });
    const token = fc.oneof(
      headerText,
      fc.constant(admin.slice(7)),
      fc.tuple(fc.nat(), fc.constant(admin.slice(7))).map(([cut, t]) => t.slice(0, cut % t.length)),
      fc
        .tuple(fc.nat(), fc.constant(admin.slice(7)), headerText)
        .map(([at, t, s]) => t.slice(0, at % t.length) + s),
      fc
        .jsonValue({ maxDepth: 3 })
        .map(
          (v) =>
            `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(v) ?? '').toString('base64url')}.x`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(headerText), fc.option(headerText), async (username, password) => {
        const headers: Record<string, string> = {};
        if (username !== null) headers.username = username;
        if (password !== null) headers.password = password;
        const res = await app.inject({ method: 'GET', url: '/scouter/auth/login', headers });
        expectScouterAnswer('GET /scouter/auth/login', res.statusCode, res.body, JSON.stringify(headers));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    for (const route of ['/scouter/auth/refresh', '/scouter/auth/validate', '/scouter/healthcheck']) {
      await fc.assert(
        fc.asyncProperty(token, fc.constantFrom('Bearer ', 'bearer ', '', 'Basic '), async (t, scheme) => {
          const res = await app.inject({
            method: 'GET',
            url: route,
            headers: { authorization: `${scheme}${t}` },
          });
          expectScouterAnswer(`GET ${route}`, res.statusCode, res.body, t);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    }
  });

  it('reads every generated environment and command line into options or a clear error', () => {
    const names = [
      'SCOUTER_SERVER_PORT',
      'SCOUTER_SERVER_HOST',
      'DATABASE_URI',
      'SCOUTER_GUEST_ACCESS',
      'SCOUTER_LOGIN_RATE_LIMIT',
      'DATA_RETENTION_PERIOD',
      'LOG_LEVEL',
      'SLACK_API_URL',
      'OPSGENIE_API_URL',
      'SCOUTER_ENCRYPT_SECRET',
    ];
    const value = fc.oneof(
      unicodeName,
      weirdNumber.map(String),
      fc.constantFrom(
        '',
        '0',
        '-1',
        '65536',
        'NaN',
        '1e999',
        'read',
        'WRITE',
        'http://',
        'postgresql://',
        'debug',
      ),
    );
    const flag = fc.oneof(
      fc.constantFrom(
        '--port',
        '--host',
        '--database-uri',
        '--log-level',
        '--data-retention-days',
        '--guest-access',
        '--nope',
        '-p',
        '--',
      ),
      value,
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), value),
        fc.array(flag, { maxLength: 6 }),
        (env, argv) => {
          try {
            parseServerOptions(configFromEnv(env, argv));
          } catch (err) {
            const message = err instanceof Error ? err.message : '';
            if (
              message.length === 0 ||
              /Cannot read prop|is not a function|is not iterable|undefined/.test(message)
            ) {
              throw new Error(
                `unclear configuration error for ${JSON.stringify({ env, argv })}: ${String(err)}`,
              );
            }
          }
        },
      ),
      { numRuns: RUNS * 5, seed: SEED },
    );
  });
});
