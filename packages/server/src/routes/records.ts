/** Record ingest (§1.4): `POST /scouter/message` and `POST /scouter/drift` with the `ServerRecords` envelope. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serverRecordsJson, tryParseTimestampMicros } from '@scouter-ts/core';
import { hasWritePermission } from '../auth/permissions.js';
import { userOf } from '../context.js';
import type { ServerContext } from '../context.js';
import { HttpError, permissionDenied } from '../errors.js';
import type { CustomRecordRow } from '../storage/types.js';
import { isStorableMicros } from '../time.js';
import { parseBody, requireJson } from './parse.js';

const UNPROCESSABLE = 'Failed to deserialize the JSON body into the target type';

/** Records of kinds this server does not store (Spc, Psi, …) get a clear 422 instead of a generic shape error. */
function rejectOtherKinds(body: unknown): void {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { records?: unknown }).records))
    return;
  const records = (body as { records: unknown[] }).records;
  records.forEach((record, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return;
    const kinds = Object.keys(record);
    const other = kinds.find((k) => k !== 'Custom');
    if (kinds.length === 1 && other !== undefined) {
      throw new HttpError(
        422,
        `${UNPROCESSABLE}: records.${i}: ${other} records are not supported (this server stores Custom records only)`,
      );
    }
  });
}

async function ingest(request: FastifyRequest, ctx: ServerContext): Promise<void> {
  requireJson(request);
  rejectOtherKinds(request.body);
  const body = parseBody(request, serverRecordsJson);
  const first = body.records[0]?.Custom.space ?? '__missing__';
  if (!hasWritePermission(userOf(request), first)) throw permissionDenied();
  const rows: CustomRecordRow[] = body.records.map(({ Custom: r }, i) => {
    const createdAtMicros = tryParseTimestampMicros(r.created_at);
    if (!isStorableMicros(createdAtMicros)) {
      throw new HttpError(
        422,
        `${UNPROCESSABLE}: records.${i}.Custom.created_at: ${JSON.stringify(r.created_at)} is not an RFC 3339 timestamp with an offset between the years 1700 and 2250`,
      );
    }
    if (!Number.isFinite(r.value)) {
      throw new HttpError(422, `${UNPROCESSABLE}: records.${i}.Custom.value: expected a finite number`);
    }
    return {
      createdAtMicros,
      space: r.space,
      name: r.name,
      version: r.version,
      metric: r.metric,
      value: r.value,
    };
  });
  if (rows.length > 0) await ctx.storage.insertCustomRecords(rows);
}

/** Registers `POST /scouter/message` and `POST /scouter/drift`. */
export function registerRecordRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/scouter/message', { onRequest: ctx.protect }, async (request) => {
    await ingest(request, ctx);
    return { status: 'success', message: 'Message queued for processing' };
  });
  app.post('/scouter/drift', { onRequest: ctx.protect }, async (request) => {
    await ingest(request, ctx);
    return { status: 'success', message: 'Drift records queued for processing' };
  });
}
