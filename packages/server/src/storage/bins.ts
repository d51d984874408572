/** Bin widths are whole microseconds (Postgres intervals have µs resolution); at least 1 µs. */
export function binWidthToMicros(binWidthMicros: number): number {
  if (!Number.isFinite(binWidthMicros) || binWidthMicros <= 0) {
    throw new RangeError(`binWidthMicros must be a positive finite number, got ${binWidthMicros}`);
  }
  return Math.max(1, Math.round(binWidthMicros));
}
