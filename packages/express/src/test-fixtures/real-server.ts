import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ScouterServer } from '@scouter-ts/server';

/** The real scouter-server on a fresh SQLite file (removed on close), listening on 127.0.0.1 with an ephemeral port. */
export async function startRealServer(): Promise<{ server: ScouterServer; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'scouter-adapter-server-'));
  const server = await createServer({
    databaseUri: join(dir, 'scouter.db'),
    logLevel: 'silent',
    schedulerEnabled: false,
  });
  server.addHook('onClose', () => rmSync(dir, { recursive: true, force: true }));
  await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
}

/** Every stored record of one model (1 µs bins, so one row per record), oldest first. */
export async function storedRecords(server: ScouterServer, name: string) {
  const rows = await server.scouterServer.storage.binnedCustomMetrics({
    space: 'test',
    name,
    version: '1.0.0',
    sinceMicros: 0,
    binWidthMicros: 1,
  });
  return rows
    .sort((a, b) => a.binStartMicros - b.binStartMicros)
    .map((row) => ({ metric: row.metric, value: row.avg }));
}
