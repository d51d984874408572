import { describe, expect, it } from 'vitest';
import { AlertThreshold } from './alert-threshold.js';
import { CustomDriftProfile } from './custom-drift-profile.js';
import { CustomMetric } from './custom-metric.js';
import { CustomMetricDriftConfig } from './drift-config.js';
import { Drifter } from './drifter.js';

/** What Scouter 0.25's `model_dump_json()` writes (scouter-ml 0.25.0, two metrics, one without a delta). */
const PYTHON_025 = {
  config: {
    sample_size: 5,
    space: 's',
    name: 'n',
    version: '1.0.0',
    uid: '01a24e5a-046a-7110-af4a-e586aea2fc59',
    alert_config: {
      dispatch_config: { Console: { enabled: true } },
      schedule: '0 0 0 * * *',
      alert_conditions: {
        mae: { baseline_value: 1.5, alert_threshold: 'Above', delta: 0.5 },
        acc: { baseline_value: 0.9, alert_threshold: 'Below', delta: null },
      },
    },
    drift_type: 'Custom',
  },
  metrics: { mae: 1.5, acc: 0.9 },
  scouter_version: '0.25.0',
};

describe('profiles in both dialects', () => {
  it('reads a Scouter 0.25 profile: uid, delta as the threshold value, its own dialect', () => {
    const profile = CustomDriftProfile.fromJSON(JSON.stringify(PYTHON_025));
    expect(profile.protocol).toBe('v0.25');
    expect(profile.config.uid).toBe(PYTHON_025.config.uid);
    expect(
      profile.customMetrics.map((m) => [m.name, m.value, m.alertThreshold, m.alertThresholdValue]),
    ).toEqual([
      ['mae', 1.5, 'Above', 0.5],
      ['acc', 0.9, 'Below', null],
    ]);
  });

  it('writes v0.25 exactly as Scouter 0.25 does, v0.13 without the uid', () => {
    const profile = CustomDriftProfile.fromJSON(PYTHON_025);
    const v025 = JSON.parse(profile.toJSONString()) as typeof PYTHON_025;
    expect(v025).toEqual(PYTHON_025);
    expect(Object.keys(v025.config)).toEqual(Object.keys(PYTHON_025.config));
    expect(v025.scouter_version).toBe('0.25.0');
    const v013 = JSON.parse(profile.toJSONString({ protocol: 'v0.13' })) as Record<string, unknown>;
    expect(v013).toEqual({
      config: {
        sample_size: 5,
        space: 's',
        name: 'n',
        version: '1.0.0',
        alert_config: {
          dispatch_config: { Console: { enabled: true } },
          schedule: '0 0 0 * * *',
          alert_conditions: {
            mae: { alert_threshold: 'Above', alert_threshold_value: 0.5 },
            acc: { alert_threshold: 'Below', alert_threshold_value: null },
          },
        },
        drift_type: 'Custom',
      },
      metrics: { mae: 1.5, acc: 0.9 },
      scouter_version: '0.13.0',
    });
    expect(CustomDriftProfile.fromJSON(v013).protocol).toBe('v0.13');
  });

  it('gives a new profile written as v0.25 one random uid, kept from then on', () => {
    const profile = Drifter.createDriftProfile(
      [new CustomMetric({ name: 'mae', value: 1, alertThreshold: AlertThreshold.Outside })],
      new CustomMetricDriftConfig({ space: 's', name: 'n' }),
    );
    expect(profile.protocol).toBe('v0.13');
    expect(profile.config.uid).toBeNull();
    const first = JSON.parse(profile.toJSONString({ protocol: 'latest' })) as typeof PYTHON_025;
    expect(first.config.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(profile.toJSONString({ protocol: '0.25.0' })).config.uid).toBe(first.config.uid);
    expect(JSON.parse(profile.toJSONString()).config).not.toHaveProperty('uid');
    expect(() => profile.toJSONString({ protocol: 'auto' })).toThrow(/protocol.*'auto'/);
  });
});
