import { z } from 'zod';
import { parseOptions } from '../options.js';
import { customMetricAlertConfigJson, type CustomMetricAlertConfigJson } from '../wire/schemas.js';
import { checkProfileSchedule, parseProfileJson } from './wire-parse.js';
import { CommonCrons } from './common-crons.js';
import { validateCron } from './cron.js';
import { CustomMetricAlertCondition } from './custom-metric.js';
import {
  ConsoleDispatchConfig,
  dispatchConfigFromJson,
  toDispatchConfig,
  type AlertDispatchType,
  type DispatchConfig,
} from './dispatch.js';

/** Options of `CustomMetricAlertConfig`. */
export const customMetricAlertConfigOptionsSchema = z.strictObject({
  /** Cron schedule of the server's drift check (Scouter dialect, UTC), or a `CommonCrons` member. Default `CommonCrons.EveryDay`. */
  schedule: z
    .string({
      error: () => 'must be a cron string or a CommonCrons member, e.g. CommonCrons.EveryDay ("0 0 0 * * *")',
    })
    .default(CommonCrons.EveryDay),
  /** Where alerts go. Default `new ConsoleDispatchConfig()`. */
  dispatchConfig: z.unknown().optional(),
});
/** Input of `new CustomMetricAlertConfig(...)`. */
export type CustomMetricAlertConfigOptions = {
  /** Cron schedule (Scouter dialect) or a `CommonCrons` member. Default `CommonCrons.EveryDay`. */
  schedule?: string;
  /** Where alerts go. Default `new ConsoleDispatchConfig()`. */
  dispatchConfig?: DispatchConfig;
};

/** Alerting settings of a custom profile: schedule, dispatch and (once a profile is built) the per-metric conditions. */
export class CustomMetricAlertConfig {
  /** Where alerts go. Default Console. */
  readonly dispatchConfig: DispatchConfig;
  /** Per-metric conditions; null until a profile fills them from its metrics. */
  alertConditions: Record<string, CustomMetricAlertCondition> | null = null;
  private scheduleValue: string;

  /** Throws `InvalidCronError` for a bad schedule and `InvalidOptionsError` for a bad dispatch config. */
  constructor(options: CustomMetricAlertConfigOptions = {}) {
    const parsed = parseOptions(customMetricAlertConfigOptionsSchema, options, 'CustomMetricAlertConfig');
    this.scheduleValue = validateCron(parsed.schedule);
    this.dispatchConfig =
      parsed.dispatchConfig === undefined
        ? new ConsoleDispatchConfig()
        : toDispatchConfig(parsed.dispatchConfig, 'CustomMetricAlertConfig option dispatchConfig');
  }

  /** Cron schedule (Scouter dialect, UTC). Setting it validates (throws `InvalidCronError`). Default `"0 0 0 * * *"`. */
  get schedule(): string {
    return this.scheduleValue;
  }

  set schedule(value: string) {
    this.scheduleValue = validateCron(value);
  }

  /** `'Console' | 'Slack' | 'OpsGenie'`. */
  get dispatchType(): AlertDispatchType {
    return this.dispatchConfig.kind;
  }

  /** Reads Scouter's `alert_config` JSON (schedule checked); throws `InvalidProfileError` naming the field. */
  static fromJSON(json: unknown): CustomMetricAlertConfig {
    const parsed = parseProfileJson(customMetricAlertConfigJson, json);
    checkProfileSchedule(parsed.schedule, ['schedule']);
    return CustomMetricAlertConfig.fromWire(parsed);
  }

  /** @internal Builds the config from validated wire JSON. */
  static fromWire(json: CustomMetricAlertConfigJson): CustomMetricAlertConfig {
    const config = Object.create(CustomMetricAlertConfig.prototype) as CustomMetricAlertConfig;
    const conditions: Record<string, CustomMetricAlertCondition> | null =
      json.alert_conditions === null ? null : {};
    if (conditions !== null && json.alert_conditions !== null) {
      for (const [name, condition] of Object.entries(json.alert_conditions)) {
        defineEntry(conditions, name, CustomMetricAlertCondition.fromWire(condition));
      }
    }
    return Object.assign(config, {
      dispatchConfig: dispatchConfigFromJson(json.dispatch_config),
      alertConditions: conditions,
      scheduleValue: json.schedule,
    });
  }

  /** A copy (conditions copied too). */
  clone(): CustomMetricAlertConfig {
    return CustomMetricAlertConfig.fromWire(this.toJSON());
  }

  /** Wire JSON in Scouter's key order. */
  toJSON(): CustomMetricAlertConfigJson {
    let conditions: CustomMetricAlertConfigJson['alert_conditions'] = null;
    if (this.alertConditions !== null) {
      conditions = {};
      for (const [name, condition] of Object.entries(this.alertConditions)) {
        defineEntry(conditions, name, condition.toJSON());
      }
    }
    return {
      dispatch_config: this.dispatchConfig.toJSON(),
      schedule: this.scheduleValue,
      alert_conditions: conditions,
    };
  }
}

/** Sets an own enumerable property, safe for keys such as `__proto__`. */
export function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
