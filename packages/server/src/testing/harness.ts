/** Test helpers: a server on a temp SQLite file (or a given storage) with an injected clock, plus JSON builders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../app.js';
import type { ScouterServer } from '../app.js';
import type { ServerOptions } from '../config.js';

/** A settable clock for `now`. */
export class TestClock {
  ms: number;
  constructor(iso: string) {
    this.ms = Date.parse(iso);
  }
  readonly now = (): Date => new Date(this.ms);
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A fresh temp directory, removed by `cleanup()`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'scouter-server-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server that does not poll by itself (tests call `runDueJobs()`), logging nothing. */
export function testServer(options: ServerOptions): Promise<ScouterServer> {
  return createServer({ logLevel: 'silent', schedulerEnabled: false, dispatchRetryBaseMs: 5, ...options });
}

/** Logs in through the API and returns the bearer header. */
export async function login(app: FastifyInstance, username = 'admin', password = 'admin'): Promise<string> {
  const res = await app.inject({
    method: 'GET',
    url: '/scouter/auth/login',
    headers: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return `Bearer ${res.json<{ token: string }>().token}`;
}

export { profileJson, profileRequest, record } from './fixtures.js';
