/** What routes and hooks share within one server instance. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from './auth/service.js';
import type { UserPermissions } from './auth/permissions.js';
import type { ServerConfig } from './config.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import type { DriftScheduler } from './drift/scheduler.js';
import type { Storage } from './storage/types.js';

/** The per-server objects routes need (no module-level state, so several servers can share a process). */
export interface ServerContext {
  config: ServerConfig;
  storage: Storage;
  auth: AuthService;
  dispatcher: Dispatcher;
  scheduler: DriftScheduler;
  /** `onRequest` hook of protected routes: authenticates before the body is read (401 before 4xx, like Scouter). */
  protect: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** The authenticated user of a protected request. */
export function userOf(request: FastifyRequest): UserPermissions {
  const user = (request as FastifyRequest & { scouterUser?: UserPermissions }).scouterUser;
  if (!user) throw new Error('route is missing the auth hook');
  return user;
}
