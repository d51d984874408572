import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
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

const savedDirs: string[] = [];
afterAll(() => {
  for (const dir of savedDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Saves `profile` into a fresh temporary directory (removed after the test file) and returns the file path. */
export function saveProfile(profile: CustomDriftProfile): string {
  const dir = mkdtempSync(join(tmpdir(), 'scouter-adapter-'));
  savedDirs.push(dir);
  return profile.save(join(dir, `${profile.config.name}.json`));
}

/** RFC 3339 with six fractional digits, as the queue writes `created_at`. */
export const MICROS_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
