import type { TimeIntervalName } from './schemas.js';

/** Scouter's `TimeInterval` names (query value of `GET /scouter/drift/custom`). */
export const TimeInterval = {
  FiveMinutes: 'FiveMinutes',
  FifteenMinutes: 'FifteenMinutes',
  ThirtyMinutes: 'ThirtyMinutes',
  OneHour: 'OneHour',
  ThreeHours: 'ThreeHours',
  SixHours: 'SixHours',
  TwelveHours: 'TwelveHours',
  TwentyFourHours: 'TwentyFourHours',
  TwoDays: 'TwoDays',
  FiveDays: 'FiveDays',
} as const satisfies Record<TimeIntervalName, TimeIntervalName>;
/** One of the `TimeInterval` names. */
export type TimeInterval = (typeof TimeInterval)[keyof typeof TimeInterval];

/** Length of each `TimeInterval` in minutes, as Scouter defines them. */
export const TimeIntervalMinutes: Readonly<Record<TimeInterval, number>> = {
  FiveMinutes: 5,
  FifteenMinutes: 15,
  ThirtyMinutes: 30,
  OneHour: 60,
  ThreeHours: 180,
  SixHours: 360,
  TwelveHours: 720,
  TwentyFourHours: 1440,
  TwoDays: 2880,
  FiveDays: 7200,
};

/** Length of a `TimeInterval` in minutes. */
export function timeIntervalMinutes(interval: TimeInterval): number {
  return TimeIntervalMinutes[interval];
}
