/** Scouter v0.13's profile version resolution (`get_next_profile_version`, §1.3.1). */
import type { VersionRequestJson } from '@scouter-ts/core';
import { HttpError } from '../errors.js';

/** A resolved version: numbers plus optional tags, and its text form. */
export interface ResolvedVersion {
  version: string;
  major: number;
  minor: number;
  patch: number;
  preTag: string | null;
  buildTag: string | null;
}

type Triple = { major: number; minor: number; patch: number };

const IDENT = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;

function fail(detail: string): never {
  throw new HttpError(400, `Failed to get next profile version: ${detail}`);
}

/** Parses `X`, `X.Y` or `X.Y.Z` (what Scouter accepts as a profile's `config.version`). */
export function parsePartialVersion(text: string): { parts: number[] } {
  const trimmed = text.trim();
  if (/[*^~]/.test(trimmed)) fail(`version ranges are not supported: ${JSON.stringify(text)}`);
  if (!/^\d+(\.\d+){0,2}$/.test(trimmed)) {
    fail(
      `${JSON.stringify(text)} is not a version (expected X, X.Y or X.Y.Z, without pre-release or build tags)`,
    );
  }
  const parts = trimmed.split('.').map(Number);
  if (parts.some((p) => !Number.isSafeInteger(p) || p > 2_147_483_647))
    fail(`${JSON.stringify(text)} is too large`);
  return { parts };
}

function matches(existing: Triple, parts: number[]): boolean {
  const [major, minor, patch] = parts;
  if (major !== undefined && existing.major !== major) return false;
  if (minor !== undefined && existing.minor !== minor) return false;
  if (patch !== undefined && existing.patch !== patch) return false;
  return true;
}

function compare(a: Triple, b: Triple): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function format(v: Triple, pre: string | null, build: string | null): string {
  return `${v.major}.${v.minor}.${v.patch}${pre ? `-${pre}` : ''}${build ? `+${build}` : ''}`;
}

/**
 * Picks the version to register: `configVersion` made complete when no registered version matches it
 * (`X` matches `X.*.*`, `X.Y` matches `X.Y.*`, `X.Y.Z` exactly); otherwise the highest match bumped by
 * `version_type` (Major, Minor, Patch; Pre/Build keep the numbers) with `pre_tag`/`build_tag` added.
 * A null `configVersion` (a v0.25 request without a version) matches every version, and is `0.1.0` when there is none.
 */
export function resolveVersion(
  configVersion: string | null,
  request: VersionRequestJson,
  existing: ReadonlyArray<Triple>,
): ResolvedVersion {
  const { parts } = configVersion === null ? { parts: [] } : parsePartialVersion(configVersion);
  const found = existing.filter((e) => matches(e, parts)).sort(compare);
  const highest = found[found.length - 1];
  if (!highest) {
    const v =
      configVersion === null
        ? { major: 0, minor: 1, patch: 0 }
        : { major: parts[0] ?? 0, minor: parts[1] ?? 0, patch: parts[2] ?? 0 };
    return { ...v, version: format(v, null, null), preTag: null, buildTag: null };
  }
  const next = { major: highest.major, minor: highest.minor, patch: highest.patch };
  switch (request.version_type) {
    case 'Major':
      next.major += 1;
      next.minor = 0;
      next.patch = 0;
      break;
    case 'Minor':
      next.minor += 1;
      next.patch = 0;
      break;
    case 'Patch':
      next.patch += 1;
      break;
    default:
      break;
  }
  const pre = request.pre_tag ?? null;
  const build = request.build_tag ?? null;
  if (pre !== null && !IDENT.test(pre)) fail(`invalid pre-release tag ${JSON.stringify(pre)}`);
  if (build !== null && !IDENT.test(build)) fail(`invalid build tag ${JSON.stringify(build)}`);
  return { ...next, version: format(next, pre, build), preTag: pre, buildTag: build };
}
