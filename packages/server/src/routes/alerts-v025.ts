/**
 * `POST /scouter/alerts` (Scouter v0.25's `DriftAlertPaginationRequest`): a profile's alerts by uid, keyset-paginated
 * on `(created_at, id)`, each in v0.25's typed shape. Like Scouter, no permission is checked beyond the token.
 */
import type { FastifyInstance } from 'fastify';
import { driftAlertPaginationRequestJson, tryParseTimestampMicros } from '@scouter-ts/core';
import type { AlertV025Json, DriftAlertPaginationRequestJson, RecordCursorJson } from '@scouter-ts/core';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import type { AlertRow } from '../storage/types.js';
import { MAX_I32, formatAutoSi, isStorableMicros } from '../time.js';
import { parseBody } from './parse.js';
import { requireKeyOfUid } from './uid.js';

/** Scouter's page size when `limit` is not given. */
const DEFAULT_LIMIT = 50;

function number(text: string | undefined): number | null {
  if (text === undefined || text === 'None') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** One stored alert (v0.13's string map) in v0.25's shape: `{"Custom": ComparisonMetricAlert}`. */
export function toAlertV025Json(row: AlertRow): AlertV025Json {
  const a = row.alert;
  const threshold = a.alert_threshold;
  return {
    created_at: formatAutoSi(row.createdAtMicros),
    entity_name: row.entityName,
    alert: {
      Custom: {
        metric_name: a.entity_name ?? row.entityName,
        baseline_value: number(a.training_metric_value) ?? 0,
        observed_value: number(a.observed_metric_value) ?? 0,
        delta: number(a.alert_threshold_value),
        alert_threshold: threshold === 'Below' || threshold === 'Outside' ? threshold : 'Above',
      },
    },
    id: row.id,
    active: row.active,
  };
}

function micros(field: string, text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) return undefined;
  const value = tryParseTimestampMicros(text);
  if (!isStorableMicros(value)) {
    throw new HttpError(
      422,
      `Failed to deserialize the JSON body into the target type: ${field}: ${JSON.stringify(text)} is not an RFC 3339 timestamp`,
    );
  }
  return value;
}

const cursorOf = (row: AlertRow): RecordCursorJson => ({
  created_at: formatAutoSi(row.createdAtMicros),
  id: row.id,
});

/** One page of `rows` (newest first, as storage returns them) by Scouter's keyset rules. */
export function paginateAlerts(
  rows: readonly AlertRow[],
  request: DriftAlertPaginationRequestJson,
): {
  items: AlertRow[];
  hasNext: boolean;
  hasPrevious: boolean;
  next: AlertRow | null;
  previous: AlertRow | null;
} {
  const limit = Math.max(0, request.limit ?? DEFAULT_LIMIT);
  const previous = request.direction === 'previous';
  const start = micros('start_datetime', request.start_datetime);
  const end = micros('end_datetime', request.end_datetime);
  const cursorAt = micros('cursor_created_at', request.cursor_created_at);
  const cursorId = request.cursor_id ?? null;
  const compare = (r: AlertRow, at: number): number => {
    const byTime = Math.sign(r.createdAtMicros - at);
    return byTime !== 0 || cursorId === null ? byTime : Math.sign(r.id - cursorId);
  };
  const selected = rows.filter(
    (r) =>
      (request.active === null || request.active === undefined || r.active === request.active) &&
      (start === undefined || r.createdAtMicros >= start) &&
      (end === undefined || r.createdAtMicros < end) &&
      (cursorAt === undefined || (previous ? compare(r, cursorAt) > 0 : compare(r, cursorAt) < 0)),
  );
  const ordered = previous ? selected.reverse() : selected;
  const hasMore = ordered.length > limit;
  const items = ordered.slice(0, limit);
  const came = request.cursor_created_at !== null && request.cursor_created_at !== undefined;
  if (previous) {
    items.reverse();
    return {
      items,
      hasNext: came,
      next: items[items.length - 1] ?? null,
      hasPrevious: hasMore,
      previous: hasMore ? (items[0] ?? null) : null,
    };
  }
  return {
    items,
    hasNext: hasMore,
    next: hasMore ? (items[items.length - 1] ?? null) : null,
    hasPrevious: came,
    previous: items[0] ?? null,
  };
}

/** Registers `POST /scouter/alerts`. */
export function registerAlertRoutesV025(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/scouter/alerts', { onRequest: ctx.protect }, async (request) => {
    const body = parseBody(request, driftAlertPaginationRequestJson);
    if (body.limit !== null && body.limit !== undefined && (body.limit < 0 || body.limit > MAX_I32)) {
      throw new HttpError(
        422,
        `Failed to deserialize the JSON body into the target type: limit: must be from 0 to ${MAX_I32}`,
      );
    }
    const key = requireKeyOfUid(body.uid);
    const start = micros('start_datetime', body.start_datetime);
    const rows = await ctx.storage.getAlerts({
      ...key,
      ...(start === undefined ? {} : { limitDatetimeMicros: start }),
      ...(body.active === true ? { activeOnly: true } : {}),
    });
    const page = paginateAlerts(rows, body);
    return {
      items: page.items.map(toAlertV025Json),
      has_next: page.hasNext,
      next_cursor: page.next && cursorOf(page.next),
      has_previous: page.hasPrevious,
      previous_cursor: page.previous && cursorOf(page.previous),
    };
  });
}
