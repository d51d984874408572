import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { VerifiedTokenCache, decodeSignedToken, signToken, verifyToken } from './jwt.js';
import { hashPassword, verifyPassword } from './password.js';
import { hasReadPermission, hasWritePermission } from './permissions.js';

const user = { username: 'u', permissions: ['read:all', 'write:team'], groupPermissions: ['user'] };

describe('JWT', () => {
  it('verifies expiry with 60 s leeway but decodes expired tokens by signature only', async () => {
    const now = new Date('2025-11-24T00:00:00Z');
    const token = await signToken(user, 'secret', 3600, now);
    expect(await verifyToken(token, 'secret', now)).toMatchObject({
      sub: 'u',
      exp: now.getTime() / 1000 + 3600,
    });
    expect(await verifyToken(token, 'secret', new Date(now.getTime() + 3659_000))).not.toBeNull();
    expect(await verifyToken(token, 'secret', new Date(now.getTime() + 3661_000))).toBeNull();
    expect(await decodeSignedToken(token, 'secret')).toMatchObject({ sub: 'u' });
    expect(await verifyToken(token, 'other', now)).toBeNull();
    expect(await decodeSignedToken(token, 'other')).toBeNull();
  });

  it('rejects tokens without Scouter’s claims or with another algorithm', async () => {
    const key = new TextEncoder().encode('secret');
    const noSalt = await new SignJWT({ sub: 'u', exp: 4102444800, permissions: [], group_permissions: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key);
    expect(await verifyToken(noSalt, 'secret', new Date())).toBeNull();
    const hs512 = await new SignJWT({
      sub: 'u',
      exp: 4102444800,
      permissions: [],
      group_permissions: [],
      salt: 's',
    })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode('secret'.repeat(11)));
    expect(await decodeSignedToken(hs512, 'secret'.repeat(11))).toBeNull();
  });
});

describe('VerifiedTokenCache', () => {
  it('answers like verifyToken for the same token, before and after expiry, and never for another secret', async () => {
    const now = new Date('2025-11-24T00:00:00Z');
    const token = await signToken(user, 'secret', 3600, now);
    const cache = new VerifiedTokenCache('secret');
    const at = (sec: number) => new Date(now.getTime() + sec * 1000);
    for (const sec of [0, 10, 3659, 3599, 3660, 3661, 3659, 0]) {
      expect(await cache.verify(token, at(sec))).toEqual(await verifyToken(token, 'secret', at(sec)));
    }
    expect(await cache.verify(token, at(3659))).toMatchObject({ sub: 'u' });
    expect(await cache.verify(token, at(3660))).toBeNull();
    expect(await cache.verify(token, new Date(Number.NaN))).toBeNull();
    expect(await new VerifiedTokenCache('other').verify(token, now)).toBeNull();
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await cache.verify(forged, now)).toBeNull();
  });

  it('keeps the not-before window of a remembered token and stays within its size', async () => {
    const key = new TextEncoder().encode('secret');
    const claims = { sub: 'u', exp: 4102444800, permissions: [], group_permissions: [], salt: 's' };
    const nbf = 1764000000;
    const later = await new SignJWT({ ...claims, nbf }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const cache = new VerifiedTokenCache('secret', 2);
    expect(await cache.verify(later, new Date((nbf - 60) * 1000))).toMatchObject({ sub: 'u' });
    expect(await cache.verify(later, new Date((nbf - 61) * 1000))).toBeNull();
    expect(await cache.verify(later, new Date((nbf - 60) * 1000))).toMatchObject({ sub: 'u' });
    const tokens = await Promise.all(
      ['a', 'b', 'c'].map((sub) =>
        new SignJWT({ ...claims, sub }).setProtectedHeader({ alg: 'HS256' }).sign(key),
      ),
    );
    for (const t of tokens) expect(await cache.verify(t, new Date(nbf * 1000))).not.toBeNull();
    expect((cache as unknown as { entries: Map<string, unknown> }).entries.size).toBe(2);
  });
});

describe('passwords', () => {
  it('hashes with a fresh salt and verifies', async () => {
    const a = await hashPassword('pw');
    const b = await hashPassword('pw');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$5\$/);
    expect(await verifyPassword('pw', a)).toBe(true);
    expect(await verifyPassword('pW', a)).toBe(false);
    expect(await verifyPassword('pw', 'plain-text')).toBe(false);
    expect(await verifyPassword('pw', '$argon2id$v=19$m=19456,t=2,p=1$abc$def')).toBe(false);
  });

  it('still verifies hashes written with the earlier parameters (p = 1)', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('pw', salt, 32, { N: 16384, r: 8, p: 1 });
    const earlier = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('pw', earlier)).toBe(true);
    expect(await verifyPassword('pW', earlier)).toBe(false);
  });
});

describe('permissions', () => {
  it('follows Scouter: <kind>:<space>, <kind>:all or the admin group', () => {
    expect(hasWritePermission(user, 'team')).toBe(true);
    expect(hasWritePermission(user, 'other')).toBe(false);
    expect(hasReadPermission(user, 'other')).toBe(true);
    expect(hasWritePermission({ ...user, permissions: [], groupPermissions: ['admin'] }, 'x')).toBe(true);
  });
});
