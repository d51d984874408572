import { z } from 'zod';
import { parseOptions } from '../options.js';
import { customMetricAlertConditionJson, type CustomMetricAlertConditionJson } from '../wire/schemas.js';
import { parseProfileJson } from './wire-parse.js';
import { AlertThreshold } from './alert-threshold.js';

const thresholdSchema = z.enum([AlertThreshold.Below, AlertThreshold.Above, AlertThreshold.Outside], {
  error: () =>
    'must be AlertThreshold.Below, AlertThreshold.Above or AlertThreshold.Outside ("Below" | "Above" | "Outside")',
});
const thresholdValueSchema = z
  .number({
    error: () => 'must be a finite number >= 0 (an absolute margin around the baseline), e.g. 0.5, or null',
  })
  .min(0, { error: () => 'must be >= 0 (an absolute margin around the baseline), e.g. 0.5' })
  .nullable()
  .default(null);

/** Options of `CustomMetricAlertCondition`. */
export const customMetricAlertConditionOptionsSchema = z.strictObject({
  /** Direction of the check. */
  alertThreshold: thresholdSchema,
  /** Absolute margin around the baseline; null compares strictly against the baseline. Default null. */
  alertThresholdValue: thresholdValueSchema.optional(),
});
/** Input of `new CustomMetricAlertCondition(...)`. */
export type CustomMetricAlertConditionOptions = z.input<typeof customMetricAlertConditionOptionsSchema>;

/** One metric's alert rule: direction plus optional absolute margin (`null` = strict comparison). */
export class CustomMetricAlertCondition {
  /** Direction of the check. */
  readonly alertThreshold: AlertThreshold;
  /** Absolute margin around the baseline, or null; default null. */
  readonly alertThresholdValue: number | null;

  constructor(options: CustomMetricAlertConditionOptions) {
    const parsed = parseOptions(
      customMetricAlertConditionOptionsSchema,
      options,
      'CustomMetricAlertCondition',
    );
    this.alertThreshold = parsed.alertThreshold;
    this.alertThresholdValue = parsed.alertThresholdValue ?? null;
  }

  /** Reads `{"alert_threshold", "alert_threshold_value"}`; throws `InvalidProfileError` naming the field. */
  static fromJSON(json: unknown): CustomMetricAlertCondition {
    return CustomMetricAlertCondition.fromWire(parseProfileJson(customMetricAlertConditionJson, json));
  }

  /** @internal Builds a condition from validated wire JSON, keeping any serde-valid value. */
  static fromWire(json: CustomMetricAlertConditionJson): CustomMetricAlertCondition {
    const condition = Object.create(CustomMetricAlertCondition.prototype) as CustomMetricAlertCondition;
    return Object.assign(condition, {
      alertThreshold: json.alert_threshold,
      alertThresholdValue: json.alert_threshold_value,
    });
  }

  /** Wire JSON: `{"alert_threshold": ..., "alert_threshold_value": number | null}`. */
  toJSON(): CustomMetricAlertConditionJson {
    return { alert_threshold: this.alertThreshold, alert_threshold_value: this.alertThresholdValue };
  }
}

/** Options of `CustomMetric`. */
export const customMetricOptionsSchema = z.strictObject({
  /** Metric name; lower-cased. */
  name: z
    .string({ error: () => 'must be a string, e.g. "mae"' })
    .refine((s) => s.trim() !== '', { error: () => 'must be a non-empty metric name, e.g. "mae"' })
    .refine((s) => s !== '__proto__', { error: () => 'cannot be "__proto__"; choose another metric name' }),
  /** Baseline value (e.g. measured on the validation set); finite. */
  value: z.number({ error: () => 'must be a finite number (the baseline), e.g. 0.92' }),
  /** Direction of the alert check. */
  alertThreshold: thresholdSchema,
  /** Absolute margin around the baseline, finite and >= 0; default null (strict comparison). */
  alertThresholdValue: thresholdValueSchema.optional(),
});
/** Input of `new CustomMetric(...)`. */
export type CustomMetricOptions = z.input<typeof customMetricOptionsSchema>;

/** A baseline metric of a custom drift profile (Scouter's `CustomMetric`). */
export class CustomMetric {
  /** Lower-cased metric name. */
  readonly name: string;
  /** Baseline value. */
  readonly value: number;
  /** The alert rule for this metric. */
  readonly alertCondition: CustomMetricAlertCondition;

  constructor(options: CustomMetricOptions) {
    const parsed = parseOptions(customMetricOptionsSchema, options, 'CustomMetric');
    this.name = parsed.name.toLowerCase();
    this.value = parsed.value;
    this.alertCondition = Object.assign(
      Object.create(CustomMetricAlertCondition.prototype) as CustomMetricAlertCondition,
      {
        alertThreshold: parsed.alertThreshold,
        alertThresholdValue: parsed.alertThresholdValue ?? null,
      },
    );
  }

  /** Rebuilds a metric from a profile's parts without re-validating them (Scouter's `custom_metrics`). */
  static fromParts(name: string, value: number, condition: CustomMetricAlertCondition): CustomMetric {
    const metric = Object.create(CustomMetric.prototype) as CustomMetric;
    return Object.assign(metric, { name: name.toLowerCase(), value, alertCondition: condition });
  }

  /** Direction of the alert check. */
  get alertThreshold(): AlertThreshold {
    return this.alertCondition.alertThreshold;
  }

  /** Absolute margin around the baseline, or null. */
  get alertThresholdValue(): number | null {
    return this.alertCondition.alertThresholdValue;
  }

  /** Same as `name` (Scouter's `class_id`). */
  get classId(): string {
    return this.name;
  }

  /** Scouter's JSON of a metric: `{"name", "value", "alert_condition"}` (never sent to the server). */
  toJSON(): { name: string; value: number; alert_condition: CustomMetricAlertConditionJson } {
    return { name: this.name, value: this.value, alert_condition: this.alertCondition.toJSON() };
  }
}
