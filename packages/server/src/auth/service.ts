/** Login, refresh and the per-request token check, with Scouter's bodies and the later-Scouter silent refresh. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.js';
import { HttpError, unauthorized } from '../errors.js';
import type { Storage, StoredUser } from '../storage/types.js';
import { REFRESH_TOKEN_TYP, VerifiedTokenCache, decodeSignedToken, signToken, verifyToken } from './jwt.js';
import { hashPassword, verifyPassword } from './password.js';
import type { UserPermissions } from './permissions.js';

/** Scouter's fixed guest user (password `guest`). */
export const GUEST_USERNAME = 'guest';

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
/** A user seen in storage is looked up again after this long, so a deleted user's unexpired tokens stop working. */
const USER_RECHECK_MS = 1000;
const MAX_KNOWN_USERS = 1024;

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  const raw = header(request, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Inserts a user unless another server instance created it at the same moment. */
async function insertOnce(storage: Storage, user: StoredUser): Promise<void> {
  try {
    await storage.insertUser(user);
  } catch (err) {
    if (!(await storage.getUser(user.username))) throw err;
  }
}

/** Creates Scouter's two default users (admin + guest) when the user table is empty. */
export async function seedDefaultUsers(storage: Storage, config: ServerConfig): Promise<boolean> {
  if ((await storage.countUsers()) > 0) return false;
  const withGuest = config.guestAccess !== 'disabled' && config.defaultUsername !== GUEST_USERNAME;
  // Both scrypt hashes at once (on libuv's thread pool): they are the slowest part of a first start.
  const [adminHash, guestHash] = await Promise.all([
    hashPassword(config.defaultPassword),
    withGuest ? hashPassword(GUEST_USERNAME) : null,
  ]);
  await insertOnce(storage, {
    username: config.defaultUsername,
    passwordHash: adminHash,
    email: 'admin',
    permissions: ['read:all', 'write:all'],
    groupPermissions: ['admin'],
    role: 'admin',
    active: true,
    refreshToken: null,
  });
  if (guestHash !== null) {
    await insertOnce(storage, {
      username: GUEST_USERNAME,
      passwordHash: guestHash,
      email: 'default',
      permissions: ['read:all', 'write:all', 'delete:all'],
      groupPermissions: ['user'],
      role: 'guest',
      active: true,
      refreshToken: null,
    });
  }
  return true;
}

/** Token issuing and checking for one server. */
export class AuthService {
  /** Access tokens already verified (clients send the same token with every request). */
  private readonly accessTokens: VerifiedTokenCache;

  constructor(
    private readonly storage: Storage,
    private readonly config: ServerConfig,
  ) {
    this.accessTokens = new VerifiedTokenCache(config.encryptSecret);
  }

  /** Users found in storage, with the clock time (ms) until which that finding is trusted. */
  private readonly knownUsers = new Map<string, number>();

  /**
   * Whether a token's user still exists. Scouter v0.13 trusts a valid token's claims alone; we look the user up at
   * most once per `USER_RECHECK_MS`, so deleting a user locks its tokens out within a second on every instance.
   */
  private async userExists(username: string): Promise<boolean> {
    const nowMs = this.config.now().getTime();
    const until = this.knownUsers.get(username);
    if (until !== undefined && until > nowMs) return true;
    this.knownUsers.delete(username);
    if ((await this.storage.getUser(username)) === null) return false;
    if (this.knownUsers.size >= MAX_KNOWN_USERS) {
      const oldest = this.knownUsers.keys().next();
      if (!oldest.done) this.knownUsers.delete(oldest.value);
    }
    this.knownUsers.set(username, nowMs + USER_RECHECK_MS);
    return true;
  }

  private isGuest(username: string): boolean {
    return username === GUEST_USERNAME && this.config.defaultUsername !== GUEST_USERNAME;
  }

  /** Applies `guestAccess`: `read` strips write/delete and admin rights from the guest, `disabled` rejects it. */
  private restrict(user: UserPermissions): UserPermissions {
    if (!this.isGuest(user.username) || this.config.guestAccess === 'write') return user;
    return {
      username: user.username,
      permissions: user.permissions.filter((p) => p.startsWith('read:')),
      groupPermissions: user.groupPermissions.filter((g) => g !== 'admin'),
    };
  }

  private async issueRefreshToken(user: StoredUser): Promise<void> {
    const token = await signToken(
      user,
      this.config.refreshSecret,
      this.config.refreshTokenTtlSec,
      this.config.now(),
      REFRESH_TOKEN_TYP,
    );
    await this.storage.setRefreshToken(user.username, token);
  }

  private accessToken(user: StoredUser): Promise<string> {
    return signToken(user, this.config.encryptSecret, this.config.accessTokenTtlSec, this.config.now());
  }

  /** `GET /scouter/auth/login`: Username/Password headers to an access token. */
  async login(request: FastifyRequest): Promise<{ token: string }> {
    const username = header(request, 'username');
    if (username === undefined) throw new HttpError(400, 'Username header not found');
    if (!VISIBLE_ASCII.test(username)) throw new HttpError(400, 'Invalid username format');
    const password = header(request, 'password');
    if (password === undefined) throw new HttpError(400, 'Password header not found');
    if (!VISIBLE_ASCII.test(password)) throw new HttpError(400, 'Invalid password format');
    const user = await this.storage.getUser(username);
    if (!user || (this.isGuest(username) && this.config.guestAccess === 'disabled')) {
      throw new HttpError(404, 'User not found');
    }
    if (!(await verifyPassword(password, user.passwordHash))) throw new HttpError(401, 'Unauthorized');
    const stored = user.refreshToken
      ? await verifyToken(user.refreshToken, this.config.refreshSecret, this.config.now())
      : null;
    if (!stored) await this.issueRefreshToken(user);
    return { token: await this.accessToken(user) };
  }

  /** `GET /scouter/auth/refresh`: a signed (possibly expired) access token to a fresh one. */
  async refresh(request: FastifyRequest): Promise<{ token: string }> {
    const auth = header(request, 'authorization');
    if (!auth?.startsWith('Bearer ')) throw new HttpError(401, 'No refresh token provided');
    const claims = await decodeSignedToken(auth.slice(7), this.config.encryptSecret);
    if (!claims) throw new HttpError(401, 'Failed to decode JWT token');
    const user = await this.storage.getUser(claims.sub);
    if (!user || (this.isGuest(user.username) && this.config.guestAccess === 'disabled')) {
      throw new HttpError(404, 'User not found');
    }
    await this.issueRefreshToken(user);
    return { token: await this.accessToken(user) };
  }

  /** `GET /scouter/auth/validate`. */
  async validate(request: FastifyRequest): Promise<{ is_authenticated: true }> {
    const auth = header(request, 'authorization');
    if (!auth?.startsWith('Bearer ')) throw new HttpError(401, 'Bearer token not found');
    const claims = await this.accessTokens.verify(auth.slice(7), this.config.now());
    if (!claims || this.denied(claims.sub) || !(await this.userExists(claims.sub))) {
      throw new HttpError(401, 'Failed to validate token');
    }
    return { is_authenticated: true };
  }

  private denied(username: string): boolean {
    return this.isGuest(username) && this.config.guestAccess === 'disabled';
  }

  /**
   * The middleware of protected routes: cookie `access_token`, then `Authorization: Bearer`. An expired or
   * otherwise invalid token whose signature checks out is refreshed when the user's stored refresh token is still
   * valid; the new access token goes back in the response's `Authorization` header.
   */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<UserPermissions> {
    let token = cookie(request, 'access_token');
    if (token === undefined) {
      const auth = header(request, 'authorization');
      if (auth?.startsWith('Bearer ')) token = auth.slice(7);
    }
    if (!token) throw unauthorized('No access token provided');
    const now = this.config.now();
    const claims = await this.accessTokens.verify(token, now);
    if (claims) {
      if (this.denied(claims.sub) || !(await this.userExists(claims.sub)))
        throw unauthorized('User not found');
      return this.restrict({
        username: claims.sub,
        permissions: claims.permissions,
        groupPermissions: claims.group_permissions,
      });
    }
    const unverified = await decodeSignedToken(token, this.config.encryptSecret);
    if (!unverified) throw unauthorized('Invalid token format');
    const user = await this.storage.getUser(unverified.sub);
    if (!user || this.denied(user.username)) throw unauthorized('User not found');
    const refresh = user.refreshToken
      ? await verifyToken(user.refreshToken, this.config.refreshSecret, now)
      : null;
    if (!refresh) throw unauthorized('No refresh token found');
    try {
      await this.issueRefreshToken(user);
    } catch (err) {
      request.log.error({ err }, 'failed to store a refreshed token');
      throw new HttpError(500, 'Failed to update refresh token', {
        error: 'Server Error',
        message: 'Failed to update refresh token',
      });
    }
    void reply.header('Authorization', `Bearer ${await this.accessToken(user)}`);
    return this.restrict({
      username: user.username,
      permissions: user.permissions,
      groupPermissions: user.groupPermissions,
    });
  }
}
