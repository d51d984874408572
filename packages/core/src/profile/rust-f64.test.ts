import { describe, expect, it } from 'vitest';
import { formatRustF64 } from '../index.js';

describe('formatRustF64 (Rust f64 Display)', () => {
  it.each([
    [12, '12'],
    [12.0, '12'],
    [2.3, '2.3'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-1.5, '-1.5'],
    [0, '0'],
    [-0, '-0'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [-2.5e25, '-25000000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.234e-8, '0.00000001234'],
    [-5e-324, '-0.000' + '0'.repeat(320) + '5'],
    [1.7976931348623157e308, '17976931348623157' + '0'.repeat(292)],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'NaN'],
  ])('formats %s as %s', (x, expected) => {
    expect(formatRustF64(x)).toBe(expected);
  });
});
