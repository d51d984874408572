// Test helpers shared by core's capture tests and the Express and Fastify adapter tests.
import { AlertThreshold } from '../../profile/alert-threshold.js';
import { CustomDriftProfile } from '../../profile/custom-drift-profile.js';
import { CustomMetric } from '../../profile/custom-metric.js';
import { CustomMetricDriftConfig } from '../../profile/drift-config.js';
import type { QueueLogger } from '../../queue/options.js';

/** A custom profile in space `test` with the given metrics (baseline 1, alert above). */
export function makeProfile(name: string, metrics: string[], sampleSize = 1): CustomDriftProfile {
  return new CustomDriftProfile(
    new CustomMetricDriftConfig({ space: 'test', name, version: '1.0.0', sampleSize }),
    metrics.map(
      (metric) => new CustomMetric({ name: metric, value: 1, alertThreshold: AlertThreshold.Above }),
    ),
  );
}

/** A logger that keeps `[level, message]` for every warning and error. */
export function memoryLogger(): QueueLogger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    warn: (_o, msg) => lines.push(['warn', msg ?? '']),
    error: (_o, msg) => lines.push(['error', msg ?? '']),
  };
}

/** The identifying fields of received records: `{ name, metric, value }`. */
export const brief = (records: ReadonlyArray<Record<string, unknown>>) =>
  records.map((r) => ({ name: r.name as string, metric: r.metric as string, value: r.value as number }));
