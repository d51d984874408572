import { describe, expect, it } from 'vitest';
import { tryParseTimestampMicros } from '@scouter-ts/core';
import { formatAutoSi, parseTimestampMicrosFast } from './time.js';

describe('formatAutoSi (chrono AutoSi)', () => {
  it('uses the shortest exact form of 0, 3 or 6 digits', () => {
    const base = Date.parse('2025-11-24T16:33:58Z') * 1000;
    expect(formatAutoSi(base)).toBe('2025-11-24T16:33:58Z');
    expect(formatAutoSi(base + 123_000)).toBe('2025-11-24T16:33:58.123Z');
    expect(formatAutoSi(base + 100_000)).toBe('2025-11-24T16:33:58.100Z');
    expect(formatAutoSi(base + 123_456)).toBe('2025-11-24T16:33:58.123456Z');
    expect(formatAutoSi(base + 1)).toBe('2025-11-24T16:33:58.000001Z');
    expect(formatAutoSi(0)).toBe('1970-01-01T00:00:00Z');
  });
});

describe('parseTimestampMicrosFast', () => {
  it('answers exactly like the core parser, canonical form or not', () => {
    const samples = [
      '2025-11-24T16:33:58.123456Z',
      '1970-01-01T00:00:00.000000Z',
      '1969-12-31T23:59:59.999999Z',
      '2024-02-29T12:00:00.000001Z',
      '2025-02-29T12:00:00.000001Z',
      '2100-02-29T00:00:00.000000Z',
      '2000-02-29T00:00:00.000000Z',
      '2025-13-01T00:00:00.000000Z',
      '2025-00-01T00:00:00.000000Z',
      '2025-04-31T00:00:00.000000Z',
      '2025-04-30T24:00:00.000000Z',
      '2025-04-30T23:60:00.000000Z',
      '2025-04-30T23:59:60.000000Z',
      '0050-01-01T00:00:00.000000Z',
      '0099-12-31T23:59:59.999999Z',
      '0100-03-01T00:00:00.000000Z',
      '1700-01-01T00:00:00.000000Z',
      '9999-12-31T23:59:59.999999Z',
      '2025-11-24t16:33:58.123456Z',
      '2025-11-24 16:33:58.123456Z',
      '2025-11-24T16:33:58.123456z',
      '2025-11-24T16:33:58.12345aZ',
      '2025-11-24T16:33:58.1234567Z',
      '2025-11-24T16:33:58Z',
      '2025-11-24T16:33:58.123456+01:00',
      '2025-1a-24T16:33:58.123456Z',
      '+025-11-24T16:33:58.123456Z',
      ' 2025-11-24T16:33:58.12345Z',
      '',
      '2025-11-24T16:33:58.123456789Z',
      '2025-11-24T16:33:58.1Z',
      '2025-11-24T16:33:58.12Z',
      '2025-11-24T16:33:58.123Z',
      '2025-11-24T16:33:58.12345Z',
      '2025-11-24T16:33:58.Z',
      '2025-11-24T16:33:58.12345678901234567890Z',
      '2025-11-24T16:33:58.1234567890123456789x1Z',
      '2025-11-24T16:33:58.123456789012345678901Z',
      '2025-11-24T16:33:5Z',
      '2025-11-24T16:33:58.123456789+00:00',
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      const micros = Math.floor((random() * 600 - 300) * 365.25 * 86_400_000_000);
      const whole = Math.floor(micros / 1000);
      const d = new Date(whole);
      if (d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) continue;
      const canonical = `${d.toISOString().slice(0, 23)}${String(micros - whole * 1000).padStart(3, '0')}`;
      samples.push(`${canonical}Z`, `${canonical}${i % 1000}Z`, `${canonical.slice(0, 19 + (i % 8))}Z`);
    }
    for (const text of samples) {
      expect(parseTimestampMicrosFast(text), text).toBe(tryParseTimestampMicros(text));
    }
    expect(parseTimestampMicrosFast('2025-11-24T16:33:58.123456Z')).toBe(
      Date.parse('2025-11-24T16:33:58.123Z') * 1000 + 456,
    );
  });
});
