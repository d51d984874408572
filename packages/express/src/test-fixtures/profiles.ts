import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertThreshold, CustomDriftProfile, CustomMetric, CustomMetricDriftConfig } from '@scouter-ts/core';

/** A custom profile in space `test` with the given metrics (baseline 1, alert above). */
export function makeProfile(name: string, metrics: string[], sampleSize = 1): CustomDriftProfile {
  return new CustomDriftProfile(
    new CustomMetricDriftConfig({ space: 'test', name, version: '1.0.0', sampleSize }),
    metrics.map(
      (metric) => new CustomMetric({ name: metric, value: 1, alertThreshold: AlertThreshold.Above }),
    ),
  );
}

/** Saves `profile` into a fresh temporary directory and returns the file path. */
export function saveProfile(profile: CustomDriftProfile): string {
  return profile.save(join(mkdtempSync(join(tmpdir(), 'scouter-adapter-')), `${profile.config.name}.json`));
}

/** RFC 3339 with six fractional digits, as the queue writes `created_at`. */
export const MICROS_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
