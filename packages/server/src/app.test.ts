import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, openStorage } from './app.js';
import { createStorage } from './storage/create-storage.js';
import type { Storage } from './storage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'scouter-open-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What identifies a storage built from a URI: its class and where it points. */
function identity(storage: Storage): unknown {
  const s = storage as unknown as { filename?: string; pool?: { options: { connectionString?: string } } };
  return [storage.constructor.name, storage.kind, s.filename, s.pool?.options.connectionString];
}

async function outcome(open: () => Storage | Promise<Storage>): Promise<unknown> {
  try {
    const storage = await open();
    const id = identity(storage);
    await storage.close();
    return id;
  } catch (err) {
    return ['error', (err as Error).message];
  }
}

describe('openStorage (lazy driver loading)', () => {
  it('maps every URI form exactly like createStorage', async () => {
    const uris = [
      join(dir, 'a.db'),
      `  ${join(dir, 'b.db')}  `,
      ':memory:',
      `sqlite:${join(dir, 'c.db')}`,
      `SQLITE://${join(dir, 'd.db')}`,
      'sqlite:',
      'postgresql://user:pw@127.0.0.1:1/db',
      ' POSTGRES://127.0.0.1:1/db',
      'postgresql:/missing-slash',
      'mysql://127.0.0.1/db',
      'file://x.db',
      '',
      '   ',
    ];
    for (const uri of uris) {
      expect(await outcome(() => openStorage(uri)), uri).toEqual(await outcome(() => createStorage(uri)));
    }
    expect(await outcome(() => openStorage(':memory:'))).toEqual([
      'SqliteStorage',
      'sqlite',
      ':memory:',
      undefined,
    ]);
    expect(await outcome(() => openStorage('postgres://127.0.0.1:1/db'))).toEqual([
      'PostgresStorage',
      'postgres',
      undefined,
      'postgres://127.0.0.1:1/db',
    ]);
  });
});

describe('schema compilers loaded on first use', () => {
  it('validate and serialise an embedder’s schema route exactly like Fastify’s defaults', async () => {
    const app = await createServer({ databaseUri: ':memory:', logLevel: 'silent', schedulerEnabled: false });
    try {
      app.post(
        '/embedder',
        {
          schema: {
            headers: { type: 'object', properties: { 'X-Team': { type: 'string' } }, required: ['X-Team'] },
            body: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
            response: { 200: { type: 'object', properties: { a: { type: 'integer' } } } },
          },
        },
        (request) => ({ a: (request.body as { a: number }).a, extra: true }),
      );
      const send = (headers: Record<string, string>, body: unknown) =>
        app.inject({ method: 'POST', url: '/embedder', headers, payload: body as object });
      let res = await send({ 'x-team': 't' }, { a: '2' });
      expect([res.statusCode, res.body]).toEqual([200, '{"a":2}']);
      res = await send({}, { a: 2 });
      expect([res.statusCode, res.json()]).toEqual([
        400,
        { error: "headers must have required property 'x-team'" },
      ]);
      res = await send({ 'x-team': 't' }, { a: 'x' });
      expect([res.statusCode, res.json()]).toEqual([400, { error: 'body/a must be integer' }]);
    } finally {
      await app.close();
    }
  });
});
