/** `GET /scouter/healthcheck` and the `/scouter/auth/*` routes (no auth layer, like Scouter). */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

/** Registers the health check and `/scouter/auth/login|refresh|validate`. */
export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/scouter/healthcheck', () => ({ alive: true }));
  app.get('/scouter/auth/login', (request) => ctx.auth.login(request));
  app.get('/scouter/auth/refresh', (request) => ctx.auth.refresh(request));
  app.get('/scouter/auth/validate', (request) => ctx.auth.validate(request));
}
