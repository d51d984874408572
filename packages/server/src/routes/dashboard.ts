/**
 * The monitoring dashboard (packages/dashboard, built into this package's `public/` folder) at `/`, and the one
 * scouter-ts extension route it needs, `GET /scouter/ts/profiles`: Scouter v0.13 has no route that lists spaces and
 * models (`POST /scouter/profiles` needs both), so the page could not start anywhere without it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { hasReadPermission, hasWritePermission } from '../auth/permissions.js';
import { userOf } from '../context.js';
import type { ServerContext } from '../context.js';

/**
 * Only same-origin scripts, styles, images and API calls; no inline code (the built page has none), no framing, no
 * plugins, no form posts elsewhere. `style-src` needs no 'unsafe-inline': uPlot sizes its elements through the CSSOM.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names every file under `assets/` by its content hash, so a browser may keep them forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const HASHED_ASSET = /[/\\]assets[/\\][^/\\]+$/;

/** The built dashboard (`packages/server/public/`) seen from this module: from `src/routes/` or from the bundle in `dist/`. */
const CANDIDATES = ['../../public/', '../public/'];

/** The built dashboard folder of this package, or null when the dashboard was not built (`pnpm build`). */
export function findDashboardDir(): string | null {
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

interface ProfileSummary {
  space: string;
  name: string;
  version: string;
  drift_type: string;
  active: boolean;
  schedule: string;
  next_run: string;
  previous_run: string;
  created_at: string;
  updated_at: string;
  /** Whether the caller may write to this space (acknowledge alerts, change status). */
  writable: boolean;
}

/** Registers `GET /scouter/ts/profiles` and, when the dashboard was built, the page itself at `/`. */
export function registerDashboardRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/scouter/ts/profiles', { onRequest: ctx.protect }, async (request) => {
    const user = userOf(request);
    const rows = await ctx.storage.listAllProfiles();
    const profiles: ProfileSummary[] = rows
      .filter((row) => hasReadPermission(user, row.space))
      .map((row) => ({
        space: row.space,
        name: row.name,
        version: row.version,
        drift_type: row.driftType,
        active: row.active,
        schedule: row.schedule,
        next_run: row.nextRun.toISOString(),
        previous_run: row.previousRun.toISOString(),
        created_at: row.createdAt.toISOString(),
        updated_at: row.updatedAt.toISOString(),
        writable: hasWritePermission(user, row.space),
      }));
    return { profiles };
  });

  const root = findDashboardDir();
  if (root === null) return;
  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', DASHBOARD_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('x-frame-options', 'DENY');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('cross-origin-opener-policy', 'same-origin');
    });
    // Loaded only when there is a dashboard to serve: @fastify/static and its glob cost ~150 ms of start-up.
    const { default: fastifyStatic } = await import('@fastify/static');
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders: (reply, path) => {
        void reply.header('cache-control', HASHED_ASSET.test(path) ? IMMUTABLE : 'no-cache');
      },
    });
  });
}
