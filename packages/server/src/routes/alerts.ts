/**
 * `GET /scouter/alerts` and `PUT /scouter/alerts` (§1.6). Scouter checks no permission here, only a token; we check
 * none on `GET` either, but `PUT` changes data, so it needs write permission on the body's `space` (a read-only
 * guest or user could otherwise switch alerts off).
 */
import type { FastifyInstance } from 'fastify';
import { driftAlertRequestQuery, updateAlertStatusJson, tryParseTimestampMicros } from '@scouter-ts/core';
import { hasWritePermission } from '../auth/permissions.js';
import { userOf } from '../context.js';
import type { ServerContext } from '../context.js';
import { HttpError, permissionDenied } from '../errors.js';
import type { AlertRow } from '../storage/types.js';
import { MAX_I32, formatAutoSi, isStorableMicros } from '../time.js';
import { parseBody, parseQuery } from './parse.js';

/** One alert as Scouter's JSON (field order as Rust writes it). */
export function toAlertJson(row: AlertRow): Record<string, unknown> {
  return {
    created_at: formatAutoSi(row.createdAtMicros),
    name: row.name,
    space: row.space,
    version: row.version,
    entity_name: row.entityName,
    alert: row.alert,
    id: row.id,
    drift_type: row.driftType,
    active: row.active,
  };
}

/** Registers `GET`/`PUT /scouter/alerts`. */
export function registerAlertRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/scouter/alerts', { onRequest: ctx.protect }, async (request) => {
    const query = parseQuery(request, driftAlertRequestQuery);
    let limitDatetimeMicros: number | undefined;
    if (query.limit_datetime !== undefined) {
      const micros = tryParseTimestampMicros(query.limit_datetime);
      if (!isStorableMicros(micros)) {
        throw new HttpError(
          400,
          `Failed to deserialize query string: limit_datetime: not an RFC 3339 timestamp`,
        );
      }
      limitDatetimeMicros = micros;
    }
    if (query.limit !== undefined && (query.limit < 0 || query.limit > MAX_I32)) {
      throw new HttpError(400, `Failed to deserialize query string: limit: must be from 0 to ${MAX_I32}`);
    }
    const rows = await ctx.storage.getAlerts({
      space: query.space,
      name: query.name,
      version: query.version,
      ...(limitDatetimeMicros === undefined ? {} : { limitDatetimeMicros }),
      ...(query.active === true ? { activeOnly: true } : {}),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    return { alerts: rows.map(toAlertJson) };
  });

  app.put('/scouter/alerts', { onRequest: ctx.protect }, async (request) => {
    const body = parseBody(request, updateAlertStatusJson);
    if (!hasWritePermission(userOf(request), body.space)) throw permissionDenied();
    const row =
      body.id < -MAX_I32 - 1 || body.id > MAX_I32
        ? null
        : await ctx.storage.updateAlertActive(body.id, body.active);
    if (!row) throw new HttpError(404, `Alert ${body.id} not found`);
    if (row.active !== body.active) {
      throw new HttpError(400, `Failed to update drift alert status: active is ${row.active}`);
    }
    return { updated: true };
  });
}
