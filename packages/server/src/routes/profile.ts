/** Profile routes (§1.3): register with version resolution, update, get, activate/deactivate, list. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  anyCustomDriftProfileJson,
  getProfileRequestQuery,
  isV025Profile,
  listProfilesRequestJson,
  profileRequestJson,
  profileRequestV025Json,
  profileStatusRequestJson,
  nextCronRun,
  validateCron,
} from '@scouter-ts/core';
import type {
  AnyCustomDriftProfileJson,
  CustomDriftProfileJson,
  ProfileRequestJson,
  ProfileRequestV025Json,
} from '@scouter-ts/core';
import { hasReadPermission, hasWritePermission } from '../auth/permissions.js';
import { userOf } from '../context.js';
import type { ServerContext } from '../context.js';
import { HttpError, permissionDenied } from '../errors.js';
import { NEVER } from '../time.js';
import { parseBody, parseQuery } from './parse.js';
import { requireKeyOfUid, scouterUid } from './uid.js';
import { resolveVersion } from './versioning.js';

function invalidProfile(detail: string): HttpError {
  return new HttpError(400, `Invalid drift profile: ${detail}`);
}

/**
 * Reads the profile string of a `ProfileRequest` as a custom profile, in either dialect (v0.13, or v0.25 with
 * `config.uid` and `baseline_value`/`delta` conditions, read as bilingual JSON), and rejects what would break drift
 * checks: non-Custom drift types, metrics without alert conditions, and schedules that are not valid Scouter cron.
 */
export function readProfile(
  request: Pick<ProfileRequestJson, 'drift_type' | 'profile'>,
): AnyCustomDriftProfileJson {
  if (request.drift_type !== 'Custom') {
    throw invalidProfile(
      `drift_type ${request.drift_type} is not supported (this server handles Custom profiles)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(request.profile);
  } catch (err) {
    throw invalidProfile(`profile is not JSON: ${(err as Error).message}`);
  }
  const parsed = anyCustomDriftProfileJson.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${['profile', ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; ');
    throw invalidProfile(detail);
  }
  const profile = parsed.data;
  const conditions = profile.config.alert_config.alert_conditions;
  const metrics = Object.keys(profile.metrics);
  if (metrics.length === 0) throw invalidProfile('profile.metrics is empty');
  const missing = metrics.filter((m) => !conditions?.[m]);
  if (missing.length > 0) {
    throw invalidProfile(
      `profile.config.alert_config.alert_conditions has no condition for metric(s) ${missing.join(', ')}`,
    );
  }
  try {
    validateCron(profile.config.alert_config.schedule);
  } catch (err) {
    throw invalidProfile(`profile.config.alert_config.schedule: ${(err as Error).message}`);
  }
  return profile;
}

/**
 * The body of `POST`/`PUT /scouter/profile` in either dialect: `version_request` may be null only for a v0.25
 * profile; a v0.13 request without it gets the v0.13 answer (422 naming the field).
 */
function parseProfileRequest(request: FastifyRequest): ProfileRequestV025Json {
  const body = parseBody(request, profileRequestV025Json);
  if (body.version_request === null) {
    let v025 = false;
    try {
      v025 = isV025Profile(readProfile(body));
    } catch {
      // not a readable v0.25 profile: answered as v0.13 answers, below
    }
    if (!v025) parseBody(request, profileRequestJson);
  }
  return body;
}

/** Registers `/scouter/profile` (POST, PUT, GET), `/scouter/profile/status` and `/scouter/profiles`. */
export function registerProfileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { storage, config } = ctx;

  app.post('/scouter/profile', { onRequest: ctx.protect }, async (request) => {
    const body = parseProfileRequest(request);
    if (body.version_request === null) throw new HttpError(400, 'Version request is required');
    if (!hasWritePermission(userOf(request), body.space)) throw permissionDenied();
    const profile = readProfile(body);
    const v025 = isV025Profile(profile);
    const { space, name } = profile.config;
    const existing = await storage.listVersions(space, name);
    const resolved = resolveVersion(
      v025 ? body.version_request.version : profile.config.version,
      body.version_request,
      existing,
    );
    const key = { space, name, version: resolved.version };
    const uid = scouterUid(key);
    const stored: CustomDriftProfileJson = {
      ...profile,
      config: v025
        ? { ...profile.config, version: resolved.version, uid }
        : { ...profile.config, version: resolved.version },
    };
    const now = config.now();
    const schedule = profile.config.alert_config.schedule;
    await storage.insertProfile({
      space,
      name,
      version: resolved.version,
      major: resolved.major,
      minor: resolved.minor,
      patch: resolved.patch,
      preTag: resolved.preTag,
      buildTag: resolved.buildTag,
      driftType: 'Custom',
      profile: stored,
      scouterVersion: profile.scouter_version,
      active: body.active,
      schedule,
      nextRun: nextCronRun(schedule, now) ?? NEVER,
      previousRun: now,
    });
    if (body.active && body.deactivate_others) {
      await storage.deactivateOtherVersions(key, 'Custom');
    }
    return v025
      ? { space, name, version: resolved.version, uid, status: 'success', active: body.active }
      : { space, name, version: resolved.version, status: 'success', active: body.active };
  });

  app.put('/scouter/profile', { onRequest: ctx.protect }, async (request) => {
    const body = parseProfileRequest(request);
    if (!hasWritePermission(userOf(request), body.space)) throw permissionDenied();
    const profile = readProfile(body);
    const v025 = isV025Profile(profile);
    if (v025) {
      const uid = profile.config.uid ?? '';
      const key = requireKeyOfUid(uid);
      const stored = { ...profile, config: { ...profile.config, ...key, uid } };
      await storage.updateProfileJson(key, 'Custom', stored);
    } else {
      const { space, name, version } = profile.config;
      await storage.updateProfileJson({ space, name, version }, 'Custom', profile);
    }
    return { status: 'success', message: 'Drift profile updated successfully' };
  });

  app.get('/scouter/profile', { onRequest: ctx.protect }, async (request) => {
    const query = parseQuery(request, getProfileRequestQuery);
    if (!hasReadPermission(userOf(request), query.space)) throw permissionDenied();
    const row = await storage.getProfile(query, query.drift_type);
    if (!row) throw new HttpError(404, 'Drift profile not found');
    return { Custom: row.profile };
  });

  app.put('/scouter/profile/status', { onRequest: ctx.protect }, async (request) => {
    const body = parseBody(request, profileStatusRequestJson);
    if (!hasWritePermission(userOf(request), body.space)) throw permissionDenied();
    const key = { space: body.space, name: body.name, version: body.version };
    await storage.setProfileActive(key, body.active, body.drift_type);
    if (body.deactivate_others) await storage.deactivateOtherVersions(key, body.drift_type);
    return {
      status: 'success',
      message: `Monitor profile status updated to ${body.active} for ${body.name} ${body.space} ${body.version}`,
    };
  });

  app.post('/scouter/profiles', { onRequest: ctx.protect }, async (request) => {
    const body = parseBody(request, listProfilesRequestJson);
    if (!hasReadPermission(userOf(request), body.space)) throw permissionDenied();
    const rows = await storage.listProfiles(body.space, body.name, body.version);
    if (rows.length === 0) throw new HttpError(404, 'No drift profiles found');
    return rows.map((row) => ({ profile: { Custom: row.profile }, active: row.active }));
  });
}
