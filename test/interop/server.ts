import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HttpConfig } from '@scouter-ts/core';
import { createServer, type ScouterServer, type ServerOptions } from '@scouter-ts/server';
import type { Venv } from './python.js';

/** A real scouter-server (SQLite in a temp dir) listening on 127.0.0.1:0, plus what its Console dispatcher wrote. */
export interface RunningServer {
  app: ScouterServer;
  serverUri: string;
  dir: string;
  consoleOutput: string[];
  /** Every `POST /scouter/message` the server answered: the parsed body and the status code. */
  messages: { body: unknown; status: number }[];
  close(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'scouter-interop-server-'));
  const consoleOutput: string[] = [];
  const app = await createServer({
    databaseUri: join(dir, 'scouter.db'),
    logLevel: 'silent',
    consoleWrite: (text) => consoleOutput.push(text),
    ...options,
  });
  const messages: RunningServer['messages'] = [];
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && request.url === '/scouter/message') {
      messages.push({ body: request.body, status: reply.statusCode });
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    serverUri: `http://127.0.0.1:${port}`,
    dir,
    consoleOutput,
    messages,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Our `HttpConfig` for `server` as admin, in the wire dialect the venv's scouter-ml speaks. */
export function httpConfigFor(server: RunningServer, venv: Venv): HttpConfig {
  return new HttpConfig({
    serverUri: server.serverUri,
    username: 'admin',
    password: 'admin',
    protocol: venv.protocol,
  });
}

/** Bounded polling: resolves with the first truthy result of `fn`, or throws after `attempts` tries. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  { attempts = 40, intervalMs = 250 } = {},
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await fn();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what} (${attempts} x ${intervalMs} ms)`);
}
