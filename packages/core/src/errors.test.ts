import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidCronError,
  InvalidMetricError,
  InvalidOptionsError,
  InvalidProfileError,
  MissingDependencyError,
  QueueShutdownError,
  ScouterAuthError,
  ScouterError,
  ScouterErrorCode,
  ScouterHttpError,
  ScouterIoError,
  ScouterNetworkError,
  ScouterTimeoutError,
  UnknownAliasError,
  isScouterError,
  parseOptions,
} from './index.js';

describe('ScouterError family', () => {
  it('has one stable code per subclass, all ScouterError and Error', () => {
    const cases: [ScouterError, string, string][] = [
      [new InvalidOptionsError('x'), 'ERR_INVALID_OPTIONS', 'InvalidOptionsError'],
      [new InvalidProfileError('x', 'config.space'), 'ERR_INVALID_PROFILE', 'InvalidProfileError'],
      [new InvalidCronError('x', '* *'), 'ERR_INVALID_CRON', 'InvalidCronError'],
      [new InvalidMetricError('x'), 'ERR_INVALID_METRIC', 'InvalidMetricError'],
      [
        new ScouterHttpError(500, 'boom', 'POST', 'http://h/scouter/message'),
        'ERR_HTTP_STATUS',
        'ScouterHttpError',
      ],
      [new ScouterTimeoutError('x'), 'ERR_TIMEOUT', 'ScouterTimeoutError'],
      [new ScouterNetworkError('x'), 'ERR_NETWORK', 'ScouterNetworkError'],
      [new ScouterAuthError('x'), 'ERR_AUTH', 'ScouterAuthError'],
      [new UnknownAliasError('a', ['b']), 'ERR_UNKNOWN_ALIAS', 'UnknownAliasError'],
      [new QueueShutdownError(), 'ERR_QUEUE_SHUT_DOWN', 'QueueShutdownError'],
      [new ScouterIoError('x', '/p'), 'ERR_IO', 'ScouterIoError'],
      [
        new MissingDependencyError('ioredis', 'RedisConfig'),
        'ERR_MISSING_DEPENDENCY',
        'MissingDependencyError',
      ],
    ];
    for (const [err, code, name] of cases) {
      expect(err).toBeInstanceOf(ScouterError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.name).toBe(name);
      expect(isScouterError(err)).toBe(true);
      expect(isScouterError(err, err.code)).toBe(true);
    }
    expect(new Set(Object.values(ScouterErrorCode)).size).toBe(cases.length);
    expect(isScouterError(new Error('x'))).toBe(false);
  });

  it('carries cause, retryable and retryAfterMs', () => {
    const cause = new Error('root');
    const err = new ScouterError('ERR_NETWORK', 'm', { cause, retryable: true, retryAfterMs: 250 });
    expect(err.cause).toBe(cause);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(250);
    expect(new ScouterError('ERR_IO', 'm').retryable).toBe(false);
    expect(new ScouterError('ERR_IO', 'm').retryAfterMs).toBeUndefined();
    expect(new ScouterTimeoutError('t').retryable).toBe(true);
    expect(new ScouterNetworkError('n').retryable).toBe(true);
  });

  it('ScouterHttpError keeps the request and marks 408/429/5xx retryable', () => {
    const err = new ScouterHttpError(503, '{"error":"x"}', 'POST', 'http://h/scouter/message', {
      retryAfterMs: 1000,
    });
    expect([err.status, err.body, err.method, err.url]).toEqual([
      503,
      '{"error":"x"}',
      'POST',
      'http://h/scouter/message',
    ]);
    expect(err.message).toContain('POST http://h/scouter/message failed with HTTP 503');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(1000);
    expect(new ScouterHttpError(429, '', 'GET', 'u').retryable).toBe(true);
    expect(new ScouterHttpError(408, '', 'GET', 'u').retryable).toBe(true);
    expect(new ScouterHttpError(400, '', 'GET', 'u').retryable).toBe(false);
    expect(new ScouterHttpError(401, '', 'GET', 'u').retryable).toBe(false);
    expect(new ScouterHttpError(400, '', 'GET', 'u', { retryable: true }).retryable).toBe(true);
  });

  it('UnknownAliasError names the alias and the known ones', () => {
    const err = new UnknownAliasError('typo', ['model-a', 'model-b']);
    expect(err.alias).toBe('typo');
    expect(err.message).toBe('Unknown queue alias "typo". Known aliases: "model-a", "model-b".');
  });
});

describe('parseOptions', () => {
  const schema = z.object({
    timeoutMs: z.number().int().positive().default(5000),
    nested: z.object({ url: z.string() }).optional(),
    list: z.array(z.number()).optional(),
  });

  it('returns parsed values with defaults', () => {
    expect(parseOptions(schema, {}, 'Thing')).toEqual({ timeoutMs: 5000 });
  });

  it('throws InvalidOptionsError naming every field path', () => {
    let caught: unknown;
    try {
      parseOptions(schema, { timeoutMs: -1, nested: {}, list: [1, 'x'] }, 'Thing');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const message = (caught as Error).message;
    expect(message).toMatch(/^Invalid Thing options:\n/);
    expect(message).toContain('  - timeoutMs: ');
    expect(message).toContain('  - nested.url: missing required field (expected string)');
    expect(message).toContain('  - list[1]: ');
    expect((caught as Error).cause).toBeInstanceOf(z.ZodError);
  });

  it('reports a non-object input at (root)', () => {
    expect(() => parseOptions(schema, 'nope', 'Thing')).toThrow(/\(root\)/);
  });
});
