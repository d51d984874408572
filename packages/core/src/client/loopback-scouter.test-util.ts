// Test helper (not exported from the package): a tiny Scouter-like server on 127.0.0.1:0 that implements v0.13's
// login, bearer check, token rotation and scripted failures, and records every request it receives.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path with query string, e.g. `/scouter/alerts?name=m`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Client port of the connection (equal for requests sharing a keep-alive socket). */
  remotePort: number;
}

/** A canned answer for the next request to a route. */
export interface ScriptedReply {
  status: number;
  /** JSON value (serialised) or plain text; default none. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (to test timeouts). */
  hang?: boolean;
}

export class LoopbackScouter {
  readonly requests: RecordedRequest[] = [];
  readonly validTokens = new Set<string>();
  readonly users = new Map<string, string>([['admin', 'admin']]);
  logins = 0;
  readonly #scripts = new Map<string, ScriptedReply[]>();
  readonly #defaults = new Map<string, unknown>();
  #rotateTo: string | undefined;
  #server: Server;
  #port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          remotePort: req.socket.remotePort ?? 0,
        };
        this.requests.push(recorded);
        this.#handle(recorded, res);
      });
    });
    this.#server.keepAliveTimeout = 60_000;
  }

  static async start(): Promise<LoopbackScouter> {
    const server = new LoopbackScouter();
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    server.#port = (server.#server.address() as AddressInfo).port;
    return server;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Requests to one route (`'POST /scouter/message'`), path without query. */
  requestsTo(key: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.url.split('?')[0]}` === key);
  }

  /** Queues canned replies for a route key such as `'POST /scouter/message'`, used before the normal behaviour. */
  script(key: string, ...replies: ScriptedReply[]): void {
    this.#scripts.set(key, [...(this.#scripts.get(key) ?? []), ...replies]);
  }

  /** The 200 JSON body a protected route answers when nothing is scripted; default `{status, message}`. */
  setDefault(key: string, body: unknown): void {
    this.#defaults.set(key, body);
  }

  /** The next authorised protected response carries `Authorization: Bearer <token>` (silent refresh). */
  rotateNext(token: string): void {
    this.#rotateTo = token;
  }

  /** Forgets every issued token, as after expiry; clients then get 401. */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: RecordedRequest, res: ServerResponse): void {
    const path = req.url.split('?')[0] ?? '';
    const key = `${req.method} ${path}`;
    if (path === '/scouter/auth/login') {
      this.logins += 1;
      const scripted = this.#scripts.get(key)?.shift();
      if (scripted !== undefined) return this.#reply(res, scripted);
      const username = req.headers.username;
      const password = req.headers.password;
      if (typeof username !== 'string') return send(res, 400, { error: 'Username header not found' });
      if (!this.users.has(username)) return send(res, 404, { error: 'User not found' });
      if (this.users.get(username) !== password) return send(res, 401, { error: 'Unauthorized' });
      const token = `token-${this.logins}`;
      this.validTokens.add(token);
      return send(res, 200, { token });
    }
    if (path === '/scouter/healthcheck') {
      const scripted = this.#scripts.get(key)?.shift();
      return scripted === undefined ? send(res, 200, { alive: true }) : this.#reply(res, scripted);
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (token === undefined) {
      return send(res, 401, { error: 'Unauthorized', message: 'No access token provided' });
    }
    if (!this.validTokens.has(token)) {
      return send(res, 401, { error: 'Unauthorized', message: 'Invalid token format' });
    }
    const scripted = this.#scripts.get(key)?.shift();
    if (scripted !== undefined) return this.#reply(res, scripted);
    const headers: Record<string, string> = {};
    if (this.#rotateTo !== undefined) {
      this.validTokens.add(this.#rotateTo);
      headers.authorization = `Bearer ${this.#rotateTo}`;
      this.#rotateTo = undefined;
    }
    const body = this.#defaults.has(key)
      ? this.#defaults.get(key)
      : { status: 'success', message: 'Message queued for processing' };
    send(res, 200, body, headers);
  }

  #reply(res: ServerResponse, reply: ScriptedReply): void {
    if (reply.hang === true) return;
    send(res, reply.status, reply.body, reply.headers);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(text);
}
