/**
 * Scouter's Rust core parses JSON numbers with serde_json's default float parser, which is not correctly rounded:
 * about one 17-digit double in ten comes back one ULP off (e.g. "1.9644660940672622" reads as 1.9644660940672625),
 * even in files Scouter wrote itself. Values that crossed into Python are therefore compared within 1 ULP;
 * see docs/compatibility.md.
 */

const view = new DataView(new ArrayBuffer(8));

function ordered(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

/** Number of representable doubles between a and b (0 when equal). */
export function ulpDistance(a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.POSITIVE_INFINITY;
  const d = ordered(a) - ordered(b);
  return Number(d < 0n ? -d : d);
}

/**
 * Differences between two JSON values, where numbers may differ by at most `maxUlps`.
 * Returns one line per difference (empty when equal), for `expect(diff(...)).toStrictEqual([])`.
 */
export function jsonDiff(actual: unknown, expected: unknown, maxUlps = 1, path = '$'): string[] {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return ulpDistance(actual, expected) <= maxUlps ? [] : [`${path}: ${actual} != ${expected}`];
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return [`${path}: length ${actual.length} != ${expected.length}`];
    return actual.flatMap((v, i) => jsonDiff(v, expected[i], maxUlps, `${path}[${i}]`));
  }
  if (
    actual !== null &&
    expected !== null &&
    typeof actual === 'object' &&
    typeof expected === 'object' &&
    !Array.isArray(actual) &&
    !Array.isArray(expected)
  ) {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(e)])].sort();
    return keys.flatMap((k) =>
      !(k in a)
        ? [`${path}.${k}: missing`]
        : !(k in e)
          ? [`${path}.${k}: unexpected`]
          : jsonDiff(a[k], e[k], maxUlps, `${path}.${k}`),
    );
  }
  return Object.is(actual, expected)
    ? []
    : [`${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
}
