import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetricsInput } from '../queue/metrics.js';

/** What `record()` needs from the capture of the current request. */
export interface ContextCapture {
  insert(aliasOrMetrics: string | MetricsInput, metrics?: MetricsInput): void;
}

const storage = new AsyncLocalStorage<ContextCapture>();
let warnedOutsideRequest = false;

/** Runs `fn` with `capture` as the current request's capture, so `record()` anywhere below it reaches it. */
export function runWithCapture<T>(capture: ContextCapture, fn: () => T): T {
  return storage.run(capture, fn);
}

/** The capture of the request whose call tree is running, if any. */
export function currentCapture(): ContextCapture | undefined {
  return storage.getStore();
}

/**
 * Records metric values for the request whose call tree is running (an Express or Fastify request monitored by
 * scouter-ts), from code that never sees the request object, e.g. inside model code. The values go to the queue
 * when the response finishes. With several profiles, name the alias: `record('alias', metrics)`.
 * Needs the adapter option `asyncContext: true` (off by default for its cost on Node < 24). Outside a monitored
 * request it never throws: it drops the values and emits one process warning (code `SCOUTER_RECORD_OUTSIDE_REQUEST`).
 */
export function record(metrics: MetricsInput): void;
export function record(alias: string, metrics: MetricsInput): void;
export function record(aliasOrMetrics: string | MetricsInput, metrics?: MetricsInput): void {
  const capture = storage.getStore();
  if (capture !== undefined) {
    capture.insert(aliasOrMetrics, metrics);
    return;
  }
  if (warnedOutsideRequest) return;
  warnedOutsideRequest = true;
  process.emitWarning(
    'record() was called outside a request monitored with asyncContext: true; the values were dropped. Pass ' +
      '{ asyncContext: true } to scouter() / scouterPlugin and call record() from code running inside a request, ' +
      'or use req.scouter.insert() / queue.insert().',
    { code: 'SCOUTER_RECORD_OUTSIDE_REQUEST' },
  );
}
