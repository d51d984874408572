/**
 * Entity uids for Scouter v0.25 clients. Scouter assigns each `(space, name, version, drift_type)` a random uid and
 * looks it up in a table; ours is derived from `(space, name, version)`, so it needs no column, survives restarts,
 * is the same on every instance, and a v0.13 and a v0.25 registration of one version share it.
 */
import { HttpError } from '../errors.js';
import type { ProfileKey } from '../storage/types.js';

const PREFIX = 'scouter-ts:';
/** Decoded uids remembered for the record path (each batch names its profile once per record). */
const MAX_CACHED = 1024;
const cache = new Map<string, ProfileKey>();

/** The uid of a profile version, as `POST /scouter/profile` answers it to a v0.25 client. */
export function scouterUid(key: ProfileKey): string {
  const json = JSON.stringify([key.space, key.name, key.version]);
  return PREFIX + Buffer.from(json, 'utf8').toString('base64url');
}

function decode(uid: string): ProfileKey | null {
  if (!uid.startsWith(PREFIX)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(uid.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((p) => typeof p === 'string')) {
    return null;
  }
  const [space, name, version] = parsed as [string, string, string];
  const key = { space, name, version };
  return scouterUid(key) === uid ? key : null;
}

/** The profile a uid names, or null when it is not one of ours. */
export function keyOfUid(uid: string): ProfileKey | null {
  const hit = cache.get(uid);
  if (hit) return hit;
  const key = decode(uid);
  if (key) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(uid, key);
  }
  return key;
}

/** Scouter's answer to a uid it has no entity for (Scouter sends it as a 500; ours is a 404). */
export function unknownUid(uid: string): HttpError {
  return new HttpError(
    404,
    `Failed to get entity ID from UID: no profile has uid ${JSON.stringify(uid)} (register it first; a uid comes from the POST /scouter/profile answer)`,
  );
}

/** The profile a uid names; throws Scouter's error shape when it is not one of ours. */
export function requireKeyOfUid(uid: string): ProfileKey {
  const key = keyOfUid(uid);
  if (!key) throw unknownUid(uid);
  return key;
}
