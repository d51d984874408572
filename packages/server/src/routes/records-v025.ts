/** Scouter v0.25 records (`{"Custom": {created_at, uid, metric, value, entity_id}}`) read as the v0.13 ones we store. */
import { serverRecordsV025Json } from '@scouter-ts/core';
import { HttpError } from '../errors.js';
import { describeIssues } from './parse.js';
import { requireKeyOfUid } from './uid.js';

/** A body whose first record names its profile by `uid` is v0.25's `ServerRecords`. */
function isV025Body(body: unknown): boolean {
  const records: unknown = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return false;
  const custom: unknown = (records[0] as { Custom?: unknown } | null | undefined)?.Custom;
  return typeof custom === 'object' && custom !== null && 'uid' in custom && !('space' in custom);
}

/**
 * A v0.25 `ServerRecords` body translated to v0.13's (each `uid` replaced by the space, name and version it names);
 * any other body unchanged. Throws 422 naming the field for a malformed v0.25 body, and Scouter's unknown-uid error
 * for a uid this server did not hand out.
 */
export function fromV025Records(body: unknown): unknown {
  if (!isV025Body(body)) return body;
  const result = serverRecordsV025Json.safeParse(body);
  if (!result.success) {
    throw new HttpError(
      422,
      `Failed to deserialize the JSON body into the target type: ${describeIssues(result.error)}`,
    );
  }
  return {
    records: result.data.records.map(({ Custom: r }) => ({
      Custom: { created_at: r.created_at, ...requireKeyOfUid(r.uid), metric: r.metric, value: r.value },
    })),
  };
}
