/** The custom-metric comparison (§5.3) and the alert maps Scouter stores (§5.4). */
import { formatRustF64 } from '@scouter-ts/core';
import type { CustomDriftProfileJson, CustomMetricAlertConditionJson } from '@scouter-ts/core';
import type { AlertMap } from '../storage/types.js';

/**
 * Scouter's `is_out_of_bounds`: equality never alerts; otherwise a strict comparison against
 * `training ∓ b` (absolute), or against `training` itself when `b` is null.
 */
export function isOutOfBounds(
  training: number,
  observed: number,
  condition: CustomMetricAlertConditionJson,
): boolean {
  if (observed === training) return false;
  const b = condition.alert_threshold_value;
  const below = b === null ? observed < training : observed < training - b;
  const above = b === null ? observed > training : observed > training + b;
  switch (condition.alert_threshold) {
    case 'Below':
      return below;
    case 'Above':
      return above;
    case 'Outside':
      return below || above;
  }
}

/** The string map stored for one alerting metric (keys sorted like Rust's `BTreeMap`). */
export function buildAlertMap(
  metric: string,
  training: number,
  observed: number,
  condition: CustomMetricAlertConditionJson,
): AlertMap {
  return {
    alert_threshold: condition.alert_threshold,
    alert_threshold_value:
      condition.alert_threshold_value === null ? 'None' : formatRustF64(condition.alert_threshold_value),
    entity_name: metric,
    observed_metric_value: formatRustF64(observed),
    training_metric_value: formatRustF64(training),
  };
}

/** One alert produced by a drift check. */
export interface MetricAlert {
  metric: string;
  alert: AlertMap;
}

/**
 * Compares the observed means with the profile's baselines. Metrics without data are skipped; metrics without an alert
 * condition (which Scouter would panic on, and which registration rejects) are skipped too.
 */
export function evaluateProfile(
  profile: CustomDriftProfileJson,
  observed: Record<string, number>,
): MetricAlert[] {
  const conditions = profile.config.alert_config.alert_conditions ?? {};
  const alerts: MetricAlert[] = [];
  for (const metric of Object.keys(profile.metrics).sort()) {
    const value = observed[metric];
    const training = profile.metrics[metric];
    const condition = conditions[metric];
    if (value === undefined || training === undefined || condition === undefined) continue;
    if (isOutOfBounds(training, value, condition)) {
      alerts.push({ metric, alert: buildAlertMap(metric, training, value, condition) });
    }
  }
  return alerts;
}
