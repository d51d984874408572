import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { decodeSignedToken, signToken, verifyToken } from './jwt.js';
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

describe('passwords', () => {
  it('hashes with a fresh salt and verifies', async () => {
    const a = await hashPassword('pw');
    const b = await hashPassword('pw');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('pw', a)).toBe(true);
    expect(await verifyPassword('pW', a)).toBe(false);
    expect(await verifyPassword('pw', 'plain-text')).toBe(false);
    expect(await verifyPassword('pw', '$argon2id$v=19$m=19456,t=2,p=1$abc$def')).toBe(false);
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
