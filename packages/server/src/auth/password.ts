/** Salted scrypt password hashes (`scrypt$N$r$p$salt$hash`, base64), node:crypto only. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// OWASP's scrypt minimum (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1, or an equivalent such as this one,
// N = 2^14, r = 8, p = 5, which needs 16 MiB per hash instead of 128 MiB (a login flood costs CPU, not memory).
// Hashes keep their parameters, so ones written with earlier parameters still verify.
const N = 16384;
const R = 8;
const P = 5;
const KEY_LEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Checks a password against a stored hash in constant time; false for any hash it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  if (expected.length !== KEY_LEN) return false;
  try {
    const key = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
    return timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}
