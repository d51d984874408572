import { z } from 'zod';
import { InvalidOptionsError, ScouterHttpError } from '../errors.js';
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
  toAlertsQuery,
  toDriftQuery,
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

/**
 * Client for a Scouter v0.13 server's HTTP API (Python's `ScouterClient`), built on `HttpSession`: lazy login,
 * bearer token rotation, one re-login on 401, typed `ScouterError`s carrying the HTTP status and the server's body.
 * Unlike Python's, the constructor does not log in (the first call does) and `new ScouterClient()` uses
 * `HttpConfig()`'s defaults (`admin`/`admin`), not Rust's `guest`/`guest`.
 */
export class ScouterClient {
  /** The authenticated session (can be shared with an `HttpTransport`). */
  readonly session: HttpSession;
  readonly #ownsSession: boolean;

  /** From an `HttpConfig`, its options, or an existing session (left open by `close()`). Default `new HttpConfig()`. */
  constructor(config: HttpConfig | HttpConfigOptions | HttpSession = {}, options: HttpSessionOptions = {}) {
    ({ session: this.session, owned: this.#ownsSession } = acquireSession(config, options));
  }

  /** The configuration in use. */
  get config(): HttpConfig {
    return this.session.config;
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
  ): Promise<RegisteredProfileResponseJson> {
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
    const registered = await this.session.requestParsed(registeredProfileResponseJson, 'POST', 'profile', {
      json: profile.createProfileRequest(),
    });
    profile.updateConfigArgs({ space: registered.space, name: registered.name, version: registered.version });
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

  /** `GET /scouter/drift/custom`: binned means and bounds per metric, newest bin first. */
  async getBinnedDrift(request: DriftRequest): Promise<BinnedMetrics> {
    const json = await this.session.requestParsed(binnedMetricsJson, 'GET', 'drift/custom', {
      query: toDriftQuery(request),
    });
    return new BinnedMetrics(json);
  }

  /** `GET /scouter/alerts`: the model's alerts, newest first (`[]` when the response has no `alerts`). */
  async getAlerts(request: DriftAlertRequest): Promise<Alert[]> {
    const json = await this.session.requestParsed(alertsResponseJson, 'GET', 'alerts', {
      query: toAlertsQuery(request),
    });
    return json.alerts.map(toAlert);
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
