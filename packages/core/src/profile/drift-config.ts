import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { parseOptions } from '../options.js';
import { randomUUID } from 'node:crypto';
import { type CustomMetricDriftConfigJson } from '../wire/schemas.js';
import { anyCustomMetricDriftConfigJson, type AnyCustomMetricDriftConfigJson } from '../wire/schemas-v025.js';
import { checkProfileSchedule, parseProfileJson } from './wire-parse.js';
import { CustomMetricAlertConfig } from './alert-config.js';

/** Scouter's drift types; only `Custom` is implemented by scouter-ts. */
export const DriftType = { Spc: 'Spc', Psi: 'Psi', Custom: 'Custom', LLM: 'LLM' } as const;
/** One of the `DriftType` values. */
export type DriftType = (typeof DriftType)[keyof typeof DriftType];

/** Scouter's default version of a new config. */
export const DEFAULT_VERSION = '0.0.0';

const identityString = (field: string, example: string) =>
  z
    .string({ error: () => `must be a string, e.g. "${example}"` })
    .refine((s) => s.trim() !== '', { error: () => `must be a non-empty ${field}, e.g. "${example}"` });

const versionSchema = z
  .string({ error: () => 'must be a version string such as "1.0.0"' })
  .regex(/^(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,2}$/, {
    error: () =>
      'must be "X", "X.Y" or "X.Y.Z" without leading zeros, e.g. "1.0.0" (Scouter rejects other forms)',
  });

const alertConfigSchema = z.custom<CustomMetricAlertConfig>((v) => v instanceof CustomMetricAlertConfig, {
  error: () =>
    'must be a CustomMetricAlertConfig, e.g. new CustomMetricAlertConfig({ schedule: CommonCrons.EveryDay })',
});

/** Options of `CustomMetricDriftConfig`. */
export const customMetricDriftConfigOptionsSchema = z.strictObject({
  /** Model space (namespace / team). Default `"__missing__"`, as Scouter. */
  space: identityString('space', 'scouter').default('__missing__'),
  /** Model name. Default `"__missing__"`, as Scouter. */
  name: identityString('name', 'model').default('__missing__'),
  /** Model version. Default `"0.0.0"`. */
  version: versionSchema.default(DEFAULT_VERSION),
  /** Records averaged per metric before sending (client-side batch size). Default 25. */
  sampleSize: z
    .number({ error: () => 'must be a positive integer, e.g. 25' })
    .int({ error: () => 'must be a positive integer, e.g. 25' })
    .min(1, { error: () => 'must be a positive integer, e.g. 25' })
    .max(Number.MAX_SAFE_INTEGER)
    .default(25),
  /** Alerting settings. Default `new CustomMetricAlertConfig()` (daily, Console). */
  alertConfig: alertConfigSchema.optional(),
});
/** Input of `new CustomMetricDriftConfig(...)`. */
export type CustomMetricDriftConfigOptions = z.input<typeof customMetricDriftConfigOptionsSchema>;

const updateArgsSchema = z.strictObject({
  space: identityString('space', 'scouter').optional(),
  name: identityString('name', 'model').optional(),
  version: versionSchema.optional(),
  /** Entity uid assigned by a Scouter v0.25 server on registration. */
  uid: z.string().min(1, 'must be a non-empty uid').optional(),
  alertConfig: alertConfigSchema.optional(),
});
/** Input of `updateConfigArgs(...)`: only the given fields change. */
export type UpdateConfigArgs = z.input<typeof updateArgsSchema>;

/** Identity and settings of a custom-metric model (Scouter's `CustomMetricDriftConfig`). */
export class CustomMetricDriftConfig {
  /** Model space. */
  space: string;
  /** Model name. */
  name: string;
  /** Model version. Default `"0.0.0"`. */
  version: string;
  /** Client-side batch size per metric. Default 25. */
  readonly sampleSize: number;
  /** Alerting settings. */
  alertConfig: CustomMetricAlertConfig;
  /** Always `'Custom'`. */
  readonly driftType = DriftType.Custom;
  /**
   * Entity uid (Scouter v0.14 and later): assigned by the server on registration (`registerProfile` with protocol
   * v0.25 writes it here), or a random one the first time the profile is written in the v0.25 dialect. Default null.
   */
  uid: string | null = null;

  constructor(options: CustomMetricDriftConfigOptions = {}) {
    const parsed = parseOptions(customMetricDriftConfigOptionsSchema, options, 'CustomMetricDriftConfig');
    this.space = parsed.space;
    this.name = parsed.name;
    this.version = parsed.version;
    this.sampleSize = parsed.sampleSize;
    this.alertConfig = parsed.alertConfig ?? new CustomMetricAlertConfig();
  }

  /**
   * Changes only the given fields, in place (as Scouter's `update_config_args`). Throws `InvalidOptionsError`.
   * A new `alertConfig` without conditions keeps the current conditions (Scouter would drop them).
   */
  updateConfigArgs(args: UpdateConfigArgs): void {
    if (args === null || typeof args !== 'object') {
      throw new InvalidOptionsError('updateConfigArgs expects an object such as { version: "1.1.0" }');
    }
    const parsed = parseOptions(updateArgsSchema, args, 'updateConfigArgs');
    if (parsed.space !== undefined) this.space = parsed.space;
    if (parsed.name !== undefined) this.name = parsed.name;
    if (parsed.version !== undefined) this.version = parsed.version;
    if (parsed.uid !== undefined) this.uid = parsed.uid;
    if (parsed.alertConfig !== undefined) {
      const next = parsed.alertConfig.clone();
      if (next.alertConditions === null) next.alertConditions = this.alertConfig.clone().alertConditions;
      this.alertConfig = next;
    }
  }

  /** Reads Scouter's `config` JSON of either dialect (schedule checked); throws `InvalidProfileError` naming the field. */
  static fromJSON(json: unknown): CustomMetricDriftConfig {
    const parsed = parseProfileJson(anyCustomMetricDriftConfigJson, json);
    checkProfileSchedule(parsed.alert_config.schedule, ['alert_config', 'schedule']);
    return CustomMetricDriftConfig.fromWire(parsed);
  }

  /** @internal Builds the config from validated wire JSON (either dialect). */
  static fromWire(
    json: CustomMetricDriftConfigJson | AnyCustomMetricDriftConfigJson,
  ): CustomMetricDriftConfig {
    const config = Object.create(CustomMetricDriftConfig.prototype) as CustomMetricDriftConfig;
    return Object.assign(config, {
      space: json.space,
      name: json.name,
      version: json.version,
      sampleSize: json.sample_size,
      alertConfig: CustomMetricAlertConfig.fromWire(json.alert_config),
      driftType: DriftType.Custom,
      uid: ('uid' in json ? json.uid : undefined) ?? null,
    });
  }

  /** A deep copy. */
  clone(): CustomMetricDriftConfig {
    const copy = CustomMetricDriftConfig.fromWire(this.toJSON());
    copy.uid = this.uid;
    return copy;
  }

  /** @internal The uid to write in the v0.25 dialect: the one set, else a new random one, kept from then on. */
  ensureUid(): string {
    this.uid ??= randomUUID();
    return this.uid;
  }

  /** Wire JSON in Scouter's key order. */
  toJSON(): CustomMetricDriftConfigJson {
    return {
      sample_size: this.sampleSize,
      space: this.space,
      name: this.name,
      version: this.version,
      alert_config: this.alertConfig.toJSON(),
      drift_type: DriftType.Custom,
    };
  }
}
