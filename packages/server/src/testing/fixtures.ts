/** JSON builders for tests: profiles, profile requests and records exactly as the wire carries them. */

/** A bare custom profile JSON (the string inside `ProfileRequest.profile`). */
export function profileJson(
  overrides: {
    space?: string;
    name?: string;
    version?: string;
    schedule?: string;
    metrics?: Record<string, number>;
    conditions?: Record<string, { alert_threshold: string; alert_threshold_value: number | null }> | null;
    dispatch?: unknown;
  } = {},
): Record<string, unknown> {
  const metrics = overrides.metrics ?? { mae: 10 };
  const conditions =
    overrides.conditions === undefined
      ? Object.fromEntries(
          Object.keys(metrics).map((m) => [m, { alert_threshold: 'Above', alert_threshold_value: 2 }]),
        )
      : overrides.conditions;
  return {
    config: {
      sample_size: 25,
      space: overrides.space ?? 'scouter',
      name: overrides.name ?? 'model',
      version: overrides.version ?? '0.1.0',
      alert_config: {
        dispatch_config: overrides.dispatch ?? { Console: { enabled: true } },
        schedule: overrides.schedule ?? '0 * * * * *',
        alert_conditions: conditions,
      },
      drift_type: 'Custom',
    },
    metrics,
    scouter_version: '0.13.0',
  };
}

/** A `ProfileRequest` body wrapping a profile. */
export function profileRequest(
  profile: Record<string, unknown>,
  extra: { active?: boolean; deactivate_others?: boolean; version_type?: string; space?: string } = {},
): Record<string, unknown> {
  const config = profile.config as { space: string; version: string };
  return {
    space: extra.space ?? config.space,
    drift_type: 'Custom',
    profile: JSON.stringify(profile, null, 2),
    version_request: {
      version: config.version,
      version_type: extra.version_type ?? 'Minor',
      pre_tag: null,
      build_tag: null,
    },
    active: extra.active ?? false,
    deactivate_others: extra.deactivate_others ?? false,
  };
}

/** One `{"Custom": …}` record. */
export function record(
  createdAt: string,
  metric: string,
  value: number,
  key: { space?: string; name?: string; version?: string } = {},
): Record<string, unknown> {
  return {
    Custom: {
      created_at: createdAt,
      space: key.space ?? 'scouter',
      name: key.name ?? 'model',
      version: key.version ?? '0.1.0',
      metric,
      value,
    },
  };
}
