/** Direction in which a metric may drift from its baseline before the server alerts. */
export const AlertThreshold = {
  /** Alert when the observed mean is below `baseline - alertThresholdValue`. */
  Below: 'Below',
  /** Alert when the observed mean is above `baseline + alertThresholdValue`. */
  Above: 'Above',
  /** Alert when the observed mean is outside `baseline ± alertThresholdValue`. */
  Outside: 'Outside',
} as const;
/** `'Below' | 'Above' | 'Outside'`. */
export type AlertThreshold = (typeof AlertThreshold)[keyof typeof AlertThreshold];
