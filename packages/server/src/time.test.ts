import { describe, expect, it } from 'vitest';
import { formatAutoSi } from './time.js';

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
