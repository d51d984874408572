/** Record ingest (§1.4): `POST /scouter/message` and `POST /scouter/drift` with the `ServerRecords` envelope. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serverRecordsJson } from '@scouter-ts/core';
import { hasWritePermission } from '../auth/permissions.js';
import { userOf } from '../context.js';
import type { ServerContext } from '../context.js';
import { HttpError, permissionDenied } from '../errors.js';
import type { CustomRecordRow } from '../storage/types.js';
import { isStorableMicros, parseTimestampMicrosFast } from '../time.js';
import { describeIssues, requireJson } from './parse.js';
import { fromV025Records } from './records-v025.js';

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

/**
 * The rows of a well-formed `{"records": [{"Custom": {…}}, …]}` body (every record exactly one `Custom` object with
 * string fields, a finite `value` and a storable `created_at`), read in one pass without copies; null when anything
 * is off, so that the full path (zod schema, then per-field checks) answers with its precise error.
 */
function wellFormedRows(body: unknown): CustomRecordRow[] | null {
  if (typeof body !== 'object' || body === null) return null;
  const records = (body as { records?: unknown }).records;
  if (!Array.isArray(records)) return null;
  const rows: CustomRecordRow[] = new Array<CustomRecordRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
    let keys = 0;
    for (const k in record) {
      if (k !== 'Custom' || ++keys > 1) return null;
    }
    const r = (record as { Custom?: unknown }).Custom;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return null;
    const { created_at, space, name, version, metric, value } = r as Record<string, unknown>;
    if (
      typeof created_at !== 'string' ||
      typeof space !== 'string' ||
      typeof name !== 'string' ||
      typeof version !== 'string' ||
      typeof metric !== 'string' ||
      typeof value !== 'number' ||
      !Number.isFinite(value)
    ) {
      return null;
    }
    const createdAtMicros = parseTimestampMicrosFast(created_at);
    if (!isStorableMicros(createdAtMicros)) return null;
    rows[i] = { createdAtMicros, space, name, version, metric, value };
  }
  return rows;
}

/**
 * The rows of a `ServerRecords` body (already parsed JSON), validated with the same schema and checks for every way
 * records arrive (`POST /scouter/message`, `POST /scouter/drift`, the broker consumers); throws an `HttpError` 422
 * naming the offending field.
 */
export function parseRecordRows(input: unknown): CustomRecordRow[] {
  const body = fromV025Records(input);
  const fast = wellFormedRows(body);
  if (fast !== null) return fast;
  rejectOtherKinds(body);
  const result = serverRecordsJson.safeParse(body);
  if (!result.success) {
    throw new HttpError(422, `${UNPROCESSABLE}: ${describeIssues(result.error)}`);
  }
  return result.data.records.map(({ Custom: r }, i) => {
    const createdAtMicros = parseTimestampMicrosFast(r.created_at);
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
}

async function ingest(request: FastifyRequest, ctx: ServerContext): Promise<void> {
  requireJson(request);
  const rows = parseRecordRows(request.body);
  if (!hasWritePermission(userOf(request), rows[0]?.space ?? '__missing__')) throw permissionDenied();
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
