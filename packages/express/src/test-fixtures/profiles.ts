import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { CustomDriftProfile } from '@scouter-ts/core';

export { brief, makeProfile, memoryLogger } from '../../../core/src/capture/testing/fixtures.js';

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
