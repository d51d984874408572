import { z } from 'zod';
import { InvalidOptionsError, ScouterHttpError } from '../errors.js';
import { protocolOfVersion } from '../wire/protocol.js';
import type { ScouterProtocol } from '../wire/protocol.js';
import { driftAlertPaginationResponseJson, registeredProfileResponseV025Json } from '../wire/schemas-v025.js';
import type { DriftAlertPaginationResponseJson } from '../wire/schemas-v025.js';
import { CustomDriftProfile } from '../profile/custom-drift-profile.js';
import type { HttpConfig, HttpConfigOptions } from '../transport/http-config.js';
import {
  aliveJson,
  alertsResponseJson,
  binnedMetricsJson,
  registeredProfileResponseJson,
  scouterResponseJson,
  updateAlertResponseJson,
} from '../wire/schemas.js';
import type { RegisteredProfileResponseJson, ScouterResponseJson } from '../wire/schemas.js';
import { acquireSession } from './http-session.js';
import type { HttpSessionOptions, HttpSession } from './http-session.js';
import {
  BinnedMetrics,
  toAlert,
  toAlertFromV025,
  toAlertsPageBody,
  toAlertsQuery,
  toDriftQuery,
  toDriftQueryV025,
  toGetProfileQuery,
  toListProfilesBody,
  toProfileStatusBody,
  toUpdateAlertBody,
} from './requests.js';
import type {
  Alert,
  DriftAlertRequest,
  DriftRequest,
  GetProfileRequest,
  ListProfilesRequest,
  ProfileStatusRequest,
  UpdateAlertStatus,
} from './requests.js';

/** Options of `ScouterClient.registerProfile`. */
export interface RegisterProfileOptions {
  /** Activate the registered version (only active profiles are checked for drift). Default false. */
  setActive?: boolean;
  /** With `setActive`, deactivate the model's other versions. Default false. */
  deactivateOthers?: boolean;
}

/** One entry of `listProfiles`. */
export interface ListedProfile {
  /** The stored profile. */
  profile: CustomDriftProfile;
  /** Whether it is checked for drift. */
  active: boolean;
}

const listedProfilesJson = z.array(z.object({ profile: z.unknown(), active: z.boolean() }));

/** The validated space, name and version of a request, with its `uid` when one is given. */
function identityOf(request: ListProfilesRequest & { uid?: unknown }): {
  space: string;
  name: string;
  version: string;
  uid?: string;
} {
  const key = toListProfilesBody(request);
  return typeof request.uid === 'string' ? { ...key, uid: request.uid } : key;
}

/** Alerts fetched per `POST /scouter/alerts` page (v0.25), and the most pages `getAlerts` follows. */
const ALERT_PAGE_SIZE = 500;
const MAX_ALERT_PAGES = 1000;

/**
 * Asks a server which dialect it speaks: a `version` in the health check when it sends one, else
 * `POST /scouter/alerts {}`, which v0.13 answers 405 (the route is GET/PUT) and v0.25 answers 422 (`uid` missing).
 */
async function detectProtocol(session: HttpSession): Promise<ScouterProtocol> {
  try {
    const health = await session.request<{ version?: unknown }>('GET', 'healthcheck', { auth: false });
    const known = typeof health?.version === 'string' ? protocolOfVersion(health.version) : null;
    if (known !== null) return known;
  } catch {
    // an unhealthy or unreachable server is reported by the probe below
  }
  try {
    await session.request('POST', 'alerts', { json: {} });
  } catch (err) {
    if (err instanceof ScouterHttpError && err.status === 405) return 'v0.13';
    if (err instanceof ScouterHttpError && (err.status === 422 || err.status === 400)) return 'v0.25';
    if (!(err instanceof ScouterHttpError)) throw err;
    throw new InvalidOptionsError(
      `protocol 'auto' cannot tell the Scouter version of ${session.config.serverUri}: POST /scouter/alerts {} answered ${err.status} (405 means v0.13, 422 v0.25); set protocol to 'v0.13' or 'v0.25'`,
      { cause: err },
    );
  }
  throw new InvalidOptionsError(
    `protocol 'auto' cannot tell the Scouter version of ${session.config.serverUri}: POST /scouter/alerts {} succeeded; set protocol to 'v0.13' or 'v0.25'`,
  );
}

/**
 * Client for a Scouter server's HTTP API (Python's `ScouterClient`) in the dialect of `config.protocol` (v0.13, v0.25,
 * or `'auto'`: asked once), built on `HttpSession`: lazy login,
 * bearer token rotation, one re-login on 401, typed `ScouterError`s carrying the HTTP status and the server's body.
 * Unlike Python's, the constructor does not log in (the first call does) and `new ScouterClient()` uses
 * `HttpConfig()`'s defaults (`admin`/`admin`), not Rust's `guest`/`guest`.
 */
export class ScouterClient {
  /** The authenticated session (can be shared with an `HttpTransport`). */
  readonly session: HttpSession;
  readonly #ownsSession: boolean;
  #protocol: Promise<ScouterProtocol> | undefined;

  /** From an `HttpConfig`, its options, or an existing session (left open by `close()`). Default `new HttpConfig()`. */
  constructor(config: HttpConfig | HttpConfigOptions | HttpSession = {}, options: HttpSessionOptions = {}) {
    ({ session: this.session, owned: this.#ownsSession } = acquireSession(config, options));
  }

  /** The configuration in use. */
  get config(): HttpConfig {
    return this.session.config;
  }

  /**
   * The dialect this client speaks: `config.protocol`, or with `'auto'` what the server answered to the probe (asked
   * once, after login; a failed probe is asked again next time).
   */
  async protocol(): Promise<ScouterProtocol> {
    const configured = this.config.protocol;
    if (configured !== 'auto') return configured;
    this.#protocol ??= detectProtocol(this.session).catch((err: unknown) => {
      this.#protocol = undefined;
      throw err;
    });
    return this.#protocol;
  }

  /** `GET /scouter/healthcheck`: true when the server answers 200 `{"alive": true}`; false on any failure. */
  async healthcheck(): Promise<boolean> {
    try {
      const body = await this.session.requestParsed(aliveJson, 'GET', 'healthcheck', { auth: false });
      return body.alive;
    } catch {
      return false;
    }
  }

  /**
   * Registers `profile` (`POST /scouter/profile` with `profile.createProfileRequest()`), then writes the server's
   * space, name and version back into `profile` (the server may bump the version). With `setActive` it then sends
   * `PUT /scouter/profile/status` `{active: true, drift_type: "Custom", deactivate_others}`; the returned `active`
   * is then true. Returns the server's `RegisteredProfileResponse`.
   */
  async registerProfile(
    profile: CustomDriftProfile,
    options: RegisterProfileOptions = {},
  ): Promise<RegisteredProfileResponseJson & { uid?: string }> {
    if (!(profile instanceof CustomDriftProfile)) {
      throw new InvalidOptionsError(
        'registerProfile expects a CustomDriftProfile, e.g. Drifter.createDriftProfile(metrics, config)',
      );
    }
    const setActive = options.setActive ?? false;
    const deactivateOthers = options.deactivateOthers ?? false;
    if (typeof setActive !== 'boolean' || typeof deactivateOthers !== 'boolean') {
      throw new InvalidOptionsError(
        'registerProfile options setActive and deactivateOthers must be booleans (default false)',
      );
    }
    const protocol = await this.protocol();
    const json = profile.createProfileRequest({ protocol });
    let registered: RegisteredProfileResponseJson & { uid?: string };
    if (protocol === 'v0.25') {
      const answer = await this.session.requestParsed(registeredProfileResponseV025Json, 'POST', 'profile', {
        json,
      });
      profile.updateConfigArgs({
        space: answer.space,
        name: answer.name,
        version: answer.version,
        uid: answer.uid,
      });
      profile.useProtocol('v0.25');
      registered = answer;
    } else {
      registered = await this.session.requestParsed(registeredProfileResponseJson, 'POST', 'profile', {
        json,
      });
      profile.updateConfigArgs({
        space: registered.space,
        name: registered.name,
        version: registered.version,
      });
    }
    if (!setActive) return registered;
    await this.updateProfileStatus({
      space: registered.space,
      name: registered.name,
      version: registered.version,
      active: true,
      driftType: 'Custom',
      deactivateOthers,
    });
    return { ...registered, active: true };
  }

  /** `PUT /scouter/profile/status`: activates or deactivates one version. */
  async updateProfileStatus(request: ProfileStatusRequest): Promise<ScouterResponseJson> {
    return this.session.requestParsed(scouterResponseJson, 'PUT', 'profile/status', {
      json: toProfileStatusBody(request),
    });
  }

  /** `GET /scouter/profile`: the stored profile (unwrapped from `{"Custom": …}`). */
  async getProfile(request: GetProfileRequest): Promise<CustomDriftProfile> {
    const body = await this.session.request('GET', 'profile', { query: toGetProfileQuery(request) });
    return CustomDriftProfile.fromJSON(body);
  }

  /**
   * Downloads a profile and saves it **unwrapped** (bare JSON), so `CustomDriftProfile.load` and
   * `ScouterQueue.fromPath` read it back (Scouter's own download keeps the `{"Custom": …}` wrapper and cannot).
   * Default path `./{name}_{space}_{version}_Custom.json`; a `.json` extension is enforced. Returns the path written.
   */
  async downloadProfile(request: GetProfileRequest, path?: string): Promise<string> {
    const query = toGetProfileQuery(request);
    const profile = await this.getProfile(request);
    return profile.save(path ?? `./${query.name}_${query.space}_${query.version}_${query.drift_type}.json`);
  }

  /** `POST /scouter/profiles`: every stored profile of the model (`[]` when the server answers 404 "none found"). */
  async listProfiles(request: ListProfilesRequest): Promise<ListedProfile[]> {
    let listed: z.output<typeof listedProfilesJson>;
    try {
      listed = await this.session.requestParsed(listedProfilesJson, 'POST', 'profiles', {
        json: toListProfilesBody(request),
      });
    } catch (err) {
      if (err instanceof ScouterHttpError && err.status === 404 && err.body.includes('"error"')) return [];
      throw err;
    }
    return listed.map((entry) => ({
      profile: CustomDriftProfile.fromJSON(entry.profile),
      active: entry.active,
    }));
  }

  /**
   * The entity uid v0.25 requests name a profile by: `uid` when given, else the stored profile's `config.uid`
   * (`GET /scouter/profile`).
   */
  async #uidOf(request: { space: string; name: string; version: string; uid?: string }): Promise<string> {
    if (request.uid !== undefined) return request.uid;
    const profile = await this.getProfile(request);
    if (profile.config.uid === null) {
      throw new InvalidOptionsError(
        `Profile ${profile.identifier} has no uid on ${this.config.serverUri} (it was registered in the v0.13 dialect); pass uid, or register it with protocol 'v0.25'`,
      );
    }
    return profile.config.uid;
  }

  /**
   * `GET /scouter/drift/custom`: binned means and bounds per metric, newest bin first. With protocol v0.25 the query
   * names the profile by `uid` (given, or read from the stored profile).
   */
  async getBinnedDrift(request: DriftRequest): Promise<BinnedMetrics> {
    const query =
      (await this.protocol()) === 'v0.25'
        ? toDriftQueryV025(request, await this.#uidOf(identityOf(request)))
        : toDriftQuery(request);
    const json = await this.session.requestParsed(binnedMetricsJson, 'GET', 'drift/custom', { query });
    return new BinnedMetrics(json);
  }

  /**
   * The model's alerts, newest first: `GET /scouter/alerts` (v0.13; `[]` when the response has no `alerts`), or with
   * protocol v0.25 `POST /scouter/alerts` by uid, following `next_cursor` up to `limit` alerts (bounded).
   */
  async getAlerts(request: DriftAlertRequest & { uid?: string }): Promise<Alert[]> {
    if ((await this.protocol()) === 'v0.13') {
      const json = await this.session.requestParsed(alertsResponseJson, 'GET', 'alerts', {
        query: toAlertsQuery(request),
      });
      return json.alerts.map(toAlert);
    }
    const key = toListProfilesBody(request);
    const uid = await this.#uidOf(identityOf(request));
    const wanted = request.limit ?? Infinity;
    const alerts: Alert[] = [];
    let cursor: { created_at: string; id: number } | null = null;
    for (let page = 0; page < MAX_ALERT_PAGES && alerts.length < wanted; page++) {
      const size = Math.min(ALERT_PAGE_SIZE, wanted - alerts.length);
      const json: DriftAlertPaginationResponseJson = await this.session.requestParsed(
        driftAlertPaginationResponseJson,
        'POST',
        'alerts',
        {
          json: toAlertsPageBody(request, uid, cursor, size),
        },
      );
      alerts.push(...json.items.map((item) => toAlertFromV025(item, key)));
      if (!json.has_next || json.next_cursor === null) break;
      cursor = json.next_cursor;
    }
    return alerts;
  }

  /** `PUT /scouter/alerts`: sets an alert's `active` flag (false = acknowledged); returns the server's `updated`. */
  async updateAlertStatus(request: UpdateAlertStatus): Promise<boolean> {
    const json = await this.session.requestParsed(updateAlertResponseJson, 'PUT', 'alerts', {
      json: toUpdateAlertBody(request),
    });
    return json.updated;
  }

  /** Closes the connection pool (unless the session was passed in); idempotent. */
  async close(): Promise<void> {
    if (this.#ownsSession) await this.session.close();
  }
}
