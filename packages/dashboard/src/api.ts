/**
 * The page's HTTP client: only the server's public API (`/scouter/...`), the same JWT auth as ScouterClient. The token
 * lives in sessionStorage (one tab, gone with it); a token the server refreshed silently (response `Authorization`
 * header) replaces it; a 401 ends the session.
 */

/** `unauthorized`: sign in again; `unreachable`: no answer from the server; `http`: any other error status. */
export type ApiErrorKind = 'unauthorized' | 'unreachable' | 'http';

/** An API failure with a message a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'scouter-dashboard.token';
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

type Query = Record<string, string | number | boolean | undefined>;

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    const text = typeof body.message === 'string' ? body.message : body.error;
    if (typeof text === 'string' && text !== '') return text;
  } catch {
    // not JSON: fall through to the status line
  }
  return `${res.status} ${res.statusText}`.trim();
}

/** The username (`sub` claim) of a JWT, or null; the signature is the server's business. */
export function tokenSubject(token: string): string | null {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

/** Client for one server, at the page's own origin and path. */
export class Api {
  /** Called once per ended session (401), before the error is thrown. */
  onUnauthorized: (message: string) => void = () => undefined;

  constructor(private readonly base: URL = new URL('.', window.location.href)) {}

  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  get username(): string | null {
    const token = this.token;
    return token === null ? null : tokenSubject(token);
  }

  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  }

  private url(path: string, query?: Query): string {
    return new URL(`${path}${queryString(query)}`, this.base).toString();
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(path, { ...init, credentials: 'omit', cache: 'no-store' });
    } catch {
      throw new ApiError(
        'unreachable',
        0,
        `Cannot reach the scouter-server at ${this.base.origin}. Check that it is running and reachable.`,
      );
    }
  }

  /** `GET /scouter/auth/login` with the Username/Password headers; keeps the token. */
  async login(username: string, password: string): Promise<void> {
    if (!VISIBLE_ASCII.test(username) || !VISIBLE_ASCII.test(password)) {
      throw new ApiError('http', 400, 'Username and password are visible ASCII characters, without spaces.');
    }
    const res = await this.send(this.url('scouter/auth/login'), {
      headers: { Username: username, Password: password },
    });
    if (res.status === 401 || res.status === 404) {
      throw new ApiError('http', res.status, 'Wrong username or password.');
    }
    if (!res.ok) throw new ApiError('http', res.status, await errorMessage(res));
    const { token } = (await res.json()) as { token?: unknown };
    if (typeof token !== 'string')
      throw new ApiError('http', res.status, 'The server answered without a token.');
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  /** A protected call; JSON in and out. */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ) {
    const token = this.token;
    if (token === null) {
      this.onUnauthorized('Sign in to see the monitored models.');
      throw new ApiError('unauthorized', 401, 'Not signed in.');
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await this.send(this.url(path, options.query), {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const refreshed = res.headers.get('authorization');
    if (refreshed?.startsWith('Bearer ')) sessionStorage.setItem(TOKEN_KEY, refreshed.slice(7));
    if (res.status === 401) {
      this.signOut();
      const message = `Your session has expired (${await errorMessage(res)}). Sign in again.`;
      this.onUnauthorized(message);
      throw new ApiError('unauthorized', 401, message);
    }
    if (!res.ok) throw new ApiError('http', res.status, await errorMessage(res));
    return (await res.json()) as T;
  }
}
