/**
 * The protected routes as tests see them: each with a request that touches a given space and the permission Scouter
 * checks (`ROUTES`), and the list of routes behind the auth hook read from a running app, so suites also cover a
 * route added later.
 */
import type { ScouterServer } from '../app.js';
import { profileJson, profileRequest, record } from './fixtures.js';

/** A request to a protected route touching `space` (the permission checks read it from the body or the query). */
export type RouteRequest = (space: string) => { payload?: unknown; query?: string };

const profileKey = (space: string) => `space=${space}&name=model&version=0.1.0`;

/** Every protected route with the request it is checked with; `check` is the permission Scouter applies. */
export const PROTECTED_ROUTES: Record<string, { check: 'read' | 'write' | 'none'; request: RouteRequest }> = {
  'POST /scouter/profile': {
    check: 'write',
    request: (space) => ({ payload: profileRequest(profileJson({ space })) }),
  },
  'PUT /scouter/profile': {
    check: 'write',
    request: (space) => ({ payload: profileRequest(profileJson({ space, metrics: { mae: 99 } })) }),
  },
  'GET /scouter/profile': {
    check: 'read',
    request: (space) => ({ query: `${profileKey(space)}&drift_type=Custom` }),
  },
  'PUT /scouter/profile/status': {
    check: 'write',
    request: (space) => ({
      payload: {
        space,
        name: 'model',
        version: '0.1.0',
        active: false,
        drift_type: 'Custom',
        deactivate_others: false,
      },
    }),
  },
  'POST /scouter/profiles': {
    check: 'read',
    request: (space) => ({ payload: { space, name: 'model', version: '0.1.0' } }),
  },
  'POST /scouter/message': {
    check: 'write',
    request: (space) => ({ payload: { records: [record('2025-11-24T15:59:00Z', 'mae', 7, { space })] } }),
  },
  'POST /scouter/drift': {
    check: 'write',
    request: (space) => ({ payload: { records: [record('2025-11-24T15:59:01Z', 'mae', 8, { space })] } }),
  },
  'GET /scouter/drift/custom': {
    check: 'read',
    request: (space) => ({
      query: `${profileKey(space)}&time_interval=OneHour&max_data_points=10&drift_type=Custom`,
    }),
  },
  'GET /scouter/alerts': { check: 'none', request: (space) => ({ query: profileKey(space) }) },
  'PUT /scouter/alerts': {
    check: 'write',
    request: (space) => ({ payload: { id: 1, active: false, space } }),
  },
};

/**
 * `METHOD path` of every route behind the auth hook, read from Fastify's route tree (`printRoutes` with hooks): the
 * tree nests path segments, a line without a branch is the HEAD twin of the line before.
 */
export function protectedRoutes(app: ScouterServer): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  let current: { path: string; methods: string[] } | null = null;
  for (const line of app.printRoutes({ commonPrefix: false, includeHooks: true }).split('\n')) {
    const route = /^((?:│ {3}| {4})*)(├── |└── )?(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (route) {
      const depth = (route[1] ?? '').length / 4 - (route[2] ? 0 : 1);
      const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (route[3] ?? '');
      stack[depth] = path;
      stack.length = depth + 1;
      current = { path, methods: (route[4] ?? '').split(', ').filter((m) => m !== 'HEAD') };
      continue;
    }
    if (current && /\(onRequest\).*"protect\(\)"/.test(line)) {
      for (const m of current.methods) found.push(`${m} ${current.path}`);
      current = null;
    }
  }
  return [...new Set(found)].sort();
}
