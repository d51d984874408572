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
): Promise<string> {
  return new SignJWT({
    sub: user.username,
    exp: Math.floor(now.getTime() / 1000) + ttlSec,
    permissions: user.permissions,
    group_permissions: user.groupPermissions,
    salt: salt(),
  })
    .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
    .sign(key(secret));
}

/** Verifies signature and expiry (60 s leeway, like jsonwebtoken); null when invalid for any reason. */
export async function verifyToken(token: string, secret: string, now: Date): Promise<Claims | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      clockTolerance: LEEWAY_SEC,
      currentDate: now,
      requiredClaims: ['exp'],
    });
    return asClaims(payload);
  } catch {
    return null;
  }
}

/** Verifies the signature only, ignoring expiry (later Scouter's `decode_jwt_without_validation`). */
export async function decodeSignedToken(token: string, secret: string): Promise<Claims | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, key(secret), { algorithms: ['HS256'] });
    if (protectedHeader.alg !== 'HS256') return null;
    return asClaims(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    return null;
  }
}
