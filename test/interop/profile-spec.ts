import {
  AlertThreshold,
  CommonCrons,
  CustomMetric,
  CustomMetricAlertConfig,
  CustomMetricDriftConfig,
  Drifter,
  OpsGenieDispatchConfig,
  SlackDispatchConfig,
  type CustomDriftProfile,
  type DispatchConfig,
} from '@scouter-ts/core';

/**
 * One profile described as data, so the same arguments can be given to Python's `build_profile`
 * (test/interop/py/_common.py) and to `buildTsProfile` below. Keys are snake_case like the Python side.
 */
export interface ProfileSpec {
  space?: string;
  name?: string;
  version?: string;
  sample_size?: number;
  /** Pass the metric alone (not in a list) to create_drift_profile. */
  single_metric?: boolean;
  schedule?: string | { common: keyof typeof CommonCrons };
  dispatch?:
    | { kind: 'Console' }
    | { kind: 'Slack'; channel: string }
    | { kind: 'OpsGenie'; team: string; priority?: string };
  metrics: {
    name: string;
    value: number;
    threshold: keyof typeof AlertThreshold;
    threshold_value?: number | null;
  }[];
}

function dispatchOf(spec: ProfileSpec): DispatchConfig | undefined {
  const d = spec.dispatch;
  if (d === undefined || d.kind === 'Console') return undefined;
  if (d.kind === 'Slack') return new SlackDispatchConfig({ channel: d.channel });
  return new OpsGenieDispatchConfig(
    d.priority === undefined ? { team: d.team } : { team: d.team, priority: d.priority as 'P1' },
  );
}

/** The TypeScript twin of Python's `build_profile(spec)`: same arguments, our classes. */
export function buildTsProfile(spec: ProfileSpec): CustomDriftProfile {
  const metrics = spec.metrics.map(
    (m) =>
      new CustomMetric({
        name: m.name,
        value: m.value,
        alertThreshold: AlertThreshold[m.threshold],
        alertThresholdValue: m.threshold_value ?? null,
      }),
  );
  const schedule =
    spec.schedule === undefined
      ? undefined
      : typeof spec.schedule === 'string'
        ? spec.schedule
        : CommonCrons[spec.schedule.common];
  const dispatchConfig = dispatchOf(spec);
  const alertConfig = new CustomMetricAlertConfig({
    ...(schedule === undefined ? {} : { schedule }),
    ...(dispatchConfig === undefined ? {} : { dispatchConfig }),
  });
  const config = new CustomMetricDriftConfig({
    ...(spec.space === undefined ? {} : { space: spec.space }),
    ...(spec.name === undefined ? {} : { name: spec.name }),
    ...(spec.version === undefined ? {} : { version: spec.version }),
    ...(spec.sample_size === undefined ? {} : { sampleSize: spec.sample_size }),
    alertConfig,
  });
  const data = spec.single_metric && metrics.length === 1 ? metrics[0]! : metrics;
  return new Drifter().createDriftProfile(data, config);
}

/** Plain JSON of a profile, as it would be written to a file. */
export function jsonOf(profile: CustomDriftProfile): unknown {
  return JSON.parse(JSON.stringify(profile));
}

/** `customMetrics` in the shape the Python script reports, sorted by name. */
export function tsCustomMetrics(profile: CustomDriftProfile) {
  return profile.customMetrics
    .map((m) => ({
      name: m.name,
      value: m.value,
      alert_threshold: m.alertThreshold,
      alert_threshold_value: m.alertThresholdValue,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What `describe_profile` in _common.py returns. */
export interface PyProfile {
  dump: unknown;
  model_dump: unknown;
  scouter_version: string;
  custom_metrics: {
    name: string;
    value: number;
    alert_threshold: string;
    alert_threshold_value: number | null;
  }[];
  dispatch_type: string;
  schedule: string;
}

/** Sorted copy of Python's custom_metrics (a Rust HashMap: random order). */
export function pyCustomMetrics(p: PyProfile) {
  return [...p.custom_metrics].sort((a, b) => a.name.localeCompare(b.name));
}
