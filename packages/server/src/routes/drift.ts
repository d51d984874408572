/**
 * `GET /scouter/drift/custom` (§1.5): binned means and ±1 sample standard deviation per metric. A query with `uid`
 * is v0.25's `DriftRequest` (window `[start, end)`), any other v0.13's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  TimeIntervalV025Minutes,
  driftRequestQuery,
  driftRequestV025Query,
  timeIntervalMinutes,
  tryParseTimestampMicros,
} from '@scouter-ts/core';
import { hasReadPermission } from '../auth/permissions.js';
import { userOf } from '../context.js';
import type { ServerContext } from '../context.js';
import { HttpError, permissionDenied } from '../errors.js';
import type { BinnedRow } from '../storage/types.js';
import { MAX_I32, formatAutoSi, isStorableMicros, toMicros } from '../time.js';
import { parseQuery } from './parse.js';
import { requireKeyOfUid } from './uid.js';

interface BinnedMetric {
  metric: string;
  created_at: string[];
  stats: Array<{ avg: number; lower_bound: number; upper_bound: number }>;
}

/** Groups storage rows per metric (keys sorted), bins newest first. */
export function toBinnedMetrics(rows: BinnedRow[]): { metrics: Record<string, BinnedMetric> } {
  const byMetric = new Map<string, BinnedRow[]>();
  for (const row of rows) {
    const list = byMetric.get(row.metric) ?? [];
    list.push(row);
    byMetric.set(row.metric, list);
  }
  const metrics: Record<string, BinnedMetric> = {};
  for (const metric of [...byMetric.keys()].sort()) {
    const list = (byMetric.get(metric) ?? []).sort((a, b) => b.binStartMicros - a.binStartMicros);
    metrics[metric] = {
      metric,
      created_at: list.map((r) => formatAutoSi(r.binStartMicros)),
      stats: list.map((r) => ({
        avg: r.avg,
        lower_bound: r.avg - (r.stddev ?? 0),
        upper_bound: r.avg + (r.stddev ?? 0),
      })),
    };
  }
  return { metrics };
}

function timestamp(name: string, text: string): number {
  const micros = tryParseTimestampMicros(text);
  if (!isStorableMicros(micros)) {
    throw new HttpError(
      400,
      `Failed to deserialize query string: ${name}: ${JSON.stringify(text)} is not RFC 3339`,
    );
  }
  return micros;
}

function checkMaxDataPoints(maxDataPoints: number): void {
  if (maxDataPoints <= 0 || maxDataPoints > MAX_I32) {
    throw new HttpError(400, `max_data_points must be an integer from 1 to ${MAX_I32}`);
  }
}

/** v0.25's drift query: the profile by uid, `[now - interval, now)` or `[start, end)`, bins of window minutes / points. */
async function driftV025(request: FastifyRequest, ctx: ServerContext): Promise<unknown> {
  const query = parseQuery(request, driftRequestV025Query);
  if (!hasReadPermission(userOf(request), query.space)) throw permissionDenied();
  checkMaxDataPoints(query.max_data_points);
  const key = requireKeyOfUid(query.uid);
  const start = query.start_custom_datetime;
  const end = query.end_custom_datetime;
  let startMicros: number;
  let endMicros: number;
  if (start !== undefined && end !== undefined) {
    startMicros = timestamp('start_custom_datetime', start);
    endMicros = timestamp('end_custom_datetime', end);
    if (startMicros >= endMicros) {
      throw new HttpError(400, 'start_custom_datetime must be before end_custom_datetime');
    }
  } else if (query.time_interval === 'Custom') {
    throw new HttpError(
      400,
      'time_interval Custom needs start_custom_datetime and end_custom_datetime (RFC 3339)',
    );
  } else {
    endMicros = toMicros(ctx.config.now());
    startMicros = endMicros - TimeIntervalV025Minutes[query.time_interval] * 60_000_000;
  }
  const minutes = Math.trunc((endMicros - startMicros) / 60_000_000);
  const binWidthMicros = Math.max(1, Math.round((minutes * 60_000_000) / query.max_data_points));
  const rows = await ctx.storage.binnedCustomMetrics({
    ...key,
    sinceMicros: startMicros - 1,
    untilMicros: endMicros - 1,
    binWidthMicros,
  });
  return toBinnedMetrics(rows);
}

/** Registers `GET /scouter/drift/custom`. */
export function registerDriftRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/scouter/drift/custom', { onRequest: ctx.protect }, async (request) => {
    if (typeof (request.query as { uid?: unknown } | undefined)?.uid === 'string') {
      return driftV025(request, ctx);
    }
    const query = parseQuery(request, driftRequestQuery);
    if (!hasReadPermission(userOf(request), query.space)) throw permissionDenied();
    checkMaxDataPoints(query.max_data_points);
    const intervalMicros = timeIntervalMinutes(query.time_interval) * 60_000_000;
    const binWidthMicros = Math.max(1, Math.round(intervalMicros / query.max_data_points));
    const key = { space: query.space, name: query.name, version: query.version };
    const begin = query.begin_custom_datetime;
    const end = query.end_custom_datetime;
    let sinceMicros: number;
    let untilMicros: number | undefined;
    if (begin !== undefined && end !== undefined) {
      const b = timestamp('begin_custom_datetime', begin);
      const e = timestamp('end_custom_datetime', end);
      if (b >= e) throw new HttpError(400, 'begin_custom_datetime must be before end_custom_datetime');
      sinceMicros = b - 1;
      untilMicros = e;
    } else {
      sinceMicros = toMicros(ctx.config.now()) - intervalMicros;
    }
    const rows = await ctx.storage.binnedCustomMetrics({
      ...key,
      sinceMicros,
      ...(untilMicros === undefined ? {} : { untilMicros }),
      binWidthMicros,
    });
    return toBinnedMetrics(rows);
  });
}
