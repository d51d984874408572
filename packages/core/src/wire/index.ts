export * from './schemas.js';
export { TimeInterval, TimeIntervalMinutes, timeIntervalMinutes } from './time-interval.js';
export { formatTimestampMicros, parseTimestampMicros, tryParseTimestampMicros } from './timestamps.js';
export * from './schemas-v025.js';
export {
  LATEST_PROTOCOL,
  PROTOCOL_SCOUTER_VERSION,
  protocolOfVersion,
  protocolOptionSchema,
  type ProtocolOption,
  type ScouterProtocol,
} from './protocol.js';
