import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, format, parse } from 'node:path';
import { InvalidOptionsError, InvalidProfileError, ScouterIoError } from '../errors.js';
import { formatIssuePath } from '../options.js';
import { z } from 'zod';
import { type CustomDriftProfileJson, type ProfileRequestJson } from '../wire/schemas.js';
import {
  anyCustomDriftProfileJson,
  type AlertConditionV025Json,
  type CustomDriftProfileV025Json,
} from '../wire/schemas-v025.js';
import {
  PROTOCOL_SCOUTER_VERSION,
  protocolOfVersion,
  protocolOptionSchema,
  type ProtocolOption,
  type ScouterProtocol,
} from '../wire/protocol.js';
import { parseOptions } from '../options.js';
import { defineEntry } from './alert-config.js';
import { checkProfileSchedule, parseProfileJson } from './wire-parse.js';
import { CustomMetric, type CustomMetricAlertCondition } from './custom-metric.js';
import { CustomMetricDriftConfig, DEFAULT_VERSION, type UpdateConfigArgs } from './drift-config.js';

/** Scouter release whose wire format this package speaks; written as `scouter_version`. */
export const SCOUTER_VERSION = '0.13.0';

/** Default file name of `save()`, as Scouter. */
export const DEFAULT_PROFILE_PATH = './custom_drift_profile.json';

/** Options of `toJSONString`, `save` and `createProfileRequest`: the dialect to write. */
export interface ProfileDialectOptions {
  /** `'v0.13'`, `'v0.25'`, `'latest'` or a Scouter release (not `'auto'`). Default the profile's own `protocol`. */
  protocol?: ProtocolOption;
}

/** Options of `createProfileRequest`. */
export interface CreateProfileRequestOptions extends ProfileDialectOptions {
  /** Activate the profile on registration (only active profiles are checked for drift). Default false. */
  active?: boolean;
  /** Deactivate the model's other versions. Default false. */
  deactivateOthers?: boolean;
}

const dialectOptionsSchema = z.strictObject({
  protocol: protocolOptionSchema
    .refine((p) => p !== 'auto', {
      message: "must name a dialect ('v0.13' or 'v0.25'); 'auto' only works where a server is asked",
    })
    .optional(),
});

function dialectOf(options: ProfileDialectOptions): ScouterProtocol | undefined {
  return parseOptions(dialectOptionsSchema, options, 'CustomDriftProfile').protocol;
}

function describeInput(value: unknown): string {
  if (value === null) return 'null';
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * A custom-metric drift profile (Scouter's `CustomDriftProfile`): the model's identity and settings, the baseline of
 * each metric and its alert condition. Build with `Drifter.createDriftProfile` or `new CustomDriftProfile(config, metrics)`.
 */
export class CustomDriftProfile {
  /** The model's identity and settings (a copy of the config given). */
  readonly config: CustomMetricDriftConfig;
  /** Metric name -> baseline value. */
  readonly metrics: Record<string, number>;
  /** Scouter version the profile was written for; `"0.13.0"` for new profiles. */
  readonly scouterVersion: string;

  /**
   * Copies `config` and fills its alert conditions from `metrics`. Throws `InvalidProfileError` for an empty list
   * ("No metrics found") or a duplicate metric name, `InvalidOptionsError` for arguments of the wrong type.
   */
  constructor(config: CustomMetricDriftConfig, metrics: CustomMetric | readonly CustomMetric[]) {
    if (!(config instanceof CustomMetricDriftConfig)) {
      throw new InvalidOptionsError(
        `CustomDriftProfile config must be a CustomMetricDriftConfig, e.g. new CustomMetricDriftConfig({ space: "scouter", name: "model" }); got ${describeInput(config)}`,
      );
    }
    const list: readonly unknown[] = Array.isArray(metrics) ? metrics : [metrics];
    if (list.length === 0) {
      throw new InvalidProfileError(
        'No metrics found: a custom drift profile needs at least one CustomMetric',
        'metrics',
      );
    }
    const baselines: Record<string, number> = {};
    const conditions: Record<string, CustomMetricAlertCondition> = {};
    list.forEach((metric, i) => {
      if (!(metric instanceof CustomMetric)) {
        throw new InvalidOptionsError(
          `CustomDriftProfile metrics[${i}] must be a CustomMetric, e.g. new CustomMetric({ name: "mae", value: 0.1, alertThreshold: AlertThreshold.Above }); got ${describeInput(metric)}`,
        );
      }
      if (Object.hasOwn(baselines, metric.name)) {
        throw new InvalidProfileError(
          `Duplicate metric name "${metric.name}" (metrics[${i}]); names are lower-cased, each must be unique`,
          `metrics[${i}]`,
        );
      }
      defineEntry(baselines, metric.name, metric.value);
      defineEntry(conditions, metric.name, metric.alertCondition);
    });
    this.config = config.clone();
    this.config.alertConfig.alertConditions = conditions;
    this.metrics = baselines;
    this.scouterVersion = SCOUTER_VERSION;
  }

  /** `"{space}/{name}/v{version}/custom"`. */
  get identifier(): string {
    return `${this.config.space}/${this.config.name}/v${this.config.version}/custom`;
  }

  /** Always `'Custom'`. */
  get driftType(): 'Custom' {
    return 'Custom';
  }

  /**
   * The metrics rebuilt from `metrics` and the alert conditions (Scouter's `custom_metrics`).
   * Throws `InvalidProfileError` when conditions are missing.
   */
  get customMetrics(): CustomMetric[] {
    const conditions = this.config.alertConfig.alertConditions;
    if (conditions === null) {
      throw new InvalidProfileError(
        'Custom alert thresholds have not been set',
        'config.alert_config.alert_conditions',
      );
    }
    return Object.entries(this.metrics).map(([name, value]) => {
      const condition = Object.hasOwn(conditions, name) ? conditions[name] : undefined;
      if (condition === undefined) {
        throw new InvalidProfileError(
          `Metric "${name}" has no alert condition`,
          `config.alert_config.alert_conditions.${name}`,
        );
      }
      return CustomMetric.fromParts(name, value, condition);
    });
  }

  /** Changes only the given config fields, in place; see `CustomMetricDriftConfig.updateConfigArgs`. */
  updateConfigArgs(args: UpdateConfigArgs): void {
    this.config.updateConfigArgs(args);
  }

  /**
   * The dialect the profile is written in by default: `'v0.25'` when it was read from v0.25 JSON or registered with
   * protocol v0.25 (its `scouterVersion` is 0.14 or later), else `'v0.13'`.
   */
  get protocol(): ScouterProtocol {
    return protocolOfVersion(this.scouterVersion) ?? 'v0.13';
  }

  /** @internal Makes `protocol` the profile's own dialect (after a registration in it). */
  useProtocol(protocol: ScouterProtocol): void {
    if (protocol !== this.protocol) {
      (this as { scouterVersion: string }).scouterVersion = PROTOCOL_SCOUTER_VERSION[protocol];
    }
  }

  /** The JSON in the profile's own dialect (see `toJSONFor`). `JSON.stringify(profile)` uses it. */
  toJSON(): CustomDriftProfileJson | CustomDriftProfileV025Json {
    return this.toJSONFor(this.protocol);
  }

  /**
   * Scouter's JSON of the profile (snake_case, Scouter's key order) in one dialect. v0.13: as Scouter v0.13 writes it.
   * v0.25: as Scouter 0.25 writes it (`config.uid`, conditions `{baseline_value, alert_threshold, delta}`; Scouter
   * v0.13 reads such a file with its margins silently null).
   */
  toJSONFor(protocol: ScouterProtocol): CustomDriftProfileJson | CustomDriftProfileV025Json {
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.metrics)) defineEntry(metrics, name, value);
    const scouterVersion =
      protocol === this.protocol ? this.scouterVersion : PROTOCOL_SCOUTER_VERSION[protocol];
    const config = this.config.toJSON();
    if (protocol === 'v0.13') return { config, metrics, scouter_version: scouterVersion };
    const { alert_config: alertConfig, drift_type: driftType, ...identity } = config;
    let conditions: Record<string, AlertConditionV025Json> | null = null;
    if (alertConfig.alert_conditions !== null) {
      conditions = {};
      for (const [name, c] of Object.entries(alertConfig.alert_conditions)) {
        defineEntry(conditions, name, {
          baseline_value: Object.hasOwn(metrics, name) ? (metrics[name] as number) : 0,
          alert_threshold: c.alert_threshold,
          delta: c.alert_threshold_value,
        });
      }
    }
    return {
      config: {
        ...identity,
        uid: this.config.ensureUid(),
        alert_config: { ...alertConfig, alert_conditions: conditions },
        drift_type: driftType,
      },
      metrics,
      scouter_version: scouterVersion,
    };
  }

  /** Pretty JSON (2-space indent), as Scouter's `model_dump_json`, in the profile's own dialect or `protocol`. */
  toJSONString(options: ProfileDialectOptions = {}): string {
    return JSON.stringify(this.toJSONFor(dialectOf(options) ?? this.protocol), null, 2);
  }

  /**
   * Parses a Scouter custom profile of either dialect (v0.13, or v0.25 with `config.uid` and `baseline_value`/`delta`
   * conditions): JSON text or an object, bare or wrapped as `{"Custom": {...}}`, `drift_type` optional. Throws
   * `InvalidProfileError` (with `path`) for anything else.
   */
  static fromJSON(input: unknown): CustomDriftProfile {
    if (input instanceof CustomDriftProfile) return CustomDriftProfile.fromJSON(input.toJSON());
    let value: unknown = input;
    if (typeof input === 'string') {
      try {
        value = JSON.parse(input) as unknown;
      } catch (err) {
        throw new InvalidProfileError(`Invalid profile: not valid JSON (${(err as Error).message})`, '', {
          cause: err,
        });
      }
    }
    let prefix: string[] = [];
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('config' in value)) {
      const keys = Object.keys(value);
      const only = keys.length === 1 ? keys[0] : undefined;
      if (only === 'Custom') {
        value = (value as { Custom: unknown }).Custom;
        prefix = ['Custom'];
      } else if (only === 'Spc' || only === 'Psi' || only === 'LLM') {
        throw new InvalidProfileError(
          `Invalid profile: ${only} profiles are not supported; expected a Custom profile`,
          only,
        );
      }
    }
    rejectProtoKeys(value, prefix);
    const json = parseProfileJson(anyCustomDriftProfileJson, value, prefix);
    checkProfileSchedule(json.config.alert_config.schedule, [
      ...prefix,
      'config',
      'alert_config',
      'schedule',
    ]);
    const profile = Object.create(CustomDriftProfile.prototype) as CustomDriftProfile;
    const metrics: Record<string, number> = {};
    for (const [name, baseline] of Object.entries(json.metrics)) defineEntry(metrics, name, baseline);
    return Object.assign(profile, {
      config: CustomMetricDriftConfig.fromWire(json.config),
      metrics,
      scouterVersion: json.scouter_version,
    });
  }

  /**
   * Writes pretty JSON to `path` (default `./custom_drift_profile.json`), forcing a `.json` extension and creating
   * missing parent folders, in the profile's own dialect unless `options.protocol` names one. Returns the path
   * written. Throws `ScouterIoError` (ERR_IO).
   */
  save(path: string = DEFAULT_PROFILE_PATH, options: ProfileDialectOptions = {}): string {
    if (typeof path !== 'string' || path === '') {
      throw new InvalidOptionsError(
        `save(path) needs a file path string, e.g. "profiles/model.json"; got ${describeInput(path)}`,
      );
    }
    const text = this.toJSONString(options);
    const parsedPath = parse(path);
    const target =
      parsedPath.ext === '.json'
        ? path
        : format({ dir: parsedPath.dir, name: parsedPath.name, ext: '.json' });
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    } catch (err) {
      throw new ScouterIoError(`Cannot save profile to ${target}: ${(err as Error).message}`, target, {
        cause: err,
      });
    }
    return target;
  }

  /**
   * Reads a profile saved by `save()` (or by Scouter's `save_to_json`, or downloaded from the server).
   * Throws `ScouterIoError` when the file cannot be read, `InvalidProfileError` when it is not a valid profile.
   */
  static load(path: string): CustomDriftProfile {
    if (typeof path !== 'string' || path === '') {
      throw new InvalidOptionsError(
        `load(path) needs a file path string, e.g. "profiles/model.json"; got ${describeInput(path)}`,
      );
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ScouterIoError(`Cannot read profile ${path}: ${(err as Error).message}`, path, {
        cause: err,
      });
    }
    try {
      return CustomDriftProfile.fromJSON(text);
    } catch (err) {
      if (err instanceof InvalidProfileError) {
        throw new InvalidProfileError(`${path}: ${err.message}`, err.path, { cause: err });
      }
      throw err;
    }
  }

  /**
   * The body of `POST /scouter/profile` (`ProfileRequest`), in Scouter's key order: the profile as pretty JSON text
   * (in the profile's own dialect unless `options.protocol` names one), `version_request.version` null for the
   * default `"0.0.0"`, `version_type` `"Minor"`.
   */
  createProfileRequest(options: CreateProfileRequestOptions = {}): ProfileRequestJson {
    const { active: activeOption, deactivateOthers: othersOption, ...dialect } = options;
    const active = activeOption ?? false;
    const deactivateOthers = othersOption ?? false;
    if (typeof active !== 'boolean' || typeof deactivateOthers !== 'boolean') {
      throw new InvalidOptionsError(
        'createProfileRequest options active and deactivateOthers must be booleans (default false)',
      );
    }
    return {
      space: this.config.space,
      drift_type: 'Custom',
      profile: this.toJSONString(dialect),
      version_request: {
        version: this.config.version === DEFAULT_VERSION ? null : this.config.version,
        version_type: 'Minor',
        pre_tag: null,
        build_tag: null,
      },
      active,
      deactivate_others: deactivateOthers,
    };
  }
}

/** JSON may hold an own `__proto__` key that JS objects cannot store as data; refuse it instead of losing it. */
function rejectProtoKeys(value: unknown, prefix: readonly string[]): void {
  const child = (v: unknown, key: string): unknown =>
    v !== null && typeof v === 'object' && Object.hasOwn(v, key)
      ? (v as Record<string, unknown>)[key]
      : undefined;
  const maps: [unknown, string[]][] = [
    [child(value, 'metrics'), ['metrics']],
    [
      child(child(child(value, 'config'), 'alert_config'), 'alert_conditions'),
      ['config', 'alert_config', 'alert_conditions'],
    ],
  ];
  for (const [map, path] of maps) {
    if (map !== null && typeof map === 'object' && Object.hasOwn(map, '__proto__')) {
      const at = formatIssuePath([...prefix, ...path, '__proto__']);
      throw new InvalidProfileError(
        `Invalid profile at ${at}: the metric name "__proto__" is not supported`,
        at,
      );
    }
  }
}
