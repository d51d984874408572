import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { HttpConfig } from './http-config.js';

describe('HttpConfig', () => {
  it('defaults like Python HttpConfig() when neither options nor environment are set', () => {
    const config = new HttpConfig({}, {});
    expect(config).toMatchObject({
      transportType: 'Http',
      serverUri: 'http://localhost:8000',
      username: 'admin',
      password: 'admin',
      authToken: '',
      timeoutMs: 30_000,
      connections: 8,
      thread: 'worker',
    });
  });

  it("takes thread: 'main', keeps it through with() and toJSON(), and names the choices otherwise", () => {
    const config = new HttpConfig({ thread: 'main' }, {});
    expect(config.with({ timeoutMs: 5 }).thread).toBe('main');
    expect(config.toJSON()).toMatchObject({ thread: 'main' });
    expect(() => new HttpConfig({ thread: 'fork' as 'worker' }, {})).toThrow(/thread.*'main' or 'worker'/);
  });

  it('falls back to the SCOUTER_* environment variables', () => {
    const config = new HttpConfig(
      {},
      {
        SCOUTER_SERVER_URI: 'https://scouter.example.com/',
        SCOUTER_USERNAME: 'guest',
        SCOUTER_PASSWORD: 'pw',
        SCOUTER_AUTH_TOKEN: 'jwt',
      },
    );
    expect(config.serverUri).toBe('https://scouter.example.com');
    expect(config.username).toBe('guest');
    expect(config.password).toBe('pw');
    expect(config.authToken).toBe('jwt');
  });

  it('lets options win over the environment, and ignores empty environment values', () => {
    const config = new HttpConfig(
      { serverUri: 'http://127.0.0.1:9000', username: 'ada' },
      { SCOUTER_SERVER_URI: 'http://other:1', SCOUTER_USERNAME: 'guest', SCOUTER_PASSWORD: '' },
    );
    expect(config.serverUri).toBe('http://127.0.0.1:9000');
    expect(config.username).toBe('ada');
    expect(config.password).toBe('admin');
  });

  it('reads process.env by default', () => {
    const before = process.env.SCOUTER_SERVER_URI;
    process.env.SCOUTER_SERVER_URI = 'http://from-env:8123';
    try {
      expect(new HttpConfig().serverUri).toBe('http://from-env:8123');
    } finally {
      if (before === undefined) delete process.env.SCOUTER_SERVER_URI;
      else process.env.SCOUTER_SERVER_URI = before;
    }
  });

  it('strips trailing slashes so routes never become //scouter', () => {
    expect(new HttpConfig({ serverUri: 'http://h:8000//' }, {}).serverUri).toBe('http://h:8000');
    expect(new HttpConfig({ serverUri: 'http://h:8000/prefix/' }, {}).serverUri).toBe('http://h:8000/prefix');
  });

  it.each([['localhost:8000'], ['ftp://h'], ['not a url'], ['http://h:8000/?x=1'], ['http://u:p@h:8000']])(
    'rejects serverUri %s naming the field and the fix',
    (serverUri) => {
      expect(() => new HttpConfig({ serverUri }, {})).toThrow(InvalidOptionsError);
      expect(() => new HttpConfig({ serverUri }, {})).toThrow(/serverUri: expected an http\(s\) URL/);
    },
  );

  it('rejects a non-positive timeout and connection count', () => {
    expect(() => new HttpConfig({ timeoutMs: 0 }, {})).toThrow(/timeoutMs/);
    expect(() => new HttpConfig({ connections: 1.5 }, {})).toThrow(/connections/);
  });

  it('never prints the password or token', () => {
    const config = new HttpConfig({ password: 'hunter2', authToken: 'tok-secret' }, {});
    for (const text of [
      JSON.stringify(config),
      String(config),
      inspect(config),
      inspect({ nested: config }),
    ]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('tok-secret');
      expect(text).toContain('admin');
    }
  });

  it('with() copies the config and replaces the given fields', () => {
    const base = new HttpConfig({ serverUri: 'http://a:1', password: 'p' }, {});
    const copy = base.with({ timeoutMs: 500 });
    expect(copy).toMatchObject({ serverUri: 'http://a:1', password: 'p', timeoutMs: 500 });
    expect(base.timeoutMs).toBe(30_000);
  });
});
