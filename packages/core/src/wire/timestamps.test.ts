import { describe, expect, it } from 'vitest';
import {
  InvalidOptionsError,
  formatTimestampMicros,
  parseTimestampMicros,
  tryParseTimestampMicros,
} from '../index.js';

const MS = Date.UTC(2025, 10, 24, 16, 33, 58, 123);

describe('formatTimestampMicros', () => {
  it('writes RFC 3339 UTC with exactly 6 fractional digits', () => {
    expect(formatTimestampMicros(MS * 1000 + 456)).toBe('2025-11-24T16:33:58.123456Z');
    expect(formatTimestampMicros(Date.UTC(2025, 0, 1) * 1000)).toBe('2025-01-01T00:00:00.000000Z');
    expect(formatTimestampMicros(7)).toBe('1970-01-01T00:00:00.000007Z');
  });

  it('accepts a Date plus extra microseconds', () => {
    expect(formatTimestampMicros(new Date(MS), 456)).toBe('2025-11-24T16:33:58.123456Z');
    expect(formatTimestampMicros(new Date(MS))).toBe('2025-11-24T16:33:58.123000Z');
    expect(formatTimestampMicros(new Date(MS), 999)).toBe('2025-11-24T16:33:58.123999Z');
  });

  it('truncates sub-microsecond fractions and handles times before 1970', () => {
    expect(formatTimestampMicros(7.9)).toBe('1970-01-01T00:00:00.000007Z');
    expect(formatTimestampMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('rejects non-finite input', () => {
    expect(() => formatTimestampMicros(NaN)).toThrow(InvalidOptionsError);
    expect(() => formatTimestampMicros(new Date(NaN))).toThrow(InvalidOptionsError);
  });
});

describe('parseTimestampMicros (chrono relaxed RFC 3339)', () => {
  const micros = MS * 1000 + 456;
  it.each([
    ['2025-11-24T16:33:58.123456Z', micros],
    ['2025-11-24 16:33:58.123456Z', micros],
    ['2025-11-24t16:33:58.123456z', micros],
    ['2025-11-24T16:33:58.123456789Z', micros],
    ['2025-11-24T16:33:58.123456+00:00', micros],
    ['2025-11-24T16:33:58.123456+0000', micros],
    ['2025-11-24T18:33:58.123456+02:00', micros],
    ['2025-11-24T14:03:58.123456-0230', micros],
    ['2025-11-24T16:33:58.123Z', MS * 1000],
    ['2025-11-24T16:33:58.1Z', (MS - 23) * 1000],
    ['2025-11-24T16:33:58Z', (MS - 123) * 1000],
  ])('%s', (text, expected) => {
    expect(parseTimestampMicros(text)).toBe(expected);
  });

  it('round-trips with formatTimestampMicros', () => {
    for (const m of [0, micros, Date.UTC(2100, 1, 28, 23, 59, 59) * 1000 + 999999]) {
      expect(parseTimestampMicros(formatTimestampMicros(m))).toBe(m);
    }
  });

  it.each([
    '2025-11-24T16:33:58',
    '2025-11-24T16:33:58.123',
    '2025-11-24',
    '2025-11-24T16:33Z',
    '2025-11-24T16:33:58.Z',
    '2025-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2025-11-24T24:00:00Z',
    '2025-11-24T16:60:00Z',
    '2025-11-24T16:33:58+25:00',
    ' 2025-11-24T16:33:58Z',
    'now',
    '',
  ])('rejects %j', (text) => {
    expect(tryParseTimestampMicros(text)).toBeNull();
    expect(() => parseTimestampMicros(text)).toThrow(InvalidOptionsError);
  });

  it('accepts leap days', () => {
    expect(parseTimestampMicros('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) * 1000);
  });
});
