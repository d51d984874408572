/** A metric's baseline and alert band, read from a Custom drift profile as the server's drift check reads it. */

/** The parts of a Custom profile the page reads. */
export interface CustomProfile {
  metrics: Record<string, number>;
  config: {
    space: string;
    name: string;
    version: string;
    alert_config: {
      schedule: string;
      alert_conditions: Record<
        string,
        { alert_threshold: 'Above' | 'Below' | 'Outside'; alert_threshold_value: number | null }
      > | null;
    };
  };
}

/** Baseline and band of one metric; an open side is ±Infinity. */
export interface Band {
  baseline: number;
  lower: number;
  upper: number;
  threshold: 'Above' | 'Below' | 'Outside' | null;
  thresholdValue: number | null;
}

/** The band of `metric` (no condition: a band of width 0 that never alerts). */
export function bandOf(profile: CustomProfile, metric: string): Band {
  const baseline = profile.metrics[metric] ?? Number.NaN;
  const condition = profile.config.alert_config.alert_conditions?.[metric];
  const margin = condition?.alert_threshold_value ?? 0;
  const threshold = condition?.alert_threshold ?? null;
  return {
    baseline,
    lower: threshold === 'Above' ? -Infinity : baseline - margin,
    upper: threshold === 'Below' ? Infinity : baseline + margin,
    threshold,
    thresholdValue: condition?.alert_threshold_value ?? null,
  };
}

/** Where an observed mean lies: the server alerts on strict comparisons and never on the baseline itself. */
export function placeOf(band: Band, observed: number): 'below' | 'above' | 'in' {
  if (band.threshold === null || observed === band.baseline) return 'in';
  if (observed < band.lower) return 'below';
  if (observed > band.upper) return 'above';
  return 'in';
}

/** A number as the page shows it: up to 4 significant decimals, never exponent noise for ordinary values. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+∞' : x < 0 ? '−∞' : '–';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return x.toExponential(3);
  return String(Number(x.toFixed(abs >= 100 ? 2 : 4)));
}

/** "alert when below 0.767" / "outside 2.86 – 4.86" / "above 250". */
export function describeBand(band: Band): string {
  switch (band.threshold) {
    case 'Below':
      return `alert when below ${formatNumber(band.lower)}`;
    case 'Above':
      return `alert when above ${formatNumber(band.upper)}`;
    case 'Outside':
      return `alert when outside ${formatNumber(band.lower)} – ${formatNumber(band.upper)}`;
    default:
      return 'no alert condition';
  }
}
