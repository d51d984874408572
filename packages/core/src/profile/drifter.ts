import { InvalidOptionsError } from '../errors.js';
import { CustomDriftProfile } from './custom-drift-profile.js';
import type { CustomMetric } from './custom-metric.js';
import { CustomMetricDriftConfig } from './drift-config.js';

/** Factory of drift profiles (Scouter's `Drifter`); scouter-ts supports custom-metric profiles. */
export class Drifter {
  /** Builds a `CustomDriftProfile` from one metric or a list; same as `new CustomDriftProfile(config, metrics)`. */
  static createDriftProfile(
    metricOrMetrics: CustomMetric | readonly CustomMetric[],
    config: CustomMetricDriftConfig,
  ): CustomDriftProfile {
    if (!(config instanceof CustomMetricDriftConfig)) {
      throw new InvalidOptionsError(
        'Drifter.createDriftProfile needs a CustomMetricDriftConfig as second argument, e.g. new CustomMetricDriftConfig({ space: "scouter", name: "model" })',
      );
    }
    return new CustomDriftProfile(config, metricOrMetrics);
  }

  /** Instance form, as in Python's `Drifter().create_drift_profile(...)`. */
  createDriftProfile(
    metricOrMetrics: CustomMetric | readonly CustomMetric[],
    config: CustomMetricDriftConfig,
  ): CustomDriftProfile {
    return Drifter.createDriftProfile(metricOrMetrics, config);
  }
}
