/** `GET /scouter/healthcheck` and the `/scouter/auth/*` routes (no auth layer, like Scouter; login rate-limited). */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';

function loginKey(request: FastifyRequest): string {
  const username = request.headers.username;
  return `${request.ip}\n${Array.isArray(username) ? username.join(',') : (username ?? '')}`;
}

/** Registers the health check and `/scouter/auth/login|refresh|validate`. */
export function registerAuthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/scouter/healthcheck', () => ({ alive: true }));
  app.get('/scouter/auth/refresh', (request) => ctx.auth.refresh(request));
  app.get('/scouter/auth/validate', (request) => ctx.auth.validate(request));
  const { loginRateLimitMax: max, loginRateLimitWindowMs: timeWindow } = ctx.config;
  if (max === 0) {
    app.get('/scouter/auth/login', (request) => ctx.auth.login(request));
    return;
  }
  void app.register(async (scope) => {
    await scope.register(rateLimit, {
      max,
      timeWindow,
      keyGenerator: loginKey,
      addHeadersOnExceeding: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
      },
      errorResponseBuilder: (_request, context) =>
        new HttpError(
          429,
          `Too many login attempts for this user from this address: retry in ${context.after}`,
        ),
    });
    scope.get('/scouter/auth/login', (request) => ctx.auth.login(request));
  });
}
