export * from './schemas.js';
export { TimeInterval, TimeIntervalMinutes, timeIntervalMinutes } from './time-interval.js';
export { formatTimestampMicros, parseTimestampMicros, tryParseTimestampMicros } from './timestamps.js';
