/** Scouter's JWTs: HS256, claims `{sub, exp, permissions, group_permissions, salt}`, key = UTF-8 bytes of the secret. */
import { randomInt } from 'node:crypto';
import { SignJWT, compactVerify, jwtVerify } from 'jose';

/** The claims Scouter puts in access and refresh tokens. */
export interface Claims {
  sub: string;
  exp: number;
  permissions: string[];
  group_permissions: string[];
  salt: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/**
 * The `typ` header of the refresh tokens this server stores (access tokens keep Scouter's `JWT`). Scouter signs both
 * alike, so with its default of one secret for both a leaked refresh token would pass as an access token; this
 * header makes the access checks refuse it (Scouter ignores `typ`, so it still reads the stored token).
 */
export const REFRESH_TOKEN_TYP = 'JWT+refresh';
/** jsonwebtoken's default `Validation` leeway. */
const LEEWAY_SEC = 60;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

function salt(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return s;
}

function asClaims(payload: unknown): Claims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (typeof p.sub !== 'string' || typeof p.exp !== 'number' || typeof p.salt !== 'string') return null;
  if (!strings(p.permissions) || !strings(p.group_permissions)) return null;
  return {
    sub: p.sub,
    exp: p.exp,
    permissions: p.permissions,
    group_permissions: p.group_permissions,
    salt: p.salt,
  };
}

/** Signs a token for a user, valid `ttlSec` from `now`. */
export async function signToken(
  user: { username: string; permissions: string[]; groupPermissions: string[] },
  secret: string,
  ttlSec: number,
  now: Date,
  typ = 'JWT',
): Promise<string> {
  return new SignJWT({
    sub: user.username,
    exp: Math.floor(now.getTime() / 1000) + ttlSec,
    permissions: user.permissions,
    group_permissions: user.groupPermissions,
    salt: salt(),
  })
    .setProtectedHeader({ typ, alg: 'HS256' })
    .sign(key(secret));
}

async function verifyPayload(
  token: string,
  secret: string,
  now: Date,
  access: boolean,
): Promise<{ claims: Claims; nbf: number | undefined } | null> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      clockTolerance: LEEWAY_SEC,
      currentDate: now,
      requiredClaims: ['exp'],
    });
    if (access && protectedHeader.typ === REFRESH_TOKEN_TYP) return null;
    const claims = asClaims(payload);
    return claims ? { claims, nbf: payload.nbf } : null;
  } catch {
    return null;
  }
}

/**
 * Verifies signature and expiry (60 s leeway, like jsonwebtoken); null when invalid for any reason. Used for stored
 * refresh tokens (any `typ`, so ones Scouter stored still count); access tokens go through `VerifiedTokenCache`.
 */
export async function verifyToken(token: string, secret: string, now: Date): Promise<Claims | null> {
  return (await verifyPayload(token, secret, now, false))?.claims ?? null;
}

/**
 * `verifyToken` for one secret that remembers the claims of tokens it verified (bounded LRU keyed by the exact token
 * string), so a client sending the same token with every request pays the HMAC check once. A remembered token is
 * accepted only inside the time window a full check would accept (`nbf`/`exp` with the same 60 s leeway); outside it,
 * or for a token never verified, the full check runs. Failed checks are never remembered.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { claims: Claims; nbf: number | undefined }>();

  constructor(
    private readonly secret: string,
    private readonly maxEntries = 1024,
  ) {}

  async verify(token: string, now: Date): Promise<Claims | null> {
    const nowSec = Math.floor(now.getTime() / 1000);
    const hit = this.entries.get(token);
    if (hit !== undefined) {
      if (
        Number.isFinite(nowSec) &&
        hit.claims.exp > nowSec - LEEWAY_SEC &&
        (hit.nbf === undefined || hit.nbf <= nowSec + LEEWAY_SEC)
      ) {
        this.entries.delete(token);
        this.entries.set(token, hit);
        return hit.claims;
      }
      this.entries.delete(token);
    }
    const verified = await verifyPayload(token, this.secret, now, true);
    if (verified === null) return null;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, verified);
    return verified.claims;
  }
}

/**
 * Verifies the signature of an access token only, ignoring expiry (later Scouter's `decode_jwt_without_validation`);
 * refresh tokens are refused.
 */
export async function decodeSignedToken(token: string, secret: string): Promise<Claims | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, key(secret), { algorithms: ['HS256'] });
    if (protectedHeader.alg !== 'HS256' || protectedHeader.typ === REFRESH_TOKEN_TYP) return null;
    return asClaims(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    return null;
  }
}
